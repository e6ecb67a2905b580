"""``flarewatch incidents``: follow the incident topic, print incidents, or forward them to a webhook."""

from __future__ import annotations

import argparse
import math
import signal
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TextIO

from schemas.codec import encode_incident
from schemas.records import INCIDENT_TYPES, LEVEL_MIN_SEVERITY, LEVELS, Incident
from streams.arguments import int_between
from streams.errors import CommandError, UsageError
from streams.forwarding import (
    DeliveryFailed,
    IncidentFilter,
    IncidentFollower,
    RetryPolicy,
    WebhookForwarder,
    latest_incidents,
)
from streams.incident_text import format_incident
from streams.kafka_clients import remaining_seconds
from streams.settings import Settings, env_var
from streams.topics import topic_name

FORWARDER_METRICS_PORT = 9465


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "incidents",
        help="follow incident events: print them, or forward them to a webhook",
        description=(
            "Follow the incident topic (<prefix>.incidents) and print each incident event "
            "readably, or as one JSON object per line with --json. With --last N, print the N "
            "newest matching events and exit (what is happening now; --from-beginning --max N "
            "gives the N oldest of 30 days' retention). With --forward URL, post "
            "each event to a webhook instead, committing the consumer-group offset only "
            "after delivery (at least once; Idempotency-Key header = incident_id:status:updated_at)."
        ),
    )
    filters = parser.add_argument_group("filters")
    filters.add_argument("--brand", action="append", default=[], metavar="BRAND", help="only this brand (repeatable)")
    filters.add_argument("--type", action="append", default=[], choices=INCIDENT_TYPES, help="only this incident type (repeatable)")
    filters.add_argument(
        "--min-severity", type=severity, default=0, metavar="N",
        help="only severity >= N (1-10), or a level: info, warning (4), critical (7)",
    )
    reading = parser.add_argument_group("reading")
    reading.add_argument(
        "--from-beginning", action="store_true",
        help="start at the oldest retained incident (forwarding: only for a group without committed offsets)",
    )
    reading.add_argument(
        "--last", type=int, metavar="N",
        help="print the N most recent matching incident events (oldest of them first) and exit; "
        "reads backwards from the end of the topic",
    )
    reading.add_argument("--max", type=int, metavar="N", help="stop after N matching incidents")
    reading.add_argument(
        "--timeout", type=float, metavar="S",
        help="stop after S seconds (> 0), connecting to Kafka included (default: no limit; connecting gives up after 30 s)",
    )
    reading.add_argument(
        "--json", action="store_true",
        help="one JSON object per line (printing mode; --forward always posts JSON, or Slack's format with --slack)",
    )
    forwarding = parser.add_argument_group("forwarding")
    forwarding.add_argument("--forward", metavar="URL", help="post each incident to this webhook instead of printing it")
    forwarding.add_argument("--slack", action="store_true", help='post a Slack-compatible {"text": ...} payload')
    forwarding.add_argument(
        "--group", help=f"consumer group (default <{env_var('worker_id')}>-incident-forwarder; no variable of its own)",
    )
    forwarding.add_argument("--max-attempts", type=int, default=8, help="delivery attempts per incident before giving up (default 8)")
    forwarding.add_argument("--initial-delay", type=float, default=1.0, help="seconds before the first retry, doubling each time (default 1)")
    forwarding.add_argument("--max-delay", type=float, default=60.0, help="longest wait between retries in seconds (default 60)")
    forwarding.add_argument(
        "--metrics-port", type=int_between(0, 65535, "a port 1-65535, or 0 for none"), default=FORWARDER_METRICS_PORT,
        help=(
            f"serve /metrics (flarewatch_incidents_forwarded_total) on this port; 0 = off (default {FORWARDER_METRICS_PORT}; "
            f"no variable: {env_var('metrics_port')} is the worker's)"
        ),
    )
    parser.set_defaults(handler=follow_incidents)


def severity(text: str) -> int:
    for level, lowest in LEVEL_MIN_SEVERITY.items():
        if text.lower() == level:
            return lowest
    return int_between(1, 10, f"a severity 1-10 or one of {', '.join(LEVELS)}")(text)


def follow_incidents(args: argparse.Namespace, settings: Settings) -> int:
    started = time.monotonic()
    if args.max is not None and args.max < 1:
        raise UsageError("--max must be at least 1")
    if args.timeout is not None and not (math.isfinite(args.timeout) and args.timeout > 0):
        raise UsageError(f"--timeout must be a positive number of seconds, got {args.timeout:g} (leave it out to wait without limit)")
    if args.json and args.forward:
        raise UsageError("--json only applies when printing; --forward always posts the incident as JSON (--slack for Slack's format)")
    if args.last is not None:
        if args.last < 1:
            raise UsageError("--last must be at least 1")
        clashing = [flag for flag, used in (("--forward", args.forward), ("--from-beginning", args.from_beginning),
                                            ("--max", args.max is not None)) if used]
        if clashing:
            raise UsageError(f"--last reads the newest incidents and exits; it does not combine with {', '.join(clashing)}")
    incident_filter = IncidentFilter(brands=frozenset(args.brand), types=frozenset(args.type), min_severity=args.min_severity)
    deadline = None if args.timeout is None else started + args.timeout
    if args.forward:
        return forward(args, settings, incident_filter, deadline)
    if args.slack:
        raise UsageError("--slack only applies with --forward URL")
    printer = IncidentPrinter(sys.stdout, as_json=args.json)
    if args.last is not None:
        return print_latest(args, settings, incident_filter, printer, deadline)
    consumer = _consumer(settings, group=None, from_beginning=args.from_beginning, deadline=deadline, timeout=args.timeout)
    try:
        IncidentFollower(consumer, printer, incident_filter).run(args.max, remaining_seconds(deadline))
    finally:
        consumer.close()
    return 0


