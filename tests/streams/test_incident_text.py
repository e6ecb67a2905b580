from __future__ import annotations

from dataclasses import replace

from schemas.records import Evidence, Incident, Trigger
from streams.incident_text import format_incident

OPENED = Incident(
    incident_id="inc-1",
    status="opened",
    brand="acme-rail",
    type="owned_post_backlash",
    origin="self_inflicted",
    severity=8,
    started_at_ms=1_772_530_440_000,
    detected_at_ms=1_772_531_392_000,
    updated_at_ms=1_772_531_392_000,
    evidence=Evidence(observed=30, expected=5, window_seconds=1800, negative_events=30, total_events=46,
                      top_terms=("rude", "apology")),
    summary="Backlash to the brand's own reply.",
    trigger=Trigger(event_id="tw-9", author_role="owned", url="https://x.example/9", kind="reply",
                    excerpt="Read the timetable."),
    first_actions=("Answer publicly and quickly.", "Do not delete criticism."),
)


def test_opened_incident_shows_level_origin_trigger_and_first_steps() -> None:
    text = format_incident(OPENED)
    assert text.splitlines()[0].startswith("!!! [CRITICAL 8/10] OPENED acme-rail · owned_post_backlash · origin self_inflicted")
    assert "trigger: owned reply https://x.example/9" in text
    assert "“Read the timetable.”" in text
    assert "      - Do not delete criticism." in text
    assert "30/46 negative; terms: rude, apology" in text


def test_update_is_two_lines() -> None:
    text = format_incident(replace(OPENED, status="updated", severity=9))
    assert text.splitlines() == [
        "!!! [CRITICAL 9/10] UPDATED acme-rail · owned_post_backlash · origin self_inflicted",
        "    now 30 vs 5.0 threshold, 30/46 negative · id inc-1",
    ]


def test_resolved_incident_has_no_first_steps_but_its_end() -> None:
    text = format_incident(replace(OPENED, status="resolved", severity=3, resolved_at_ms=1_772_560_000_000))
    assert text.startswith("i   [INFO 3/10] RESOLVED")
    assert "resolved 2026-03-03T17:46:40.000Z" in text
    assert "first steps" not in text


def test_brand_wide_spike_compares_with_the_expected_baseline() -> None:
    text = format_incident(replace(OPENED, type="negative_spike", origin="unknown", trigger=None))
    assert "evidence: 30 observed vs 5.0 expected" in text
    assert "trigger" not in text
