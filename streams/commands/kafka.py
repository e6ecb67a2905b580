"""``flarewatch kafka up | down | status | logs``: the project's local Kafka broker.

With ``FLAREWATCH_KAFKA_BOOTSTRAP`` set every sub-command works on that external cluster
instead: ``up`` only waits for it and creates the topics, ``down`` does nothing.
"""

from __future__ import annotations

import argparse
from typing import Any

from streams.arguments import int_between
from streams.errors import CommandError
from streams.kafka_admin import ensure_topics
from streams.local_kafka import LocalKafka, LocalKafkaError
from streams.settings import Settings, env_var


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "kafka",
        help="start, stop or inspect the local Kafka broker",
        description=(
            "Manage the project's own Apache Kafka broker (KRaft, one node on 127.0.0.1; needs Java 17+, "
            f"and Maven once to fetch it). Files live in <{env_var('home')}>/kafka; ports "
            f"[env: {env_var('local_kafka_port')}, {env_var('local_kafka_controller_port')}]. "
            f"Set {env_var('kafka_bootstrap')} to use an existing cluster instead."
        ),
    )
    actions = parser.add_subparsers(dest="kafka_action", metavar="ACTION", required=True)
    up = actions.add_parser(
        "up", help="fetch (once), start and health-check the broker; create the topics"
    )
    up.add_argument(
        "--timeout", type=float, default=90.0, help="seconds to wait for the broker (default 90)"
    )
    up.set_defaults(handler=kafka_up)
    down = actions.add_parser("down", help="stop the broker (data is kept)")
    down.add_argument(
        "--timeout", type=float, default=30.0, help="seconds before SIGKILL (default 30)"
    )
    down.set_defaults(handler=kafka_down)
    status = actions.add_parser("status", help="is the broker running and answering; exit 1 if not")
    status.set_defaults(handler=kafka_status)
    logs = actions.add_parser("logs", help="print the end of the broker log")
    logs.add_argument("-n", "--lines", type=int_between(1, None, "at least 1"), default=40, help="lines to print (default 40)")
    logs.set_defaults(handler=kafka_logs)


def kafka_up(args: argparse.Namespace, settings: Settings) -> int:
    broker = LocalKafka(settings)
    if broker.external:
        print(
            f"using the external Kafka cluster at {settings.bootstrap_servers} ({env_var('kafka_bootstrap')}); nothing to start"
        )
    try:
        broker.start(timeout=args.timeout)
    except LocalKafkaError as error:
        raise CommandError(str(error)) from None
    created = ensure_topics(settings)
    print(f"topics: {', '.join(created)} created" if created else "topics: all present")
    print(f"Kafka ready at {settings.bootstrap_servers}")
    return 0


def kafka_down(args: argparse.Namespace, settings: Settings) -> int:
    broker = LocalKafka(settings)
    if broker.external:
        print(f"using the external Kafka cluster at {settings.bootstrap_servers}; nothing to stop")
        return 0
    try:
        stopped = broker.stop(timeout=args.timeout)
    except LocalKafkaError as error:
        raise CommandError(str(error)) from None
    if not stopped:
        print("Kafka is not running")
    return 0


def kafka_status(args: argparse.Namespace, settings: Settings) -> int:
    state = LocalKafka(settings).status()
    if state.external:
        print(
            f"external Kafka cluster at {state.bootstrap}: {'answering' if state.healthy else 'NOT answering'}"
        )
    elif state.running:
        health = "healthy" if state.healthy else "running but NOT answering"
        print(
            f"Kafka {state.version} {health}: pid {state.pid}, {state.bootstrap}, data in {state.data_dir}"
        )
    else:
        print(
            f"Kafka {state.version} is not running (data in {state.data_dir}); start it with `flarewatch kafka up`"
        )
    return 0 if state.healthy else 1


def kafka_logs(args: argparse.Namespace, settings: Settings) -> int:
    broker = LocalKafka(settings)
    if broker.external:
        print("using an external Kafka cluster; its logs are wherever that cluster keeps them")
        return 0
    print(broker.log_tail(args.lines))
    return 0