def print_latest(args: argparse.Namespace, settings: Settings, incident_filter: IncidentFilter, printer: IncidentPrinter,
                 deadline: float | None) -> int:
    """``--last N``: the N newest matching incident events, then exit (``--timeout`` bounds the search)."""
    from kafka.errors import KafkaError

    consumer = _consumer(settings, group=None, from_beginning=True, subscribe=False, deadline=deadline,
                         timeout=args.timeout)
    try:
        incidents, complete = latest_incidents(
            consumer, topic_name(settings, "incidents"), args.last, incident_filter, remaining_seconds(deadline)
        )
    except KafkaError as error:
        raise CommandError(f"cannot read {topic_name(settings, 'incidents')} from {settings.bootstrap_servers}: {error}") from None
    finally:
        consumer.close()
    for incident in incidents:
        printer(incident)
    if not complete:
        print(f"stopped after {args.timeout:g}s; older incidents were not searched", file=sys.stderr)
    return 0


def forward(args: argparse.Namespace, settings: Settings, incident_filter: IncidentFilter, deadline: float | None) -> int:
    import logging

    from streams.metrics import METRICS_ADDRESS, ForwarderMetrics

    if not args.forward.startswith(("http://", "https://")):
        raise UsageError(f"--forward needs an http(s) URL, got {args.forward!r}")
    if args.max_attempts < 1:
        raise UsageError(f"--max-attempts must be at least 1, got {args.max_attempts}")
    for option, value in (("--initial-delay", args.initial_delay), ("--max-delay", args.max_delay)):
        if not math.isfinite(value) or value < 0:
            raise UsageError(f"{option} must be a non-negative number of seconds, got {value:g}")
    policy = RetryPolicy(max_attempts=args.max_attempts, initial_delay=args.initial_delay, max_delay=args.max_delay)
    metrics = ForwarderMetrics.create()
    if args.metrics_port:
        from prometheus_client import start_http_server

        try:
            start_http_server(args.metrics_port, addr=METRICS_ADDRESS, registry=metrics.registry)
        except OSError as error:
            raise CommandError(f"cannot serve /metrics on port {args.metrics_port}: {error}") from None
    forwarder = WebhookForwarder(args.forward, metrics, slack=args.slack, policy=policy)
    group = args.group or f"{settings.worker_id}-incident-forwarder"
    consumer = _consumer(settings, group=group, from_beginning=args.from_beginning, deadline=deadline,
                         timeout=args.timeout)
    follower = IncidentFollower(
        consumer, forwarder, incident_filter, commit=True, on_skipped=forwarder.count,
    )
    log = logging.getLogger("flarewatch.forward")
    served = f"metrics on http://{METRICS_ADDRESS}:{args.metrics_port}/metrics (every interface)" if args.metrics_port else "no metrics"
    log.info("forwarding %s to %s as group %s; %s", topic_name(settings, "incidents"), args.forward, group, served)
    try:
        with _stop_on_sigterm() as stopping:
            follower.run(args.max, remaining_seconds(deadline), should_stop=stopping)
    except DeliveryFailed as error:
        log.error("giving up for now, offset not committed (a restart retries): %s", error)
        return 1
    finally:
        consumer.close(autocommit=False)
    return 0


class IncidentPrinter:
    """Print one block per incident (blank line between), or one JSON line per incident."""

    def __init__(self, out: TextIO, as_json: bool) -> None:
        self.out = out
        self.as_json = as_json

    def __call__(self, incident: Incident) -> str:
        text = encode_incident(incident).decode() if self.as_json else format_incident(incident) + "\n"
        print(text, file=self.out, flush=True)
        return "printed"


def _consumer(settings: Settings, group: str | None, from_beginning: bool, subscribe: bool = True,
              deadline: float | None = None, timeout: float | None = None) -> Any:
    from streams.kafka_clients import connect_consumer

    return connect_consumer(settings, topic_name(settings, "incidents"), group=group, from_beginning=from_beginning,
                            subscribe=subscribe, deadline=deadline, timeout=timeout, client_id="flarewatch-incidents")


@contextmanager
def _stop_on_sigterm() -> Iterator[Any]:
    """Let systemd's SIGTERM finish the current delivery and commit before exiting."""
    stop = False

    def request_stop(signum: int, frame: Any) -> None:
        nonlocal stop
        stop = True

    if threading.current_thread() is not threading.main_thread():
        yield lambda: False
        return
    previous = signal.signal(signal.SIGTERM, request_stop)
    try:
        yield lambda: stop
    finally:
        signal.signal(signal.SIGTERM, previous)
