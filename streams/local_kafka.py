"""The project's own Apache Kafka broker: KRaft, one combined broker+controller node on 127.0.0.1.

Everything lives under ``<home>/kafka`` (``home`` is ``FLAREWATCH_HOME``, git-ignored)::

    <version>/libs/      broker classpath, fetched once from Maven Central by deploy/kafka/pom.xml
    config/              server.properties (rewritten on every start) and cluster.id
    data/                topic data and the KRaft metadata log; survives restarts
    logs/                server.log (log4j2) and kafka.out (JVM stdout/stderr)
    broker.pid           pid of the running broker

Only Java 17+ and Maven are needed. When ``FLAREWATCH_KAFKA_BOOTSTRAP`` names an external
cluster nothing is fetched, started or stopped: :meth:`LocalKafka.start` only waits for
that cluster and :meth:`LocalKafka.stop` does nothing.
"""

from __future__ import annotations

import base64
import fcntl
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from streams.kafka_admin import PROBE_TIMEOUT_SECONDS, describe_cluster
from streams.settings import Settings, env_var

KAFKA_FILES_DIR = Path(__file__).resolve().parent / "kafka_files"
"""Links to deploy/kafka/ in the repository, package data (copied) in an installed flarewatch,
so the systemd units' ``pip install .`` finds them too."""
POM_FILE = KAFKA_FILES_DIR / "pom.xml"
LOG4J_CONFIG_FILE = KAFKA_FILES_DIR / "log4j2.properties"
MINIMUM_JAVA_MAJOR = 17
JVM_OPTIONS = ("-Xmx512m", "-Xms512m", "-XX:+UseG1GC", "-Djava.awt.headless=true")
INSTALL_HINT = "on Debian/Ubuntu: sudo apt-get install -y openjdk-17-jre-headless maven"

Progress = Callable[[str], None]


class LocalKafkaError(RuntimeError):
    """The local broker cannot be fetched, started or stopped; the message says what to do."""


@dataclass(frozen=True, slots=True)
class KafkaStatus:
    """What ``flarewatch kafka status`` reports.

    ``running``: a broker process we started is alive (for an external cluster: it answers).
    ``healthy``: the cluster answered a metadata request with at least one broker.
    """

    running: bool
    healthy: bool
    bootstrap: str
    external: bool
    pid: int | None = None
    version: str | None = None
    data_dir: Path | None = None


