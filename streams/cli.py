"""``flarewatch`` command line: one sub-command per module in :mod:`streams.commands`.

Each command module exposes ``register(subparsers, settings_help)``; heavy
imports (Faust, scikit-learn) happen inside the handlers so ``--help`` is fast.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence

from streams.errors import CommandError
from streams.settings import Settings, SettingsError, describe_settings

COMMAND_MODULES = (
    "streams.commands.worker",
    "streams.commands.kafka",
    "streams.commands.produce",
    "streams.commands.incidents",
    "streams.commands.replay",
    "streams.commands.demo",
    "streams.commands.sentiment",
    "streams.commands.detectors",
    "streams.commands.series",
)

__all__ = ["CommandError", "build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    epilog = "settings (environment variables, with defaults):\n" + "\n".join(
        f"  {name:<40} {default}" for name, default, _ in describe_settings()
    )
    parser = argparse.ArgumentParser(
        prog="flarewatch",
        description="Catch a social-media flare-up while it is small.",
        epilog=epilog,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module_name in COMMAND_MODULES:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as error:
            if error.name == module_name:
                continue
            raise
        module.register(subparsers)
    return parser


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
    try:
        settings = Settings.from_env()
        result: int | None = args.handler(args, settings)
    except (CommandError, SettingsError) as error:
        print(f"flarewatch {args.command}: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"flarewatch {args.command}: interrupted", file=sys.stderr)
        return 130
    return result or 0


if __name__ == "__main__":
    sys.exit(main())
