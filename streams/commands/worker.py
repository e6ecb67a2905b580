"""``flarewatch worker``: run the Faust worker with the Prometheus endpoint."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path
from typing import Any

from streams.arguments import int_between
from streams.settings import Settings, env_var

log = logging.getLogger("flarewatch.worker")


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "worker",
        help="run the stream worker (validate, enrich, detect, publish incidents)",
        description="Run one worker. Start more with the same FLAREWATCH_WORKER_ID to share the partitions.",
    )
    parser.add_argument("--brands", type=Path, help=f"brand registry YAML [env: {env_var('brands_file')}]")
    parser.add_argument("--metrics-port", type=int_between(1, 65535, "a port 1-65535"), help=f"port of /metrics [env: {env_var('metrics_port')}]")
    parser.add_argument("--partitions", type=int, help=f"partitions of raw/enriched topics [env: {env_var('partitions')}]")
    parser.set_defaults(handler=run_worker)


def run_worker(args: argparse.Namespace, settings: Settings) -> int:
    settings = settings.with_overrides(
        brands_file=args.brands, metrics_port=args.metrics_port, partitions=args.partitions
    )
    settings.validate()
    return start_worker(settings, loglevel="debug" if args.verbose else settings.log_level.lower())


def start_worker(settings: Settings, loglevel: str = "info") -> int:
    import faust
    import prometheus_client

    from streams.app import STATE_TABLE, create_pipeline
    from streams.errors import CommandError
    from streams.kafka_admin import check_partitions, ensure_topics, require_broker
    from streams.metrics import METRICS_ADDRESS, Metrics
    from streams.runtime import load_components

    components = load_components(settings)
    prometheus_client.disable_created_metrics()  # type: ignore[no-untyped-call]
    metrics = Metrics.create(brands=components.registry.names)
    metrics.build_info.info({"version": _version(), "sentiment_model": components.enricher.model_version})
    require_broker(settings)
    ensure_topics(settings)
    # Faust names a table's changelog <app id>-<table>-changelog.
    check_partitions(settings, changelog_topics=[f"{settings.worker_id}-{STATE_TABLE}-changelog"])
    try:
        prometheus_client.start_http_server(settings.metrics_port, addr=METRICS_ADDRESS, registry=metrics.registry)
    except (OSError, OverflowError) as error:
        raise CommandError(f"cannot serve /metrics on port {settings.metrics_port}: {error} (set {env_var('metrics_port')})") from None
    log.info("metrics on http://%s:%d/metrics (every interface); brands: %s; sentiment model %s",
             METRICS_ADDRESS, settings.metrics_port, ", ".join(components.registry.names) or "(none)",
             components.enricher.model_version)
    pipeline = create_pipeline(settings, metrics, components.registry, components.enricher, components.engine)
    worker = faust.Worker(pipeline.app, loglevel=loglevel, redirect_stdouts=False)
    worker.execute_from_commandline()
    return 0


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("flarewatch")
    except PackageNotFoundError:
        return "0+unknown"
