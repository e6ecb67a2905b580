"""One frozen settings object, built from the environment at the edge.

Every option has an environment variable ``FLAREWATCH_<NAME>``; ``--help`` of
each command shows the variable behind each option. Tests build ``Settings``
from a dict with :meth:`Settings.from_env`.
"""

from __future__ import annotations

import difflib
import ipaddress
import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Self

from streams.errors import SettingsError

ENV_PREFIX = "FLAREWATCH_"

MAX_TOPIC_NAME_LENGTH = 249
LONGEST_WORKER_TOPIC_SUFFIX = "-brand_to_detector_state-changelog"
"""The longest name Faust derives from the worker id (the detector-state table's changelog)."""
OTHER_VARIABLES = ("FLAREWATCH_FORWARD_URL",)
"""``FLAREWATCH_*`` variables that are not settings: the deployment files read them
(the forwarder's webhook URL goes on its command line), so they are not typos."""
_TOPIC_NAME_CHARACTERS = re.compile(r"[A-Za-z0-9._-]+")
_BOOTSTRAP_SERVER = re.compile(r"(?:\[(?P<ipv6>[0-9A-Fa-f:.%]+)\]|(?P<host>[A-Za-z0-9._-]+)):(?P<port>[0-9]{1,5})")


def _setting(default: Any, help: str) -> Any:
    return field(default=default, metadata={"help": help})


