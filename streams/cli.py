"""``flarewatch`` command line: one sub-command per module in :mod:`streams.commands`.

Each command module exposes ``register(subparsers)``; heavy imports (Faust,
scikit-learn) happen inside the handlers so ``--help`` is fast. ``-v`` works before
and after the command.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence

from streams.errors import CommandError, UsageError
from streams.settings import Settings, describe_settings, unknown_variable_warnings

COMMAND_MODULES = (
    "streams.commands.worker",
    "streams.commands.kafka",
    "streams.commands.produce",
    "streams.commands.incidents",
    "streams.commands.dead_letters",
    "streams.commands.replay",
    "streams.commands.demo",
    "streams.commands.sentiment",
    "streams.commands.detectors",
    "streams.commands.series",
)

__all__ = ["CommandError", "UsageError", "build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    epilog = "settings (environment variables, with defaults):\n" + "\n".join(
        f"  {name:<40} {default}" for name, default, _ in describe_settings()
    ) + "\n\nexit codes: 0 done, 1 failed while running, 2 usage or configuration error, 130 interrupted"
    parser = argparse.ArgumentParser(
        prog="flarewatch",
        description="Catch a social-media flare-up while it is small.",
        epilog=epilog,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).register(subparsers)
    _accept_verbose_after_commands(parser)
    return parser


def _accept_verbose_after_commands(parser: argparse.ArgumentParser) -> None:
    """Give every (sub-)command ``-v`` too; it does not reset a ``-v`` given before the command.

    A command that declares its own ``-v`` (with ``default=argparse.SUPPRESS``) keeps it: its
    help says what else ``-v`` does there.
    """
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for command in action.choices.values():
                if "-v" not in command._option_string_actions:
                    command.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS,
                                         help="debug logging")
                _accept_verbose_after_commands(command)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if not args.verbose:
        for noisy in ("kafka", "aiokafka"):
            logging.getLogger(noisy).setLevel(logging.WARNING)
    for warning in unknown_variable_warnings():
        print(f"flarewatch {args.command}: warning: {warning}", file=sys.stderr)
    try:
        settings = Settings.from_env()
        result: int | None = args.handler(args, settings)
    except CommandError as error:
        print(f"flarewatch {args.command}: error: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print(f"flarewatch {args.command}: interrupted", file=sys.stderr)
        return 130
    return result or 0


if __name__ == "__main__":
    sys.exit(main())