class LocalKafka:
    """Fetch, configure, start and stop the local broker described by ``settings``.

    ``libs_cache`` is the directory holding ``<version>/libs``; it defaults to
    ``<home>/kafka`` and lets a second home (the test broker) share one download.
    """

    def __init__(self, settings: Settings, libs_cache: Path | None = None) -> None:
        self.settings = settings
        self.root = settings.home.resolve() / "kafka"
        self.version = settings.local_kafka_version
        self.libs_dir = (libs_cache.resolve() if libs_cache else self.root) / self.version / "libs"
        self.config_dir = self.root / "config"
        self.data_dir = self.root / "data"
        self.logs_dir = self.root / "logs"
        self.server_properties = self.config_dir / "server.properties"
        self.cluster_id_file = self.config_dir / "cluster.id"
        self.pid_file = self.root / "broker.pid"
        self.server_log = self.logs_dir / "server.log"
        self.console_log = self.logs_dir / "kafka.out"
        self._started: subprocess.Popen[bytes] | None = None

    @property
    def external(self) -> bool:
        return not self.settings.uses_local_kafka

    @property
    def bootstrap(self) -> str:
        return self.settings.bootstrap_servers

    def fetch(self, progress: Progress = print) -> bool:
        """Download the broker's classpath once; returns True if this call downloaded it.

        Idempotent: a marker file written after a complete copy makes later calls free.
        Raises :class:`LocalKafkaError` if Java 17+ or Maven is missing or Maven fails.
        """
        if self.external:
            return False
        marker = self.libs_dir.parent / ".fetched"
        if marker.exists():
            return False
        find_java()
        mvn = shutil.which("mvn")
        if mvn is None:
            raise LocalKafkaError(
                f"Maven (mvn) is needed once to fetch Kafka {self.version}; {INSTALL_HINT}"
            )
        with _directory_lock(self.libs_dir.parent):
            if marker.exists():
                return False
            progress(
                f"fetching Apache Kafka {self.version} from Maven Central into {self.libs_dir} ..."
            )
            started = time.monotonic()
            if self.libs_dir.exists():
                shutil.rmtree(self.libs_dir)
            command = [
                mvn, "-q", "-B", "-f", str(POM_FILE), "dependency:copy-dependencies",
                "-DincludeScope=runtime", f"-DoutputDirectory={self.libs_dir}", f"-Dkafka.version={self.version}",
            ]  # fmt: skip
            result = subprocess.run(command, capture_output=True, text=True, check=False)
            if result.returncode != 0:
                output = (result.stdout + result.stderr).strip().splitlines()
                raise LocalKafkaError(
                    f"mvn could not fetch Kafka {self.version} (exit {result.returncode}):\n"
                    + "\n".join(output[-30:])
                )
            jars = list(self.libs_dir.glob("*.jar"))
            size_mb = sum(jar.stat().st_size for jar in jars) / 1e6
            marker.write_text(f"{len(jars)} jars, {size_mb:.0f} MB\n")
            progress(
                f"fetched {len(jars)} jars ({size_mb:.0f} MB) in {time.monotonic() - started:.1f} s"
            )
            return True

    def start(self, timeout: float = 60.0, progress: Progress = print) -> KafkaStatus:
        """Start the broker in the background (or reuse the running one) and wait until it answers.

        Fetches and formats storage on first use. Raises :class:`LocalKafkaError` with the tail
        of the broker log if it exits or does not answer within ``timeout`` seconds, or if its
        ports are taken by another process. For an external cluster only waits for it.
        """
        if self.external:
            return self._wait_healthy(timeout, lambda: True)
        with self._lock():
            pid = self._running_pid()
            if pid is not None:
                progress(f"Kafka already running (pid {pid}) at {self.bootstrap}")
                return self._wait_healthy(timeout, lambda: self._alive(pid))
            self.fetch(progress)
            self._check_ports_free()
            self._write_config()
            self._format_storage()
            progress(
                f"starting Kafka {self.version} at {self.bootstrap} (log: {self.server_log}) ..."
            )
            started = time.monotonic()
            process = self._launch()
            try:
                status = self._wait_healthy(timeout, lambda: process.poll() is None)
            except LocalKafkaError:
                self._terminate(process.pid, grace=10.0)
                self.pid_file.unlink(missing_ok=True)
                raise
            progress(f"Kafka is up (pid {process.pid}) after {time.monotonic() - started:.1f} s")
            return status

    def stop(self, timeout: float = 30.0, progress: Progress = print) -> bool:
        """Stop the broker: SIGTERM (controlled shutdown), SIGKILL after ``timeout`` seconds.

        Returns True if a running broker was stopped. Data stays in the data directory.
        """
        if self.external:
            return False
        with self._lock():
            pid = self._running_pid()
            if pid is None:
                self.pid_file.unlink(missing_ok=True)
                return False
            progress(f"stopping Kafka (pid {pid}) ...")
            started = time.monotonic()
            killed = self._terminate(pid, grace=timeout)
            self.pid_file.unlink(missing_ok=True)
            how = "killed after SIGTERM timed out" if killed else "stopped"
            progress(f"Kafka {how} in {time.monotonic() - started:.1f} s")
            return True

    def status(self) -> KafkaStatus:
        """The broker's state right now; never starts anything."""
        healthy = describe_cluster(self.settings, PROBE_TIMEOUT_SECONDS) is not None
        if self.external:
            return KafkaStatus(
                running=healthy, healthy=healthy, bootstrap=self.bootstrap, external=True
            )
        pid = self._running_pid()
        return KafkaStatus(
            running=pid is not None,
            healthy=healthy and pid is not None,
            bootstrap=self.bootstrap,
            external=False,
            pid=pid,
            version=self.version,
            data_dir=self.data_dir,
        )

    def log_tail(self, lines: int = 40) -> str:
        """The last ``lines`` lines of the broker log and of the JVM console output."""
        parts = []
        for path in (self.server_log, self.console_log):
            if path.exists() and path.stat().st_size:
                text = path.read_text(errors="replace").splitlines()[-lines:]
                parts.append(f"--- {path} (last {len(text)} lines)\n" + "\n".join(text))
        return "\n".join(parts) or f"(no log yet in {self.logs_dir})"

    def _java_command(self, main_class: str, *arguments: str) -> list[str]:
        return [
            find_java(),
            *JVM_OPTIONS,
            f"-Dlog4j2.configurationFile={LOG4J_CONFIG_FILE}",
            f"-Dkafka.logs.dir={self.logs_dir}",
            "-cp",
            f"{self.libs_dir}/*",
            main_class,
            *arguments,
        ]

    def _write_config(self) -> None:
        self.config_dir.mkdir(parents=True, exist_ok=True)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.logs_dir.mkdir(parents=True, exist_ok=True)
        self.server_properties.write_text(
            server_properties(
                port=self.settings.local_kafka_port,
                controller_port=self.settings.local_kafka_controller_port,
                data_dir=self.data_dir,
            )
        )

    def _format_storage(self) -> None:
        if (self.data_dir / "meta.properties").exists():
            return
        if not self.cluster_id_file.exists():
            self.cluster_id_file.write_text(random_cluster_id() + "\n")
        cluster_id = self.cluster_id_file.read_text().strip()
        command = self._java_command(
            "kafka.tools.StorageTool",
            "format",
            "-t",
            cluster_id,
            "-c",
            str(self.server_properties),
            "--ignore-formatted",
        )
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise LocalKafkaError(
                f"formatting {self.data_dir} failed:\n{result.stdout}{result.stderr}"
            )

    def _launch(self) -> subprocess.Popen[bytes]:
        command = self._java_command("kafka.Kafka", str(self.server_properties))
        with self.console_log.open("ab") as console:
            process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=console,
                stderr=subprocess.STDOUT,
                cwd=self.root,
                start_new_session=True,
            )
        self.pid_file.write_text(f"{process.pid}\n")
        self._started = process
        return process

    def _wait_healthy(self, timeout: float, alive: Callable[[], bool]) -> KafkaStatus:
        deadline = time.monotonic() + timeout
        while True:
            if not alive():
                raise LocalKafkaError(f"Kafka exited during startup.\n{self.log_tail()}")
            if (
                self._port_open()
                and describe_cluster(self.settings, PROBE_TIMEOUT_SECONDS) is not None
            ):
                return self.status()
            if time.monotonic() >= deadline:
                where = "" if self.external else f"\n{self.log_tail()}"
                raise LocalKafkaError(
                    f"Kafka at {self.bootstrap} did not answer within {timeout:.0f} s.{where}"
                )
            time.sleep(0.2)

    def _port_open(self) -> bool:
        host, _, port = self.bootstrap.split(",")[0].rpartition(":")
        return _accepts_connections(host or "127.0.0.1", int(port))

    def _check_ports_free(self) -> None:
        for port, setting in (
            (self.settings.local_kafka_port, "local_kafka_port"),
            (self.settings.local_kafka_controller_port, "local_kafka_controller_port"),
        ):
            if _accepts_connections("127.0.0.1", port):
                raise LocalKafkaError(
                    f"port {port} on 127.0.0.1 is in use by another process (not the broker of {self.root}); "
                    f"stop it or choose another port with {env_var(setting)}"
                )

    def _running_pid(self) -> int | None:
        """Pid from the pid file if that process is alive and is our broker, else None."""
        try:
            pid = int(self.pid_file.read_text().strip())
        except (OSError, ValueError):  # no pid file, or no usable home: no broker of ours
            return None
        if not self._alive(pid):
            return None
        cmdline = Path(f"/proc/{pid}/cmdline")
        if cmdline.exists() and str(self.server_properties).encode() not in cmdline.read_bytes():
            return None
        return pid

    def _alive(self, pid: int) -> bool:
        if self._started is not None and self._started.pid == pid:
            return self._started.poll() is None
        return _process_alive(pid)

    def _terminate(self, pid: int, grace: float) -> bool:
        """SIGTERM, wait ``grace`` seconds, then SIGKILL; returns True if it had to kill."""
        killed = False
        with suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
        if not _wait_until(lambda: not self._alive(pid), grace):
            killed = True
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            _wait_until(lambda: not self._alive(pid), 10.0)
        return killed

    def _lock(self) -> AbstractContextManager[None]:
        """Serialise start/stop across processes (two ``up`` at once must not start two brokers)."""
        return _directory_lock(self.root)


