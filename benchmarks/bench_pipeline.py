"""Pipeline throughput: offline (enrich, detect) and live (produce -> worker -> all events detected).

    .venv/bin/python benchmarks/bench_pipeline.py                 # offline only
    .venv/bin/python benchmarks/bench_pipeline.py --live          # also against the local broker

The workload is the bundled demo sample copied for ``--brands`` brands (ids and brand
renamed), so every brand carries a day of ordinary traffic and a crisis.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from detectors.offline import event_time_order  # noqa: E402
from schemas.codec import encode_raw_event  # noqa: E402
from schemas.records import RawEvent  # noqa: E402
from streams.jsonl import load_events  # noqa: E402
from streams.runtime import load_components  # noqa: E402
from streams.settings import Settings, env_var  # noqa: E402

SAMPLE = ROOT / "streams" / "samples" / "demo_events.jsonl"
SAMPLE_BRANDS = ROOT / "streams" / "samples" / "demo_brands.yaml"


def workload(brands: int) -> tuple[list[RawEvent], str]:
    sample = load_events(SAMPLE).events
    registry_text = SAMPLE_BRANDS.read_text()
    events: list[RawEvent] = []
    entries = []
    for index in range(brands):
        name = f"bench-{index}"
        events.extend(
            replace(event, id=f"{name}-{event.id}", brand=name,
                    parent_id=event.parent_id and f"{name}-{event.parent_id}",
                    root_id=event.root_id and f"{name}-{event.root_id}")
            for event in sample
        )
        entries.append(registry_text.split("brands:\n", 1)[1].replace("name: acme-rail", f"name: {name}"))
    return event_time_order(events), "brands:\n" + "".join(entries)


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores, {cpu}, Python {platform.python_version()}"


def offline(events: list[RawEvent], brands_file: Path) -> None:
    components = load_components(Settings.from_env({}), brands_file)
    started = time.perf_counter()
    enriched = []
    for start in range(0, len(events), 1000):
        enriched.extend(components.enricher.enrich_batch(events[start:start + 1000]))
    enrich_seconds = time.perf_counter() - started
    states: dict[str, object] = {}
    started = time.perf_counter()
    incidents = 0
    for item in enriched:
        brand = item.event.brand
        state = states.get(brand) or components.engine.initial_state(brand, "de")
        states[brand], output = components.engine.step(state, item)  # type: ignore[arg-type]
        incidents += len(output.incidents)
    detect_seconds = time.perf_counter() - started
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"offline: {len(events)} events, {len(states)} brands, {incidents} incident events")
    print(f"  enrich (batches of 1000): {len(events) / enrich_seconds:,.0f} events/s")
    print(f"  detect (engine.step):      {len(events) / detect_seconds:,.0f} events/s")
    print(f"  peak RSS: {peak_mib:,.0f} MiB")


def live(events: list[RawEvent], brands_file: Path, partitions: int) -> None:
    from streams.kafka_admin import ensure_topics
    from streams.kafka_clients import make_producer
    from streams.local_kafka import LocalKafka
    from streams.topics import topic_name

    base = Settings.from_env()
    kafka = LocalKafka(base)
    if base.uses_local_kafka:
        kafka.start()
    run = f"bench-{int(time.time())}"
    settings = base.with_overrides(topic_prefix=run, worker_id=run, partitions=partitions)
    ensure_topics(settings)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = dict(os.environ)
    env.update({env_var("topic_prefix"): run, env_var("worker_id"): run, env_var("partitions"): str(partitions),
                env_var("metrics_port"): str(port), env_var("brands_file"): str(brands_file),
                env_var("kafka_bootstrap"): settings.bootstrap_servers})
    log = open(Path(tempfile.gettempdir()) / f"{run}.log", "wb")  # noqa: SIM115
    worker = subprocess.Popen([sys.executable, "-m", "streams.cli", "worker"], cwd=ROOT, env=env,
                              stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        def detected() -> float:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2) as response:
                    text = response.read().decode()
            except OSError:
                return -1.0
            key = f'flarewatch_events_consumed_total{{topic="{topic_name(settings, "enriched")}"}}'
            return sum(float(line.split()[-1]) for line in text.splitlines() if line.startswith(key))

        while detected() < 0:
            time.sleep(0.2)
        time.sleep(5)  # let the consumer group settle before the clock starts
        producer = make_producer(settings)
        payloads = [(event.brand.encode(), encode_raw_event(event)) for event in events]
        started = time.perf_counter()
        for key, value in payloads:
            producer.send(topic_name(settings, "raw"), key=key, value=value)
        producer.flush()
        produced = time.perf_counter() - started
        while detected() < len(events):
            if time.perf_counter() - started > 600:
                raise SystemExit(f"only {detected():.0f} of {len(events)} events detected after 600 s; see {log.name}")
            time.sleep(0.2)
        total = time.perf_counter() - started
        print(f"live: {len(events)} events, {partitions} partitions, one worker")
        print(f"  produce: {len(events) / produced:,.0f} events/s")
        print(f"  produce -> every event through detection: {total:.1f} s = {len(events) / total:,.0f} events/s")
        stopping = time.perf_counter()
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=60)
        print(f"  stop (SIGTERM -> every brand checkpointed, offsets committed, exit): {time.perf_counter() - stopping:.1f} s")
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
        log.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--brands", type=int, default=10)
    parser.add_argument("--live", action="store_true", help="also run through the local Kafka and a worker")
    parser.add_argument("--partitions", type=int, default=4)
    args = parser.parse_args()
    events, registry = workload(args.brands)
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as handle:
        handle.write(registry)
    print(f"machine: {machine()}")
    offline(events, Path(handle.name))
    if args.live:
        live(events, Path(handle.name), args.partitions)


if __name__ == "__main__":
    main()
