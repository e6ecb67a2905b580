"""``flarewatch demo``: watch a crisis being caught, end to end, on the project's local Kafka."""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from streams.arguments import int_between
from streams.errors import CommandError, UsageError
from streams.settings import Settings, env_var

SAMPLE_PACKAGE = "streams.samples"
SAMPLE_EVENTS = "demo_events.jsonl"
SAMPLE_BRANDS = "demo_brands.yaml"


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="run the bundled crisis sample through a real local Kafka and worker",
        description=(
            "Brings up the local Kafka broker (or uses FLAREWATCH_KAFKA_BOOTSTRAP), starts a worker, streams "
            "the bundled sample (a day of ordinary traffic, then the brand's own account answers a customer "
            "rudely) and prints incidents as they are detected. Ctrl-C stops everything it started."
        ),
    )
    parser.add_argument("--rate", type=float, default=500.0, help="events per second to send (default 500)")
    parser.add_argument("--events", type=Path, help="raw events to stream instead of the bundled sample")
    parser.add_argument("--brands", type=Path, help="brand registry for --events")
    parser.add_argument("--timeout", type=float, default=0.0, help="stop after this many seconds (0 = until Ctrl-C)")
    parser.add_argument("--keep-kafka", action="store_true", help="leave the local broker running afterwards")
    parser.add_argument("--keep-topics", action="store_true",
                        help="leave the run's topics (flarewatch-demo-<time>.*) on the broker for inspection; "
                             "by default they are deleted when the demo stops")
    parser.add_argument("--metrics-port", type=int_between(1, 65535, "a port 1-65535"), help=f"port of the worker's /metrics [env: {env_var('metrics_port')}]")
    parser.set_defaults(handler=run_demo)


@dataclass(slots=True)
class DemoRun:
    settings: Settings
    worker: subprocess.Popen[bytes] | None = None
    kafka: Any = None
    stop_kafka: bool = False
    delete_topics: bool = False


def sample_path(name: str) -> Path:
    return Path(str(resources.files(SAMPLE_PACKAGE).joinpath(name)))


def run_demo(args: argparse.Namespace, settings: Settings) -> int:
    run_id = time.strftime("%Y%m%d-%H%M%S")
    events = args.events or sample_path(SAMPLE_EVENTS)
    brands = args.brands or (sample_path(SAMPLE_BRANDS) if args.events is None else settings.brands_file)
    settings = settings.with_overrides(
        topic_prefix=f"flarewatch-demo-{run_id}",
        worker_id=f"flarewatch-demo-{run_id}",
        brands_file=brands,
        metrics_port=args.metrics_port,
    )
    _check_inputs(args, settings, events)
    demo = DemoRun(settings=settings, delete_topics=not args.keep_topics)
    previous_sigterm = signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)
    try:
        _say(f"1/4 Kafka: {_start_kafka(demo, args.keep_kafka)}")
        log_path = settings.home / "demo" / f"worker-{run_id}.log"
        _say(f"2/4 worker: starting (log: {log_path})")
        demo.worker = _start_worker(settings, log_path)
        _wait_for_metrics(demo, log_path)
        _say(f"    metrics: http://127.0.0.1:{settings.metrics_port}/metrics")
        _say(f"3/4 streaming {events} at {args.rate:g} events/s to {settings.topic_prefix}.events.raw")
        from streams.commands.produce import produce_file

        if produce_file(settings, events, rate=args.rate) != 0:
            raise CommandError("some events could not be sent to Kafka (see above); the demo would be incomplete")
        _say("4/4 incidents as they are detected (Ctrl-C to stop):")
        _follow_incidents(demo, args.timeout, log_path)
    except KeyboardInterrupt:
        _say("stopping ...")
    finally:
        _shutdown(demo)
        signal.signal(signal.SIGTERM, previous_sigterm)
    return 0


def _check_inputs(args: argparse.Namespace, settings: Settings, events: Path) -> None:
    """Everything the user passed, checked before Kafka and a worker are started for nothing."""
    from schemas.brands import BrandRegistryError, load_brand_registry
    from streams.commands.produce import check_rate
    from streams.jsonl import count_lines

    check_rate(args.rate)
    if args.timeout < 0:
        raise UsageError("--timeout must not be negative (0 = until Ctrl-C)")
    settings.validate()
    count_lines(events)
    try:
        load_brand_registry(settings.brands_file)
    except BrandRegistryError as error:
        raise UsageError(str(error)) from None