def server_properties(port: int, controller_port: int, data_dir: Path) -> str:
    """A single-node KRaft configuration: combined broker+controller, static voter, RF 1 everywhere.

    Topics are never auto-created: flarewatch creates its topics explicitly
    (:func:`streams.kafka_admin.ensure_topics`) and Faust declares its own, so a typo in a
    topic name fails loudly instead of creating a stray topic.
    """
    return "\n".join(
        [
            "# Written by flarewatch (streams/local_kafka.py) on every start; edits are lost.",
            "process.roles=broker,controller",
            "node.id=1",
            f"controller.quorum.voters=1@127.0.0.1:{controller_port}",
            f"listeners=PLAINTEXT://127.0.0.1:{port},CONTROLLER://127.0.0.1:{controller_port}",
            f"advertised.listeners=PLAINTEXT://127.0.0.1:{port}",
            "controller.listener.names=CONTROLLER",
            "inter.broker.listener.name=PLAINTEXT",
            "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
            f"log.dirs={data_dir}",
            "num.partitions=1",
            "default.replication.factor=1",
            "auto.create.topics.enable=false",
            "offsets.topic.replication.factor=1",
            "offsets.topic.num.partitions=8",
            "transaction.state.log.replication.factor=1",
            "transaction.state.log.min.isr=1",
            "share.coordinator.state.topic.replication.factor=1",
            "share.coordinator.state.topic.min.isr=1",
            "group.initial.rebalance.delay.ms=0",
            "num.network.threads=2",
            "num.io.threads=4",
            "log.retention.check.interval.ms=300000",
            "",
        ]
    )


