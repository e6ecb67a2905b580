"""A real ``flarewatch worker`` subprocess for integration tests, and waiting on Kafka topics."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from streams.kafka_clients import make_consumer
from streams.settings import Settings, env_var

REPOSITORY_ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def running_worker(settings: Settings, log_path: Path, brands_file: Path) -> Iterator[Settings]:
    """Start a worker, wait until it serves /metrics, stop it with SIGTERM afterwards (failing if it does not stop)."""
    with worker_process(settings, log_path, brands_file) as (running, _process):
        yield running


@contextmanager
def worker_process(
    settings: Settings, log_path: Path, brands_file: Path, extra_env: dict[str, str] | None = None
) -> Iterator[tuple[Settings, subprocess.Popen[bytes]]]:
    """:func:`running_worker` that also yields the process (to crash it on purpose)."""
    settings = settings.with_overrides(metrics_port=free_port(), brands_file=brands_file)
    env = dict(os.environ)
    env.update(
        {
            env_var("kafka_bootstrap"): settings.bootstrap_servers,
            env_var("topic_prefix"): settings.topic_prefix,
            env_var("worker_id"): settings.worker_id,
            env_var("metrics_port"): str(settings.metrics_port),
            env_var("brands_file"): str(brands_file),
            env_var("partitions"): str(settings.partitions),
            env_var("home"): str(log_path.parent / "home"),
            **(extra_env or {}),
        }
    )
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "wb") as log_file:
        process = subprocess.Popen(
            [sys.executable, "-m", "streams.cli", "worker"],
            stdout=log_file, stderr=subprocess.STDOUT, env=env, cwd=REPOSITORY_ROOT, start_new_session=True,
        )
    try:
        wait_until(lambda: _serves_metrics(settings) or _exited(process, log_path), timeout=90.0,
                   what=f"worker /metrics on port {settings.metrics_port} (log {log_path})")
        try:
            yield settings, process
        except BaseException as error:
            state = "running" if process.poll() is None else f"exited with {process.returncode}"
            tail = log_path.read_text(errors="replace")[-6000:]
            raise AssertionError(f"{error!r}; worker {state}, log {log_path}:\n{tail}") from error
    except BaseException:
        _stop(process)
        raise
    # Every test also checks that the worker stops when asked to.
    if not _stop(process):
        raise AssertionError(f"the worker did not stop within {STOP_SECONDS:.0f}s of SIGTERM; killed it. "
                             f"Log {log_path}:\n{log_path.read_text(errors='replace')[-4000:]}")


STOP_SECONDS = 30.0


def _stop(process: subprocess.Popen[bytes]) -> bool:
    """SIGTERM, then SIGKILL after STOP_SECONDS; whether the worker stopped by itself."""
    if process.poll() is not None:
        return True
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=STOP_SECONDS)
        return True
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        return False


def _exited(process: subprocess.Popen[bytes], log_path: Path) -> bool:
    if process.poll() is not None:
        raise AssertionError(f"worker exited with {process.returncode}:\n{log_path.read_text(errors='replace')[-4000:]}")
    return False


def _serves_metrics(settings: Settings) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{settings.metrics_port}/metrics", timeout=1.0):
            return True
    except OSError:
        return False


def scrape(settings: Settings) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{settings.metrics_port}/metrics", timeout=5.0) as response:
        return str(response.read().decode())


def metric_value(text: str, name: str, **labels: str) -> float:
    """The value of one sample in Prometheus text format (0 when absent)."""
    from prometheus_client.parser import text_string_to_metric_families

    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(key) == value for key, value in labels.items()):
                return float(sample.value)
    return 0.0


def wait_until(condition: Callable[[], bool], timeout: float, what: str, interval: float = 0.25) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")


def consume_until(
    settings: Settings,
    topic: str,
    done: Callable[[list[Any]], bool],
    timeout: float,
) -> list[Any]:
    """All messages of ``topic`` from the beginning, read until ``done(messages)`` or the deadline."""
    consumer = make_consumer(settings, topic, consumer_timeout_ms=500)
    messages: list[Any] = []
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            messages.extend(consumer)
            if done(messages):
                return messages
    finally:
        consumer.close()
    raise AssertionError(f"timed out after {timeout:.0f}s on {topic}: {len(messages)} messages so far")
