"""One frozen settings object, built from the environment at the edge.

Every option has an environment variable ``FLAREWATCH_<NAME>``; ``--help`` of
each command shows the variable behind each option. Tests build ``Settings``
from a dict with :meth:`Settings.from_env`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any, Self

ENV_PREFIX = "FLAREWATCH_"


class SettingsError(ValueError):
    """An environment variable has a value flarewatch cannot use."""


@dataclass(frozen=True, slots=True)
class Settings:
    kafka_bootstrap: str | None = None
    """Existing Kafka cluster (host:port[,host:port]). Unset: use the project's local broker."""
    home: Path = Path(".flarewatch")
    """Working directory for the local broker, worker state and logs (git-ignored)."""
    local_kafka_port: int = 39092
    local_kafka_controller_port: int = 39093
    local_kafka_version: str = "4.1.1"
    topic_prefix: str = "flarewatch"
    partitions: int = 4
    replication_factor: int = 1
    """Replication factor for topics flarewatch creates (3 on a production cluster)."""
    """Partitions for the raw and enriched topics: the upper bound on worker parallelism."""
    brands_file: Path = Path("deploy/brands.yaml")
    data_dir: Path = Path("../shared/data")
    """Labelled training and evaluation data (train / evaluate commands only; never shipped)."""
    metrics_port: int = 9464
    web_port: int = 6066
    worker_id: str = "flarewatch"
    """Faust app id = Kafka consumer group; every worker of one deployment uses the same id."""
    enrich_batch_size: int = 500
    enrich_batch_seconds: float = 0.2
    dead_letter_max_ratio: float = 0.5
    """Above this share of rejected messages (over the last 1000) the worker pauses briefly and logs loudly."""
    security_protocol: str = "PLAINTEXT"
    sasl_mechanism: str | None = None
    sasl_username: str | None = None
    sasl_password: str | None = None
    ssl_cafile: str | None = None
    log_level: str = "info"

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
        if self.enrich_batch_size < 1:
            raise SettingsError(f"{ENV_PREFIX}ENRICH_BATCH_SIZE must be at least 1, got {self.enrich_batch_size}")

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
        options: dict[str, Any] = {"security_protocol": self.security_protocol}
        if self.sasl_mechanism:
            options.update(
                sasl_mechanism=self.sasl_mechanism,
                sasl_plain_username=self.sasl_username,
                sasl_plain_password=self.sasl_password,
            )
        if self.ssl_cafile:
            options["ssl_cafile"] = self.ssl_cafile
        return options


def env_var(name: str) -> str:
    return ENV_PREFIX + name.upper()


def describe_settings() -> list[tuple[str, str, str]]:
    """(environment variable, default, description) for the docs and ``--help``."""
    rows = []
    for spec in fields(Settings):
        default = spec.default
        rows.append((env_var(spec.name), "" if default is None else str(default), spec.name))
    return rows


def _convert(name: str, annotation: Any, raw: str) -> Any:
    text = str(annotation)
    try:
        if "Path" in text:
            return Path(raw)
        if text.startswith("int"):
            return int(raw)
        if text.startswith("float"):
            return float(raw)
    except ValueError:
        raise SettingsError(f"{env_var(name)}={raw!r} is not a valid {text.split(' ')[0]}") from None
    return raw