def random_cluster_id() -> str:
    """A Kafka cluster id: a random UUID, URL-safe base64 without padding (as ``kafka-storage random-uuid``).

    Like Kafka's ``Uuid.randomUuid`` it never starts with '-', which command lines would take for an option.
    """
    while True:
        cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not cluster_id.startswith("-"):
            return cluster_id


def find_java() -> str:
    """Path of a Java 17+ ``java`` (``$JAVA_HOME/bin/java`` first); raises :class:`LocalKafkaError` otherwise."""
    java_home = os.environ.get("JAVA_HOME")
    candidate = str(Path(java_home) / "bin" / "java") if java_home else None
    java = candidate if candidate and Path(candidate).exists() else shutil.which("java")
    if java is None:
        raise LocalKafkaError(
            f"Java {MINIMUM_JAVA_MAJOR}+ is needed to run Kafka but `java` was not found; {INSTALL_HINT}"
        )
    result = subprocess.run([java, "-version"], capture_output=True, text=True, check=False)
    major = java_major_version(result.stderr + result.stdout)
    if major is None or major < MINIMUM_JAVA_MAJOR:
        found = f"Java {major}" if major else "a Java whose version could not be read"
        raise LocalKafkaError(
            f"Kafka 4 needs Java {MINIMUM_JAVA_MAJOR}+, {java} is {found}; {INSTALL_HINT}"
        )
    return java


def java_major_version(version_output: str) -> int | None:
    """Major version from ``java -version`` output: '1.8.0_392' -> 8, '17.0.15' -> 17."""
    match = re.search(r'version "(\d+)(?:\.(\d+))?', version_output)
    if match is None:
        return None
    first, second = int(match.group(1)), match.group(2)
    return int(second) if first == 1 and second is not None else first


def _accepts_connections(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def _process_alive(pid: int) -> bool:
    with suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    stat = Path(f"/proc/{pid}/stat")
    try:
        return stat.read_text().rpartition(")")[2].split()[0] != "Z"
    except (FileNotFoundError, IndexError):
        return sys.platform != "linux"


def _wait_until(condition: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.1)
    return True


@contextmanager
def _directory_lock(directory: Path) -> Iterator[None]:
    try:
        directory.mkdir(parents=True, exist_ok=True)
        handle = (directory / ".lock").open("w")
    except OSError as error:
        raise LocalKafkaError(
            f"cannot use {directory} for the local broker: {error.strerror} "
            f"({env_var('home')} must be a writable directory)"
        ) from None
    with handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