def _raise_keyboard_interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def _say(message: str) -> None:
    print(f"[demo] {message}", flush=True)


def _start_kafka(demo: DemoRun, keep: bool) -> str:
    settings = demo.settings
    if not settings.uses_local_kafka:
        return f"using the cluster at {settings.bootstrap_servers} ({env_var('kafka_bootstrap')})"
    from streams.local_kafka import LocalKafka, LocalKafkaError

    kafka = LocalKafka(settings)
    already = kafka.status().running
    try:
        kafka.start()
    except LocalKafkaError as error:
        raise CommandError(f"the local Kafka did not start: {error}") from None
    demo.kafka = kafka
    demo.stop_kafka = not already and not keep
    return f"{'already running' if already else 'started'} at {settings.bootstrap_servers}"


def _start_worker(settings: Settings, log_path: Path) -> subprocess.Popen[bytes]:
    try:
        log_path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise CommandError(
            f"cannot create {log_path.parent} for the worker's log: {error.strerror} "
            f"(set {env_var('home')} to a writable directory)"
        ) from None
    env = dict(os.environ)
    env.update(
        {
            env_var("topic_prefix"): settings.topic_prefix,
            env_var("worker_id"): settings.worker_id,
            env_var("brands_file"): str(settings.brands_file),
            env_var("metrics_port"): str(settings.metrics_port),
            env_var("home"): str(settings.home),
        }
    )
    if settings.kafka_bootstrap:
        env[env_var("kafka_bootstrap")] = settings.kafka_bootstrap
    with open(log_path, "ab") as log_file:
        return subprocess.Popen(
            [sys.executable, "-m", "streams.cli", "worker"],
            stdout=log_file,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )


def _wait_for_metrics(demo: DemoRun, log_path: Path, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    url = f"http://127.0.0.1:{demo.settings.metrics_port}/metrics"
    while time.monotonic() < deadline:
        assert demo.worker is not None
        if demo.worker.poll() is not None:
            raise CommandError(f"the worker exited with code {demo.worker.returncode}; see {log_path}:\n{_tail(log_path)}")
        try:
            with urllib.request.urlopen(url, timeout=1.0):
                return
        except OSError:
            time.sleep(0.3)
    raise CommandError(f"the worker did not serve {url} within {timeout:.0f}s; see {log_path}")


def _follow_incidents(demo: DemoRun, timeout: float, log_path: Path) -> None:
    from schemas.codec import InvalidEvent, decode_incident
    from streams.incident_text import format_incident
    from streams.kafka_clients import make_consumer, quiet_client_logs
    from streams.topics import topic_name

    consumer = make_consumer(demo.settings, topic_name(demo.settings, "incidents"), consumer_timeout_ms=500)
    deadline = time.monotonic() + timeout if timeout > 0 else None
    seen = 0
    try:
        while deadline is None or time.monotonic() < deadline:
            for message in consumer:
                try:
                    incident = decode_incident(message.value)
                except InvalidEvent as error:
                    _say(f"unreadable incident at offset {message.offset}: {error}")
                    continue
                seen += 1
                print(format_incident(incident), flush=True)
            assert demo.worker is not None
            if demo.worker.poll() is not None:
                raise CommandError(f"the worker stopped (exit {demo.worker.returncode}); see {log_path}:\n{_tail(log_path)}")
    finally:
        with quiet_client_logs():
            consumer.close()
        _say(f"{seen} incident events shown")


def _shutdown(demo: DemoRun) -> None:
    worker = demo.worker
    if worker is not None and worker.poll() is None:
        _say("stopping the worker")
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
    if demo.delete_topics and demo.worker is not None:
        _delete_topics(demo.settings)
    if demo.kafka is not None and demo.stop_kafka:
        _say("stopping Kafka")
        demo.kafka.stop()


def _delete_topics(settings: Settings) -> None:
    """Each run has topics of its own; left behind, they pile up on the broker run after run."""
    from kafka.errors import KafkaError

    from streams.kafka_admin import delete_topics_named

    try:
        deleted = delete_topics_named(settings, settings.topic_prefix)
    except KafkaError as error:
        _say(f"could not delete the run's topics ({settings.topic_prefix}*): {error}; delete them by hand")
        return
    _say(f"deleted the run's {len(deleted)} topics ({settings.topic_prefix}*; --keep-topics keeps them)")


def _tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"
