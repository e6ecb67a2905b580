"""The scenario suite and the demo sample: deterministic, realistic, up to date."""

from __future__ import annotations

import doctest
from pathlib import Path

import pytest

from detectors.scenarios import (
    DEFAULT_VARIANT,
    NORTHLINE,
    SCENARIOS,
    START_MS,
    VARIANTS,
    StreamBuilder,
    Variant,
    build_scenario,
    demo_files,
    parse_variant,
    registry_data,
    texts,
)
from schemas.brands import load_brand_registry

ROOT = Path(__file__).resolve().parents[2]


def test_docstring_examples_run() -> None:
    import detectors.scenarios.evaluation

    assert doctest.testmod(detectors.scenarios).failed == 0
    assert doctest.testmod(detectors.scenarios.evaluation).failed == 0


@pytest.mark.parametrize("name", ["rude_reply", "moderation_backlash"])
def test_same_seed_same_stream_other_seed_other_stream(name: str) -> None:
    first, again, other = build_scenario(name, 3), build_scenario(name, 3), build_scenario(name, 4)
    assert first.events == again.events
    assert first.events != other.events


def test_the_default_variant_changes_nothing_and_variants_change_what_they_say() -> None:
    assert build_scenario("moderation_backlash", 2, DEFAULT_VARIANT).events == build_scenario("moderation_backlash", 2).events
    plain = build_scenario("rude_reply", 2)
    small, big = build_scenario("rude_reply", 2, "small"), build_scenario("rude_reply", 2, "big")
    assert 4 * len(small.events) < len(plain.events) < len(big.events) / 10
    night = build_scenario("rude_reply", 2, "night+weekend+de_only+sparse")
    assert night.expectation is not None and night.variant == "night+weekend+de_only+sparse"
    onset_hour = (night.expectation.onset_ms % 86_400_000) / 3_600_000
    assert 2.5 <= onset_hour < 3.0
    assert (night.expectation.onset_ms // 86_400_000 + 3) % 7 == 5  # a Saturday
    assert all(event.lang is None and event.author.followers is None for event in night.events)
    german = build_scenario("former_employee_leak", 2, "de_only")
    assert registry_data(parse_variant("de_only"))["brands"][1]["languages"] == ["de"]
    assert any("ehemaliger Mitarbeiter" in (event.text or "") for event in german.events if event.id == "leak-post")
    assert len(build_scenario("ceo_post_flood", 2, "small_crowd").events) < len(build_scenario("ceo_post_flood", 2).events)
    with pytest.raises(KeyError):
        parse_variant("small+tiny")


def test_every_scenario_has_days_of_ordinary_traffic_before_its_episode() -> None:
    for name in SCENARIOS:
        scenario = build_scenario(name, 1)
        times = [event.created_at_ms for event in scenario.events]
        assert times == sorted(times)
        assert len({event.id for event in scenario.events}) == len(scenario.events)
        assert times[-1] - times[0] > (scenario.days - 1) * 86_400_000
        if scenario.expectation is not None:
            onset = scenario.expectation.onset_ms
            assert onset - scenario.start_ms >= 3 * 86_400_000
            trigger = scenario.expectation.trigger_event_id
            assert trigger is None or trigger in {event.id for event in scenario.events}


def test_committed_demo_sample_is_the_generated_one() -> None:
    for name, content in demo_files().items():
        path = ROOT / "streams" / "samples" / name
        assert path.read_bytes() == content, f"regenerate {path} with detectors.scenarios.demo_files()"
    assert len(demo_files()["demo_events.jsonl"].splitlines()) < 3000


def test_deploy_registry_lists_the_scenario_brands() -> None:
    deployed = load_brand_registry(ROOT / "deploy" / "brands.yaml")
    for brand in registry_data()["brands"]:
        entry = deployed.brands[brand["name"]]
        assert entry.languages == tuple(brand["languages"])
        assert {role for role in entry.accounts.values()} >= {"owned", "executive", "moderator"}


@pytest.fixture(scope="module")
def classifier():  # type: ignore[no-untyped-def]
    from detectors.sentiment import SentimentClassifier

    return SentimentClassifier.load_default()


def test_phrase_banks_read_as_intended_to_the_real_sentiment_model(classifier) -> None:  # type: ignore[no-untyped-def]
    misses = []
    for name, (bank, wanted) in texts.ALL_BANKS.items():
        for lang, templates in bank.items():
            slots = {key: values[0] for key, values in texts.SLOTS[lang].items()}
            filled = [template.format(brand="@acmerail", handle="@acmerail", **slots) for template in templates]
            for text, (_, sentiment) in zip(filled, classifier.classify_batch(filled, [lang] * len(filled)), strict=True):
                ok = {"negative": sentiment.label == "negative", "positive": sentiment.label == "positive",
                      "not_negative": sentiment.label != "negative"}[wanted]
                if not ok:
                    misses.append((name, lang, sentiment.label, text))
    total = sum(len(templates) for bank, _ in texts.ALL_BANKS.values() for templates in bank.values())
    assert len(misses) <= total // 20, misses


def test_evaluate_detectors_lists_and_rejects_unknown_scenarios(capsys: pytest.CaptureFixture[str]) -> None:
    from streams.cli import main

    assert main(["evaluate-detectors", "--list"]) == 0
    listed = capsys.readouterr().out
    assert all(name in listed for name in SCENARIOS)
    assert main(["evaluate-detectors", "--scenario", "no_such_thing"]) == 2


def test_evaluate_detectors_checks_the_incidents_directory_before_running(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from streams.cli import main

    a_file = tmp_path / "file"
    a_file.write_text("")
    assert main(["evaluate-detectors", "--scenario", "angry_customer", "--incidents", str(a_file)]) == 1
    captured = capsys.readouterr()
    assert f"--incidents {a_file}: cannot make the directory" in captured.err
    assert "angry_customer" not in captured.out, "nothing ran"


@pytest.mark.slow
def test_every_crisis_is_found_in_time_and_controls_stay_quiet(capsys: pytest.CaptureFixture[str]) -> None:
    """The issue's targets on the whole suite: detected within 30 minutes with the right
    origin and trigger, and no false incident (at most one per brand-week)."""
    from streams.cli import main

    assert main(["evaluate-detectors", "--seed", "1"]) == 0
    table = capsys.readouterr().out
    assert "FAIL" not in table, table
    per_week = float(table.split(" per brand-week")[0].rsplit(" ", 1)[-1])
    assert per_week <= 1.0, table


def _evaluate(scenario, variant: Variant):  # type: ignore[no-untyped-def]
    from detectors.engine import CrisisEngine
    from detectors.enrichment import Enricher
    from detectors.offline import run_offline
    from detectors.scenarios.evaluation import score_incidents
    from detectors.sentiment import SentimentClassifier
    from schemas.brands import registry_from_dict

    registry = registry_from_dict(registry_data(variant), "scenario brands")
    run = run_offline(scenario.events, Enricher(registry, SentimentClassifier.load_default()), CrisisEngine(), registry,
                      keep_enriched=False)
    return run, score_incidents(scenario.name, scenario.brand, scenario.days, run.incidents, scenario.expectation)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "variant"),
    [("rude_reply", "small"), ("moderation_backlash", "small+night"), ("ceo_post_flood", "small+small_crowd"),
     ("former_employee_leak_de", "small+sparse")],
)
def test_a_small_brands_crisis_is_found_with_its_trigger_and_nothing_else(name: str, variant: str) -> None:
    """10 events in the busiest hour: the thread detectors' absolute minimums still work."""
    _, result = _evaluate(build_scenario(name, 1, variant), parse_variant(variant))
    assert result.detected and result.origin_ok and result.trigger_ok, result
    assert result.false_incidents == 0, result