@dataclass(frozen=True, slots=True)
class Settings:
    kafka_bootstrap: str | None = _setting(None, "Existing Kafka cluster (host:port[,host:port]); unset = the project's local broker")
    home: Path = _setting(Path(".flarewatch"), "Working directory: local broker, worker state, logs (git-ignored)")
    local_kafka_port: int = _setting(39092, "Port of the local broker's client listener on 127.0.0.1")
    local_kafka_controller_port: int = _setting(39093, "Port of the local broker's KRaft controller listener")
    local_kafka_version: str = _setting("4.1.1", "Apache Kafka version fetched from Maven Central")
    topic_prefix: str = _setting("flarewatch", "Prefix of every topic name (<prefix>.events.raw, ...)")
    partitions: int = _setting(4, "Partitions of the raw and enriched topics: the upper bound on parallel workers")
    replication_factor: int = _setting(1, "Replication factor of topics flarewatch creates (3 on a production cluster)")
    brands_file: Path = _setting(Path("deploy/brands.yaml"), "Brand registry YAML")
    data_dir: Path = _setting(Path("../shared/data"), "Labelled data for train / evaluate commands (never shipped)")
    metrics_port: int = _setting(9464, "Port of the worker's Prometheus /metrics endpoint")
    worker_id: str = _setting("flarewatch", "Faust app id = consumer group; all workers of one deployment share it")
    enrich_batch_size: int = _setting(500, "Most events classified in one batch")
    enrich_batch_seconds: float = _setting(0.2, "Longest wait to fill a batch")
    state_checkpoint_seconds: float = _setting(1.0, "Checkpoint interval of a brand's detector state while it has events (what a restart re-reads; nothing is lost)")
    idle_advance_seconds: float = _setting(600.0, "Wall-clock seconds without events after which a brand's event time advances with the clock, so its last buckets close and quiet incidents resolve (0 = never)")
    dead_letter_max_ratio: float = _setting(0.5, "Rejected share of the last 1000 messages above which the worker logs errors")
    security_protocol: str = _setting("PLAINTEXT", "PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL")
    sasl_mechanism: str | None = _setting(None, "PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512")
    sasl_username: str | None = _setting(None, "SASL user name")
    sasl_password: str | None = _setting(None, "SASL password")
    ssl_cafile: str | None = _setting(None, "CA bundle for SSL / SASL_SSL")
    log_level: str = _setting("info", "Worker log level: debug, info, warning, error")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Self:
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for spec in fields(cls):
            raw = environ.get(ENV_PREFIX + spec.name.upper())
            if raw is None or raw == "":
                continue
            values[spec.name] = _convert(spec.name, spec.type, raw)
        values.update({key: value for key, value in overrides.items() if value is not None})
        settings = cls(**values)
        settings.validate()
        return settings

    def validate(self) -> None:
        if self.partitions < 1:
            raise SettingsError(f"{ENV_PREFIX}PARTITIONS must be at least 1, got {self.partitions}")
        if not 0 < self.dead_letter_max_ratio <= 1:
            raise SettingsError(f"{ENV_PREFIX}DEAD_LETTER_MAX_RATIO must be in (0, 1], got {self.dead_letter_max_ratio}")
        if self.log_level.lower() not in ("debug", "info", "warning", "error"):
            raise SettingsError(f"{ENV_PREFIX}LOG_LEVEL must be debug, info, warning or error, got {self.log_level!r}")
        if self.state_checkpoint_seconds < 0:
            raise SettingsError(f"{ENV_PREFIX}STATE_CHECKPOINT_SECONDS must not be negative, got {self.state_checkpoint_seconds}")
        if self.idle_advance_seconds < 0:
            raise SettingsError(f"{ENV_PREFIX}IDLE_ADVANCE_SECONDS must not be negative, got {self.idle_advance_seconds}")
        if self.enrich_batch_size < 1:
            raise SettingsError(f"{ENV_PREFIX}ENRICH_BATCH_SIZE must be at least 1, got {self.enrich_batch_size}")
        if self.enrich_batch_seconds <= 0:
            # Faust's take_events treats 0 as "no timeout": a quiet feed would never flush.
            raise SettingsError(f"{ENV_PREFIX}ENRICH_BATCH_SECONDS must be positive, got {self.enrich_batch_seconds}")
        if self.replication_factor < 1:
            raise SettingsError(f"{ENV_PREFIX}REPLICATION_FACTOR must be at least 1, got {self.replication_factor}")
        for name in ("metrics_port", "local_kafka_port", "local_kafka_controller_port"):
            port = getattr(self, name)
            if not 1 <= port <= 65535:
                raise SettingsError(f"{env_var(name)} must be a port number (1-65535), got {port}")
        self._validate_bootstrap()
        self._validate_topic_names()
        self._validate_security()

    def _validate_bootstrap(self) -> None:
        """``host:port[,host:port...]`` as documented; kafka-python would raise a bare ValueError on a bad port."""
        if not self.kafka_bootstrap:
            return
        example = "e.g. kafka-1:9092,kafka-2:9092 (unset = the local broker)"
        for entry in self.kafka_bootstrap.split(","):
            server = entry.strip()
            match = _BOOTSTRAP_SERVER.fullmatch(server)
            problem = None
            if not server:
                problem = "has an empty entry"
            elif "://" in server:
                problem = f"entry {server!r} has a scheme; give host:port only"
            elif match is None:
                problem = f"entry {server!r} is not host:port"
            elif not 1 <= int(match["port"]) <= 65535:
                problem = f"entry {server!r} has port {int(match['port'])}, not 1-65535"
            elif match["ipv6"] is not None and not _is_ipv6(match["ipv6"]):
                problem = f"entry {server!r} is not an IPv6 address in brackets"
            if problem:
                raise SettingsError(f"{env_var('kafka_bootstrap')}={self.kafka_bootstrap!r} {problem}; {example}")

    def _validate_topic_names(self) -> None:
        from streams.topics import TOPIC_SPECS

        # Kafka's rule for topic names; the prefix starts every topic name, the worker id
        # the names of Faust's changelog and assignor topics.
        longest_suffix = max(len(f".{spec.suffix}") for spec in TOPIC_SPECS)
        for name, value, room in (
            ("topic_prefix", self.topic_prefix, MAX_TOPIC_NAME_LENGTH - longest_suffix),
            ("worker_id", self.worker_id, MAX_TOPIC_NAME_LENGTH - len(LONGEST_WORKER_TOPIC_SUFFIX)),
        ):
            if not _TOPIC_NAME_CHARACTERS.fullmatch(value):
                raise SettingsError(
                    f"{env_var(name)}={value!r} may contain only letters, digits, '.', '_' and '-' (it names Kafka topics)"
                )
            if len(value) > room:
                raise SettingsError(f"{env_var(name)} is {len(value)} characters; at most {room} fit in a Kafka topic name")

    def _validate_security(self) -> None:
        protocols = ("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL")
        protocol = self.security_protocol.upper()
        if protocol not in protocols:
            raise SettingsError(f"{ENV_PREFIX}SECURITY_PROTOCOL must be one of {', '.join(protocols)}, got {self.security_protocol!r}")
        mechanisms = ("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512")
        if protocol.startswith("SASL_"):
            if (self.sasl_mechanism or "").upper() not in mechanisms:
                raise SettingsError(f"{ENV_PREFIX}SASL_MECHANISM must be one of {', '.join(mechanisms)} with {protocol}")
            if not self.sasl_username or not self.sasl_password:
                raise SettingsError(f"{ENV_PREFIX}SASL_USERNAME and {ENV_PREFIX}SASL_PASSWORD are required with {protocol}")
        elif self.sasl_mechanism:
            raise SettingsError(
                f"{ENV_PREFIX}SASL_MECHANISM is set but {ENV_PREFIX}SECURITY_PROTOCOL is {protocol}; use SASL_SSL or SASL_PLAINTEXT"
            )

    def with_overrides(self, **overrides: Any) -> Settings:
        return replace(self, **{key: value for key, value in overrides.items() if value is not None})

    @property
    def uses_local_kafka(self) -> bool:
        return not self.kafka_bootstrap

    @property
    def bootstrap_servers(self) -> str:
        return self.kafka_bootstrap or f"127.0.0.1:{self.local_kafka_port}"

    def kafka_client_options(self) -> dict[str, Any]:
        """Security options in kafka-python's spelling (also accepted by aiokafka)."""
        options: dict[str, Any] = {"security_protocol": self.security_protocol.upper()}
        if self.sasl_mechanism:
            options.update(
                sasl_mechanism=self.sasl_mechanism.upper(),
                sasl_plain_username=self.sasl_username,
                sasl_plain_password=self.sasl_password,
            )
        if self.ssl_cafile:
            options["ssl_cafile"] = self.ssl_cafile
        return options


