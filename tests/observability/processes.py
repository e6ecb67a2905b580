"""Start and stop the Prometheus-ecosystem binaries (and small HTTP helpers) for tests.

Every wait is a condition polled against a deadline, never a bare sleep: a process is
ready when its ``/-/ready`` endpoint answers 200, and a dead process fails the wait at
once with the tail of its log. Binaries come from the Debian packages ``prometheus``
and ``prometheus-alertmanager`` (installed by ``.ci/run`` / ``make system-deps``);
when one is missing the test fails with that instruction rather than skipping.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, TypeVar

import pytest

T = TypeVar("T")

INSTALL_HINT = (
    "run .ci/run or `make system-deps` (apt-get install -y prometheus "
    "prometheus-alertmanager) to install it; CI installs it"
)
# Debian names the Alertmanager binary prometheus-alertmanager.
BINARY_NAMES = {
    "prometheus": ("prometheus",),
    "promtool": ("promtool",),
    "alertmanager": ("alertmanager", "prometheus-alertmanager"),
    "amtool": ("amtool",),
}


def require_binary(tool: str) -> str:
    """Path of ``tool``; fails the test (not skips) with the install instruction if absent."""
    for name in BINARY_NAMES[tool]:
        path = shutil.which(name)
        if path:
            return path
    pytest.fail(f"{tool} binary not found on PATH ({' or '.join(BINARY_NAMES[tool])}): {INSTALL_HINT}", pytrace=False)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until(condition: Callable[[], T | None], timeout: float, what: str, poll: float = 0.05) -> T:
    """Poll ``condition`` until it returns something truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() >= deadline:
            pytest.fail(f"timed out after {timeout:.0f}s waiting for {what}", pytrace=False)
        time.sleep(poll)


def run_tool(argv: Sequence[str], timeout: float = 60, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(argv), input=stdin, capture_output=True, text=True, timeout=timeout, check=False)


def metric_lint_problems(exposition: str) -> set[str]:
    """``promtool check metrics`` findings for a /metrics text (empty when clean)."""
    result = run_tool([require_binary("promtool"), "check", "metrics"], stdin=exposition)
    return {line.strip() for line in (result.stdout + result.stderr).splitlines() if line.strip()}


def http_json(url: str, payload: Any = None, timeout: float = 5.0) -> Any:
    """GET (or POST ``payload`` as JSON) and decode the JSON answer."""
    data = None if payload is None else json.dumps(payload).encode()
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        body = response.read()
    return json.loads(body) if body else None


@dataclass
class ManagedProcess:
    """A child process with its log file; ``url`` is its HTTP base address."""

    name: str
    process: subprocess.Popen[bytes]
    log_path: Path
    url: str

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def _ready(self) -> bool:
        if self.process.poll() is not None:
            pytest.fail(f"{self.name} exited with {self.process.returncode}:\n{self.log_tail()}", pytrace=False)
        try:
            with urllib.request.urlopen(f"{self.url}/-/ready", timeout=1) as response:
                return bool(response.status == 200)
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            return False

    def wait_ready(self, timeout: float = 30) -> None:
        wait_until(self._ready, timeout, f"{self.name} at {self.url} to become ready")

    def stop(self, timeout: float = 10) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout)


@contextmanager
def managed_process(name: str, argv: Sequence[str], log_path: Path, url: str, ready_timeout: float = 30) -> Iterator[ManagedProcess]:
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("wb") as log:
        process = subprocess.Popen(list(argv), stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    managed = ManagedProcess(name, process, log_path, url)
    try:
        managed.wait_ready(ready_timeout)
        yield managed
    finally:
        managed.stop()


@contextmanager
def prometheus(workdir: Path, config_text: str, port: int | None = None) -> Iterator[ManagedProcess]:
    """A Prometheus with ``config_text`` as its configuration, data under ``workdir``."""
    binary = require_binary("prometheus")
    port = port or free_port()
    workdir.mkdir(parents=True, exist_ok=True)
    config = workdir / "prometheus.yml"
    config.write_text(config_text)
    argv = [
        binary,
        f"--config.file={config}",
        f"--storage.tsdb.path={workdir / 'tsdb'}",
        f"--web.listen-address=127.0.0.1:{port}",
        "--log.level=info",
    ]
    with managed_process("prometheus", argv, workdir / "prometheus.log", f"http://127.0.0.1:{port}") as process:
        yield process


@contextmanager
def alertmanager(workdir: Path, config_path: Path, port: int | None = None) -> Iterator[ManagedProcess]:
    """A single Alertmanager (clustering off) with its state under ``workdir``."""
    binary = require_binary("alertmanager")
    port = port or free_port()
    workdir.mkdir(parents=True, exist_ok=True)
    argv = [
        binary,
        f"--config.file={config_path}",
        f"--storage.path={workdir / 'alertmanager-data'}",
        f"--web.listen-address=127.0.0.1:{port}",
        "--cluster.listen-address=",
        "--log.level=debug",
    ]
    with managed_process("alertmanager", argv, workdir / "alertmanager.log", f"http://127.0.0.1:{port}") as process:
        yield process


@dataclass
class ReceivedRequest:
    path: str
    headers: dict[str, str]
    body: bytes
    status: int
    received_at: float

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class WebhookReceiver:
    """A local HTTP endpoint that records every POST and answers with scripted statuses.

    ``statuses`` are used in order, one per request; after they run out every request
    gets 200. Use :meth:`wait_for` to wait for a number of requests.
    """

    statuses: list[int] = field(default_factory=list)
    requests: list[ReceivedRequest] = field(default_factory=list)
    port: int = 0
    _lock: threading.Condition = field(default_factory=threading.Condition)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def record(self, path: str, headers: dict[str, str], body: bytes) -> int:
        with self._lock:
            status = self.statuses.pop(0) if self.statuses else 200
            self.requests.append(ReceivedRequest(path, headers, body, status, time.monotonic()))
            self._lock.notify_all()
            return status

    def delivered(self, path_prefix: str = "") -> list[ReceivedRequest]:
        """Requests answered with 2xx (optionally only those under ``path_prefix``)."""
        with self._lock:
            return [r for r in self.requests if 200 <= r.status < 300 and r.path.startswith(path_prefix)]

    def wait_for(self, count: int, timeout: float, path_prefix: str = "") -> list[ReceivedRequest]:
        """Wait until at least ``count`` requests under ``path_prefix`` were received."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                matching = [r for r in self.requests if r.path.startswith(path_prefix)]
                if len(matching) >= count:
                    return matching
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    pytest.fail(
                        f"timed out after {timeout:.0f}s waiting for {count} request(s) to {path_prefix or '/'}; "
                        f"got {len(matching)}",
                        pytrace=False,
                    )
                self._lock.wait(remaining)


@contextmanager
def webhook_receiver(statuses: Sequence[int] = ()) -> Iterator[WebhookReceiver]:
    receiver = WebhookReceiver(statuses=list(statuses))

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            status = receiver.record(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver.port = int(server.server_address[1])
    thread = threading.Thread(target=server.serve_forever, name="webhook-receiver", daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