@pytest.mark.slow
def test_a_big_brands_ordinary_days_open_no_incident() -> None:
    """2000 events in the busiest hour, brand posts drawing a hundred comments: from the first
    (cold) day on, no peak, busy thread or ordinary complaint opens an incident."""
    big = VARIANTS["big"]
    builder = StreamBuilder(brand=NORTHLINE, seed=1, start_ms=START_MS, days=2, prefix="big", variant=big)
    builder.background()
    events = builder.finish()
    assert len(events) > 50_000
    from detectors.scenarios import Scenario

    scenario = Scenario(name="big_days", description="", brand=NORTHLINE.name, days=2, start_ms=START_MS,
                        events=events, expectation=None)
    run, _ = _evaluate(scenario, big)
    assert [(incident.type, incident.detected_at_ms) for incident in run.incidents] == []


def test_an_opening_its_numbers_do_not_support_is_a_problem() -> None:
    from detectors.scenarios.evaluation import score_incidents
    from schemas.records import Evidence, Incident

    contradicting = Incident(
        incident_id="inc-1", status="opened", brand="acme", type="owned_post_backlash", origin="self_inflicted",
        severity=5, started_at_ms=0, detected_at_ms=0, updated_at_ms=0, summary="...",
        evidence=Evidence(observed=3, expected=5, window_seconds=600, negative_events=3, total_events=5),
    )
    result = score_incidents("angry_customer", "acme", 4, [contradicting], None)
    assert result.unsupported == 1
    assert "1 opening its numbers do not support" in result.problems


def test_a_missed_crisis_counts_only_the_pages_besides_its_first_as_extra() -> None:
    """Review finding: with nothing matching, every opening in the episode was listed as an
    extra page next to "missed", against the column's definition (pages besides the one that
    found it)."""
    from detectors.scenarios import Expectation
    from detectors.scenarios.evaluation import score_incidents
    from schemas.records import Evidence, Incident

    def opening(number: int, incident_type: str) -> Incident:
        return Incident(
            incident_id=f"inc-{number}", status="opened", brand="acme", type=incident_type, origin="unknown",
            severity=5, started_at_ms=0, detected_at_ms=number * 60_000, updated_at_ms=0, summary="...",
            evidence=Evidence(observed=9, expected=5, window_seconds=600, negative_events=9, total_events=20),
        )

    expectation = Expectation(types=("owned_post_backlash",), origin="self_inflicted", onset_ms=0, trigger_event_id="rude")
    one = score_incidents("rude_reply", "acme", 4, [opening(5, "negative_spike")], expectation)
    two = score_incidents("rude_reply", "acme", 4, [opening(5, "negative_spike"), opening(9, "negative_shift")], expectation)
    assert (one.detected, one.extra_incidents, two.extra_incidents) == (False, 0, 1)
    assert two.problems == ("missed", "1 extra page")


@pytest.mark.slow
def test_a_big_brands_ceo_post_flood_pages_once() -> None:
    """On a brand with 2000 events in its busiest hour the CEO post's thread holds a small part
    of all negative events, but most of the abnormal ones: the brand's share shift that follows
    belongs to the flood's incident instead of paging a second time."""
    run, result = _evaluate(build_scenario("ceo_post_flood", 1, "big"), VARIANTS["big"])
    assert result.detected and result.origin_ok and result.trigger_ok, result
    assert result.extra_incidents == 0 and result.false_incidents == 0, result
    assert len({incident.incident_id for incident in run.incidents}) == 1
    # Since session 8 an executive's post drawing a pile-on is also an owned-post backlash,
    # which ranks above the flood: the one incident says so from its first bucket.
    assert {incident.type for incident in run.incidents} == {"owned_post_backlash"}
