"""``flarewatch replay``: the live pipeline's enrichment and detectors over an exported history, offline."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from streams.jsonl import LIST_ALL_HELP
from streams.settings import Settings, env_var


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "replay",
        help="backtest: run enrichment and detectors over a JSONL file, no Kafka",
        description=(
            "Read raw events (JSONL), process them in event-time order with the same code as the worker, "
            "and write the incident events (JSONL). Deterministic: the same input gives the same bytes. "
            "Lines that break the input contract are skipped and listed with their line number (the first 10; -v lists all)."
        ),
    )
    parser.add_argument("events", type=Path, help="JSONL file of raw events ('-' for stdin)")
    parser.add_argument("--brands", type=Path, help=f"brand registry YAML [env: {env_var('brands_file')}]")
    parser.add_argument("--out", type=Path, help="write incident events here (JSONL); default (or '-') stdout")
    parser.add_argument(
        "--plot", type=Path, metavar="FILE",
        help="draw volume, negative share, baseline and incidents per brand; the suffix picks the format (.png, .svg, .pdf, ...)",
    )
    parser.add_argument(
        "--no-flush", dest="flush", action="store_false",
        help="do not close the last open buckets at the end (what a live worker has seen so far)",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS, help=LIST_ALL_HELP)
    parser.set_defaults(handler=run_replay)


def run_replay(args: argparse.Namespace, settings: Settings) -> int:
    from tqdm import tqdm

    from detectors.offline import run_offline
    from schemas.codec import encode_incident
    from streams.errors import CommandError, UsageError
    from streams.jsonl import load_events
    from streams.runtime import load_components

    if args.out is not None and str(args.out) == "-":
        args.out = None
    for option, target in (("--out", args.out), ("--plot", args.plot)):
        if target is None:
            continue
        if target.is_dir():
            raise CommandError(f"{option} {target} is a directory; give a file name")
        if not target.parent.exists():
            raise CommandError(f"{target.parent} does not exist (for {target})")
        if not os.access(target if target.exists() else target.parent, os.W_OK):
            raise CommandError(f"{option} {target}: not writable")
        if str(args.events) != "-" and target.exists() and target.resolve() == args.events.resolve():
            raise UsageError(f"{option} {target} is the events file; it would be overwritten")
    if args.plot is not None:
        from streams.plotting import check_plot_path

        try:
            check_plot_path(args.plot)
        except ValueError as error:
            raise UsageError(f"--plot: {error}") from None
    components = load_components(settings, args.brands)
    report = load_events(args.events, list_all=args.verbose)
    if report.rejected:
        print(report.rejection_summary(len(report.events) + sum(report.rejected.values()), "skipped"), file=sys.stderr)
    if not report.events:
        what = "every line breaks the input contract" if report.rejected else "it holds no events"
        raise CommandError(f"nothing to replay in {args.events}: {what}")
    listed = [event for event in report.events if event.brand in components.registry.brands]
    if len(listed) < len(report.events):
        unknown = sorted({event.brand for event in report.events} - set(components.registry.brands))
        print(f"note: skipped {len(report.events) - len(listed)} events for brands not in the registry (the worker "
              f"dead-letters them as unknown_brand): {', '.join(unknown[:10])}{' ...' if len(unknown) > 10 else ''}",
              file=sys.stderr)
        report.events = listed
        if not report.events:
            raise CommandError(f"nothing to replay in {args.events}: no event is for a brand in the registry "
                               f"({', '.join(components.registry.names)}); pass --brands")
    with tqdm(total=len(report.events), unit="ev", disable=True if args.quiet else None, file=sys.stderr, desc="replay") as bar:
        run = run_offline(
            report.events, components.enricher, components.engine, components.registry,
            flush=args.flush, keep_enriched=args.plot is not None, progress=bar.update,
        )
    lines = b"".join(encode_incident(incident) + b"\n" for incident in run.incidents)
    if args.out is None:
        sys.stdout.buffer.write(lines)
    else:
        try:
            args.out.write_bytes(lines)
        except OSError as error:
            raise CommandError(f"cannot write {args.out}: {error.strerror or error}") from None
    opened = sum(1 for incident in run.incidents if incident.status == "opened")
    print(
        f"{len(report.events)} events, {opened} incidents opened, {len(run.incidents)} incident events"
        + (f" -> {args.out}" if args.out else ""),
        file=sys.stderr,
    )
    if run.duplicates:
        print(f"note: {run.duplicates} events repeated an id their brand had already seen and were counted once",
              file=sys.stderr)
    if run.off_topic:
        skipped = ", ".join(f"{count} of {brand}" for brand, count in sorted(run.off_topic.items()))
        print(f"note: {skipped} named the brand only inside a phrase its registry entry excludes and were not counted",
              file=sys.stderr)
    if args.plot is not None:
        from streams.plotting import plot_replay

        try:
            written = plot_replay(run, args.plot)
        except OSError as error:
            raise CommandError(f"cannot write {args.plot}: {error.strerror or error}") from None
        print(f"plot -> {written}", file=sys.stderr)
    return 0
