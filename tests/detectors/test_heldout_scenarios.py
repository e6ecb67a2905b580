"""The held-out scenarios build deterministically and are what ``--suite heldout`` runs.

Only the streams are specified here; how the detectors do on them is a measurement
(``flarewatch evaluate-detectors --suite heldout``), not a test.
"""

from __future__ import annotations

import doctest

import pytest

from detectors.scenarios import SCENARIOS as DESIGN_SCENARIOS
from detectors.scenarios import heldout

NAMES = ("executive_weekend_remark", "influencer_video_claim", "moderation_two_waves", "boycott_hashtag", "apology_thanks")


def test_docstring_examples_run() -> None:
    assert doctest.testmod(heldout).failed == 0


def test_the_registry_lists_the_held_out_scenarios_and_none_of_the_design_suite() -> None:
    assert tuple(heldout.SCENARIOS) == NAMES
    assert not set(heldout.SCENARIOS) & set(DESIGN_SCENARIOS)
    with pytest.raises(KeyError):
        heldout.build_scenario("rude_reply")


@pytest.mark.parametrize("name", NAMES)
def test_each_scenario_is_deterministic_with_days_of_traffic_before_its_episode(name: str) -> None:
    scenario, again, other = heldout.build_scenario(name, 3), heldout.build_scenario(name, 3), heldout.build_scenario(name, 4)
    assert scenario.name == name and scenario.events == again.events and scenario.events != other.events
    times = [event.created_at_ms for event in scenario.events]
    assert times == sorted(times)
    assert len({event.id for event in scenario.events}) == len(scenario.events)
    assert times[-1] - times[0] > (scenario.days - 1) * 86_400_000
    if scenario.expectation is not None:
        assert scenario.expectation.onset_ms - scenario.start_ms >= 3 * 86_400_000
        trigger = scenario.expectation.trigger_event_id
        assert trigger is None or trigger in {event.id for event in scenario.events}


@pytest.mark.parametrize("name", NAMES)
def test_variants_apply_to_the_held_out_scenarios(name: str) -> None:
    plain, small = heldout.build_scenario(name, 2), heldout.build_scenario(name, 2, "small")
    assert len(small.events) < len(plain.events) / 3
    night = heldout.build_scenario(name, 2, "night+de_only")
    assert night.variant == "night+de_only"
    if night.expectation is not None:
        assert 2.5 <= (night.expectation.onset_ms % 86_400_000) / 3_600_000 < 3.0
    spam = "free-prizes"  # the generator's spam comment is English whatever the brand's languages
    assert {event.lang for event in night.events if spam not in (event.text or "")} <= {"de", None}


def test_the_episodes_are_the_situations_they_claim() -> None:
    remark = heldout.build_scenario("executive_weekend_remark", 1)
    assert remark.expectation is not None
    assert (remark.expectation.onset_ms // 86_400_000 + 3) % 7 == 5  # a Saturday
    assert next(event for event in remark.events if event.id == "exec-remark").author.handle == "jana_meier_ceo"

    video = heldout.build_scenario("influencer_video_claim", 1)
    post = next(event for event in video.events if event.id == "influencer-video")
    assert post.lang == "en" and video.brand == "acme-rail"
    assert post.author.verified and (post.author.followers or 0) > 1_000_000

    silenced = heldout.build_scenario("moderation_two_waves", 1)
    deleted_under = {
        parent.root_id or parent.parent_id
        for event in silenced.events if event.kind == "deletion" and event.author.handle == "acme_community"
        for parent in silenced.events if parent.id == event.parent_id and parent.parent_id is not None
        and parent.parent_id.startswith("silenced-post")
    }
    assert deleted_under == {"silenced-post-1", "silenced-post-2"}

    boycott = heldout.build_scenario("boycott_hashtag", 1)
    assert boycott.expectation is not None and boycott.expectation.trigger_event_id is None
    assert boycott.expectation.origin == "unknown"
    assert sum("#BoycottNorthline" in (event.text or "") for event in boycott.events) > 100

    assert heldout.build_scenario("apology_thanks", 1).expectation is None


def test_evaluate_detectors_lists_the_chosen_suite(capsys: pytest.CaptureFixture[str]) -> None:
    from streams.cli import main

    assert main(["evaluate-detectors", "--suite", "heldout", "--list"]) == 0
    listed = capsys.readouterr().out
    assert all(name in listed for name in NAMES) and "rude_reply" not in listed
    assert main(["evaluate-detectors", "--list"]) == 0
    assert "rude_reply" in capsys.readouterr().out
    assert main(["evaluate-detectors", "--suite", "heldout", "--scenario", "rude_reply"]) == 2
