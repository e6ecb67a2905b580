"""``flarewatch evaluate-detectors``: every scenario through the real enrichment and the engine."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

from streams.errors import CommandError, UsageError
from streams.settings import Settings


def _seeds(text: str) -> list[int]:
    """``"1-8"``, ``"1,3,5"`` or ``"1-4,9"`` -> the seeds, in order."""
    seeds: list[int] = []
    try:
        for part in text.split(","):
            first, _, last = part.strip().partition("-")
            seeds += range(int(first), int(last or first) + 1)
    except ValueError:
        raise argparse.ArgumentTypeError(f"seeds are like 1-8 or 1,3,5, got {text!r}") from None
    if not seeds:
        raise argparse.ArgumentTypeError(f"no seeds in {text!r}")
    return seeds


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "evaluate-detectors",
        help="run the scenario suite (crises and negative controls) and print the evaluation table",
        description=(
            "Generates every scenario of detectors/scenarios (several days of ordinary traffic with one crisis "
            "or a negative control, seeded), runs it through the shipped sentiment model, the enrichment and the "
            "crisis engine, and prints per scenario: detected or not, delay from onset to detected_at (event "
            "time), whether origin and trigger are right, and false incidents per brand-day. With several seeds "
            "or variants it prints one summary row per variant (a sweep) and every problem found. Exits non-zero "
            "only on errors, not when a target is missed."
        ),
    )
    parser.add_argument("--seed", type=int, default=1, help="scenario seed (default 1)")
    parser.add_argument("--seeds", type=_seeds, metavar="LIST",
                        help="several seeds, e.g. 1-8 or 1,3,5 (overrides --seed; prints the sweep summary)")
    parser.add_argument("--scenario", action="append", metavar="NAME", help="run only this scenario (repeatable)")
    parser.add_argument(
        "--variant", action="append", metavar="NAME[+NAME]",
        help="vary every scenario (repeatable; combine with +, e.g. small+night): "
             "small / big (10 / 2000 events in the busiest hour instead of the scenario's 80, or 300 for "
             "sentiment_shift), night / peak (onset 02:30 / 17:00 UTC), "
             "weekend (episode on a Saturday), de_only / en_only (brand languages), small_crowd (crowd x 0.2), "
             "slow (episode rises over twice as long), sparse (no lang, no follower counts), scattered (40 %% of "
             "in-thread reactions posted on other platforms instead); default: none",
    )
    parser.add_argument(
        "--suite", choices=("design", "heldout"), default="design",
        help="design (default): the suite the detectors were designed on; heldout: scenarios written afterwards "
             "(detectors/scenarios/heldout.py), the out-of-sample check",
    )
    parser.add_argument("--list", action="store_true", help="list the scenarios and variants and exit")
    parser.add_argument("--incidents", type=Path, metavar="DIR", help="also write each scenario's incidents (JSONL) here")
    parser.set_defaults(handler=run_evaluate_detectors)


def run_evaluate_detectors(args: argparse.Namespace, settings: Settings) -> int:
    from detectors.scenarios import VARIANTS, parse_variant

    if args.suite == "heldout":
        from detectors.scenarios.heldout import SCENARIOS, build_scenario
    else:
        from detectors.scenarios import SCENARIOS, build_scenario
    if args.list:
        for name in SCENARIOS:
            scenario = build_scenario(name, args.seed)
            print(f"{name:24} {scenario.brand:10} {scenario.days} d  {scenario.description}")
        print(f"variants: {', '.join(VARIANTS)} (combine with +)")
        return 0
    names = args.scenario or list(SCENARIOS)
    unknown = [name for name in names if name not in SCENARIOS]
    if unknown:
        raise UsageError(f"unknown scenario(s) {', '.join(unknown)}; known: {', '.join(SCENARIOS)}")
    try:
        variants = [parse_variant(spec) for spec in args.variant or ["default"]]
    except KeyError as error:
        raise UsageError(str(error.args[0])) from None
    if args.incidents is not None:
        try:
            args.incidents.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise CommandError(f"--incidents {args.incidents}: cannot make the directory ({error.strerror or error})") from None
        if not os.access(args.incidents, os.W_OK):
            raise CommandError(f"--incidents {args.incidents}: not writable")
    seeds = args.seeds or [args.seed]
    suite = "" if args.suite == "design" else f" --suite {args.suite}"

    from detectors.engine import CrisisEngine
    from detectors.enrichment import Enricher
    from detectors.offline import run_offline
    from detectors.scenarios import registry_data
    from detectors.scenarios.evaluation import (
        ScenarioResult,
        format_sweep,
        format_table,
        score_incidents,
    )
    from detectors.sentiment import SentimentClassifier
    from schemas.brands import registry_from_dict
    from schemas.codec import encode_incident

    classifier = SentimentClassifier.load_default()
    sweep: dict[str, list[tuple[int, ScenarioResult]]] = {}
    for variant in variants:
        registry = registry_from_dict(registry_data(variant), "scenario brands")
        enricher = Enricher(registry, classifier)
        for seed in seeds:
            results = []
            for name in names:
                started = time.monotonic()
                scenario = build_scenario(name, seed, variant)
                run = run_offline(scenario.events, enricher, CrisisEngine(), registry, keep_enriched=False)
                result = score_incidents(name, scenario.brand, scenario.days, run.incidents, scenario.expectation)
                results.append(result)
                sweep.setdefault(variant.name, []).append((seed, result))
                print(f"  {variant.name} seed {seed} {name}: {len(scenario.events)} events, "
                      f"{time.monotonic() - started:.1f} s {', '.join(result.problems)}", file=sys.stderr)
                if args.incidents is not None:
                    stem = name if variant.name == "default" else f"{name}.{variant.name}"
                    stem = stem if len(seeds) == 1 else f"{stem}.seed{seed}"
                    (args.incidents / f"{stem}.jsonl").write_bytes(
                        b"".join(encode_incident(incident) + b"\n" for incident in run.incidents)
                    )
            if len(seeds) == 1 and len(variants) == 1:
                print(f"flarewatch evaluate-detectors --seed {seed}" + suite
                      + ("" if variant.name == "default" else f" --variant {variant.name}"))
                print(format_table(results))
    if len(seeds) > 1 or len(variants) > 1:
        print(f"flarewatch evaluate-detectors --seeds {','.join(map(str, seeds))}{suite} "
              + " ".join(f"--variant {variant.name}" for variant in variants)
              + "".join(f" --scenario {name}" for name in args.scenario or ()))
        print(format_sweep(sweep))
    return 0
