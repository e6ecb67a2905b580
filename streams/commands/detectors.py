"""``flarewatch evaluate-detectors``: every scenario through the real enrichment and the engine."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from streams.cli import CommandError
from streams.settings import Settings


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "evaluate-detectors",
        help="run the scenario suite (crises and negative controls) and print the evaluation table",
        description=(
            "Generates every scenario of detectors/scenarios (several days of ordinary traffic with one crisis "
            "or a negative control, seeded), runs it through the shipped sentiment model, the enrichment and the "
            "crisis engine, and prints per scenario: detected or not, delay from onset to detected_at (event "
            "time), whether origin and trigger are right, and false incidents per brand-day. Exits non-zero "
            "only on errors, not when a target is missed."
        ),
    )
    parser.add_argument("--seed", type=int, default=1, help="scenario seed (default 1)")
    parser.add_argument("--scenario", action="append", metavar="NAME", help="run only this scenario (repeatable)")
    parser.add_argument("--list", action="store_true", help="list the scenarios and exit")
    parser.add_argument("--incidents", type=Path, metavar="DIR", help="also write each scenario's incidents (JSONL) here")
    parser.set_defaults(handler=run_evaluate_detectors)


def run_evaluate_detectors(args: argparse.Namespace, settings: Settings) -> int:
    from detectors.scenarios import SCENARIOS, build_scenario

    if args.list:
        for name in SCENARIOS:
            scenario = build_scenario(name, args.seed)
            print(f"{name:24} {scenario.brand:10} {scenario.days} d  {scenario.description}")
        return 0
    names = args.scenario or list(SCENARIOS)
    unknown = [name for name in names if name not in SCENARIOS]
    if unknown:
        raise CommandError(f"unknown scenario(s) {', '.join(unknown)}; known: {', '.join(SCENARIOS)}")

    from detectors.engine import CrisisEngine
    from detectors.enrichment import Enricher
    from detectors.offline import run_offline
    from detectors.scenarios import registry_data
    from detectors.scenarios.evaluation import format_table, score_incidents
    from detectors.sentiment import SentimentClassifier
    from schemas.brands import registry_from_dict
    from schemas.codec import encode_incident

    registry = registry_from_dict(registry_data(), "scenario brands")
    enricher = Enricher(registry, SentimentClassifier.load_default())
    results = []
    for name in names:
        started = time.monotonic()
        scenario = build_scenario(name, args.seed)
        run = run_offline(scenario.events, enricher, CrisisEngine(), registry, keep_enriched=False)
        results.append(score_incidents(name, scenario.brand, scenario.days, run.incidents, scenario.expectation))
        print(f"  {name}: {len(scenario.events)} events, {time.monotonic() - started:.1f} s", file=sys.stderr)
        if args.incidents is not None:
            args.incidents.mkdir(parents=True, exist_ok=True)
            (args.incidents / f"{name}.jsonl").write_bytes(
                b"".join(encode_incident(incident) + b"\n" for incident in run.incidents)
            )
    print(f"flarewatch evaluate-detectors --seed {args.seed}")
    print(format_table(results))
    return 0