def _is_ipv6(text: str) -> bool:
    try:
        ipaddress.IPv6Address(text)
    except ValueError:
        return False
    return True


def is_topic_name(name: str) -> bool:
    """Kafka's rule for a topic name.

    >>> [is_topic_name(name) for name in ("flarewatch.events.raw", "bad topic!", "..", "x" * 250)]
    [True, False, False, False]
    """
    return bool(_TOPIC_NAME_CHARACTERS.fullmatch(name)) and len(name) <= MAX_TOPIC_NAME_LENGTH and name not in (".", "..")


def env_var(name: str) -> str:
    return ENV_PREFIX + name.upper()


def unknown_variable_warnings(environ: Mapping[str, str] | None = None) -> list[str]:
    """One line per ``FLAREWATCH_*`` variable that is no setting, with the closest one.

    A misspelt variable is otherwise ignored without a word and its default used.

    >>> unknown_variable_warnings({"FLAREWATCH_PARTITONS": "8", "FLAREWATCH_HOME": "/tmp", "HOME": "/root"})
    ['FLAREWATCH_PARTITONS is not a flarewatch setting and is ignored; did you mean FLAREWATCH_PARTITIONS?']
    """
    environ = os.environ if environ is None else environ
    suffixes = [spec.name.upper() for spec in fields(Settings)]
    lines = []
    for name in sorted(environ):
        if not name.startswith(ENV_PREFIX) or name.removeprefix(ENV_PREFIX) in suffixes or name in OTHER_VARIABLES:
            continue
        # Compared without the shared prefix, which would make every name look close.
        close = difflib.get_close_matches(name.removeprefix(ENV_PREFIX), suffixes, n=1)
        hint = f"did you mean {ENV_PREFIX}{close[0]}?" if close else "see `flarewatch --help` for the settings"
        lines.append(f"{name} is not a flarewatch setting and is ignored; {hint}")
    return lines


def describe_settings() -> list[tuple[str, str, str]]:
    """(environment variable, default, description) for the docs and ``--help``."""
    rows = []
    for spec in fields(Settings):
        default = spec.default
        rows.append((env_var(spec.name), "" if default is None else str(default), spec.metadata["help"]))
    return rows


def _convert(name: str, annotation: Any, raw: str) -> Any:
    text = str(annotation)
    try:
        if "Path" in text:
            return Path(raw)
        if text.startswith("int"):
            return int(raw)
        if text.startswith("float"):
            value = float(raw)
        else:
            return raw
    except ValueError:
        raise SettingsError(f"{env_var(name)}={raw!r} is not a valid {text.split(' ')[0]}") from None
    if not math.isfinite(value):
        # nan compares false with every bound, so validate() would let "never checkpoint" through.
        raise SettingsError(f"{env_var(name)}={raw!r} is not a finite number")
    return value
