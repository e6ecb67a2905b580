"""Incident lifecycle: open, rate-limited updates, quiet-period resolve, cooldown, merging."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

import pytest

from detectors.incident_text import first_actions
from detectors.incidents import (
    BRAND_CAUSE,
    IncidentBook,
    IncidentManager,
    IncidentParams,
    Signal,
    incident_id_for,
)
from schemas.records import Evidence, Incident, IncidentType, Origin, Trigger

T0 = 1_772_366_400_000
BUCKET = 5 * 60_000
EVIDENCE = Evidence(observed=10, expected=2, window_seconds=300, negative_events=10, total_events=20)


def signal(kind: IncidentType, cause: str = BRAND_CAUSE, severity: int = 5, onset: int = T0,
           origin: Origin = "unknown") -> Signal:
    trigger = None if cause == BRAND_CAUSE else Trigger(event_id=cause, author_role="owned")
    return Signal(type=kind, cause=cause, origin=origin, severity=severity, onset_ms=onset, trigger=trigger,
                  evidence=EVIDENCE)


def drive(manager: IncidentManager, per_bucket: Iterable[list[Signal]], *, start: int = T0,
          attribution: dict[str, int] | None = None, total: int = 0,
          book: IncidentBook | None = None) -> tuple[IncidentBook, list[tuple[int, Incident]]]:
    """Feed one list of signals per bucket; returns (bucket index, incident) pairs."""
    book = book or manager.initial_state()
    out: list[tuple[int, Incident]] = []
    for index, signals in enumerate(per_bucket):
        book, emitted = manager.step(book, signals, now_ms=start + (index + 1) * BUCKET, brand="acme", lang="en",
                                     negative_by_thread=attribution, negative_total=total)
        out += [(index, incident) for incident in emitted]
    return book, out


def statuses(out: list[tuple[int, Incident]]) -> list[tuple[int, str, str]]:
    return [(index, incident.status, incident.type) for index, incident in out]


def test_escalation_updates_are_rate_limited_to_one_per_15_minutes() -> None:
    manager = IncidentManager()
    buckets = [[signal("negative_spike", severity=4 + index)] for index in range(6)]
    _, out = drive(manager, buckets)
    assert statuses(out) == [(0, "opened", "negative_spike"), (3, "updated", "negative_spike")]
    assert [incident.severity for _, incident in out] == [4, 7]


def test_same_severity_does_not_update() -> None:
    _, out = drive(IncidentManager(), [[signal("negative_spike")]] * 10)
    assert statuses(out) == [(0, "opened", "negative_spike")]


def test_gaps_shorter_than_the_quiet_period_do_not_flap() -> None:
    buckets = ([[signal("negative_spike")]] + [[]] * 20) * 3   # a signal every 105 minutes
    _, out = drive(IncidentManager(), buckets + [[]] * 30)
    assert [status for _, status, _ in statuses(out)] == ["opened", "resolved"]
    opened, resolved = out[0][1], out[-1][1]
    assert opened.incident_id == resolved.incident_id
    assert resolved.resolved_at_ms is not None
    assert out[-1][0] == 42 + 24  # two quiet hours after the last signal (bucket 42)


def test_cooldown_then_a_new_episode_gets_a_new_id() -> None:
    manager = IncidentManager()
    quiet = [[]] * 24
    book, out = drive(manager, [[signal("negative_spike")], *quiet])
    assert [status for _, status, _ in statuses(out)] == ["opened", "resolved"]
    resolved_at = T0 + 25 * BUCKET
    # Within the cooldown the same cause stays quiet...
    book, again = drive(manager, [[signal("negative_spike", onset=resolved_at)]], start=resolved_at, book=book)
    assert again == []
    # ... after it a new incident opens, with a different id.
    later = resolved_at + 2 * 3_600_000
    _, fresh = drive(manager, [[signal("negative_spike", onset=later)]], start=later, book=book)
    assert [incident.status for _, incident in fresh] == ["opened"]
    assert fresh[0][1].incident_id != out[0][1].incident_id


def test_share_shift_needs_two_consecutive_buckets() -> None:
    manager = IncidentManager()
    _, out = drive(manager, [[signal("negative_shift")], [], [signal("negative_shift")], [signal("negative_shift")]])
    assert statuses(out) == [(3, "opened", "negative_shift")]


def test_a_sustained_share_shift_opens_at_its_first_bucket() -> None:
    """A shift judged over a longer pool (whose newer half is raised too) is its own persistence."""
    manager = IncidentManager()
    sustained = dataclasses.replace(signal("negative_shift"), sustained=True)
    _, out = drive(manager, [[], [sustained], [sustained]])
    assert statuses(out) == [(1, "opened", "negative_shift")]


def test_signals_on_one_thread_merge_and_precedence_picks_the_type() -> None:
    manager = IncidentManager()
    thread = "post-1"
    first = [signal("comment_flood", thread, origin="self_inflicted"),
             signal("owned_post_backlash", thread, origin="self_inflicted")]
    later = [signal("moderation_backlash", thread, severity=6, origin="self_inflicted")]
    _, out = drive(manager, [first, [], [], later])
    # The deleting that came later ranks first: the incident says so from then on.
    assert statuses(out) == [(0, "opened", "owned_post_backlash"), (3, "updated", "moderation_backlash")]
    assert out[0][1].origin == "self_inflicted" and out[0][1].trigger is not None


def test_a_spike_caused_by_a_thread_merges_into_the_thread_incident() -> None:
    manager = IncidentManager()
    thread = "rude-reply"
    buckets = [
        [signal("negative_spike")],                                   # the spike is seen first
        [signal("owned_post_backlash", thread, origin="self_inflicted")],  # then its cause
        [], [], [signal("negative_spike", severity=5)],              # later spikes are the same crisis
    ]
    _, out = drive(manager, buckets, attribution={thread: 8}, total=20)
    assert statuses(out) == [
        (0, "opened", "negative_spike"),
        (1, "opened", "owned_post_backlash"),
        (1, "resolved", "negative_spike"),
        (4, "updated", "owned_post_backlash"),
    ]
    merged = out[2][1]
    assert out[1][1].incident_id in merged.summary
    assert out[3][1].origin == "self_inflicted"
    # The update for the merged spike says what is new; without it the update reads as a repeat.
    assert "Also seen" not in out[1][1].summary
    assert "Also seen: a brand-wide spike in negative mentions." in out[3][1].summary


def test_unrelated_spike_stays_its_own_incident() -> None:
    manager = IncidentManager()
    buckets = [[signal("owned_post_backlash", "thread", origin="self_inflicted")], [signal("negative_spike")]]
    _, out = drive(manager, buckets, attribution={"thread": 1}, total=40)
    assert statuses(out) == [(0, "opened", "owned_post_backlash"), (1, "opened", "negative_spike")]


def test_a_spike_the_engine_attributes_to_an_open_thread_incident_joins_it_whatever_its_share() -> None:
    # A busy brand: the thread holds 1 of 40 negatives, but the spike is a burst of its words.
    manager = IncidentManager()
    attributed = dataclasses.replace(signal("negative_spike", severity=6), attribute_to="thread")
    buckets = [[signal("owned_post_backlash", "thread", origin="self_inflicted")], [attributed]]
    book, out = drive(manager, buckets, attribution={"thread": 1}, total=40)
    assert statuses(out) == [(0, "opened", "owned_post_backlash")]  # no second page (updates are rate-limited)
    assert [(record.cause, record.is_open) for record in book.records] == [("thread", True)]
    # Attributed to a thread whose incident is not open: an incident of its own, as before.
    elsewhere = dataclasses.replace(signal("negative_spike"), attribute_to="gone")
    _, out = drive(manager, [[elsewhere]])
    assert statuses(out) == [(0, "opened", "negative_spike")]


def test_early_signals_only_open() -> None:
    manager = IncidentManager()
    book, emitted = manager.step(manager.initial_state(), [signal("owned_post_backlash", "t", origin="self_inflicted")],
                                 now_ms=T0 + 90_000, brand="acme", lang="de", early=True)
    assert [incident.status for incident in emitted] == ["opened"]
    assert emitted[0].detected_at_ms == T0 + 90_000 and emitted[0].lang == "de"
    again, nothing = manager.step(book, [signal("owned_post_backlash", "t", severity=9)], now_ms=T0 + 99_000,
                                  brand="acme", lang="de", early=True)
    assert nothing == [] and again == book
    _, none_opened = IncidentManager(IncidentParams(persistence_buckets=2)).step(
        manager.initial_state(), [signal("comment_flood", "t")], now_ms=T0, brand="acme", lang="en", early=True)
    assert none_opened == []


def test_ids_are_deterministic_and_distinct() -> None:
    a = incident_id_for("acme", "owned_post_backlash", "reply-1", T0, T0 + BUCKET)
    assert a == incident_id_for("acme", "owned_post_backlash", "reply-1", T0, T0 + BUCKET)
    assert len({a, incident_id_for("acme", "comment_flood", "reply-1", T0, T0 + BUCKET),
                incident_id_for("other", "owned_post_backlash", "reply-1", T0, T0 + BUCKET),
                incident_id_for("acme", "owned_post_backlash", "reply-1", T0 + BUCKET, T0 + BUCKET),
                incident_id_for("acme", "owned_post_backlash", "reply-1", T0, T0 + 2 * BUCKET)}) == 5


def test_a_second_wave_after_the_cooldown_is_a_new_incident_not_a_reopened_one() -> None:
    """An outside tester's rude reply at 3 a.m. resolved before the morning wave and was then
    published as ``opened`` again under the resolved incident's id."""
    manager = IncidentManager()
    params = manager.params
    quiet_buckets = params.quiet_ms // BUCKET + 1
    wave = [signal("owned_post_backlash", "reply-1", origin="self_inflicted")]
    _, out = drive(manager, [wave, *[[]] * quiet_buckets, wave])
    # The morning wave came right after the resolve: no cooldown holds a thread's second
    # wave back (its detector decides what a second wave is).
    assert statuses(out) == [(0, "opened", "owned_post_backlash"),
                             (params.quiet_ms // BUCKET, "resolved", "owned_post_backlash"),
                             (quiet_buckets + 1, "opened", "owned_post_backlash")]
    first, second = out[0][1], out[2][1]
    assert first.trigger == second.trigger and first.started_at_ms == second.started_at_ms
    assert first.incident_id != second.incident_id


def test_first_actions_fit_the_type() -> None:
    _, out = drive(IncidentManager(), [[signal("moderation_backlash", "p", origin="self_inflicted")]])
    actions = " ".join(out[0][1].first_actions)
    assert "deleting" in actions and out[0][1].level == "warning"


def test_a_resolved_spike_does_not_hold_back_a_share_shift() -> None:
    manager = IncidentManager()
    book, out = drive(manager, [[signal("negative_spike")], *[[]] * 24])
    assert [incident.status for _, incident in out] == ["opened", "resolved"]
    later = T0 + 26 * BUCKET
    book, spike_again = drive(manager, [[signal("negative_spike", onset=later)]], start=later, book=book)
    assert spike_again == []
    _, shift = drive(manager, [[signal("negative_shift", onset=later)]] * 2, start=later, book=book)
    assert [(incident.status, incident.type) for _, incident in shift] == [("opened", "negative_shift")]


@pytest.mark.parametrize(("role", "briefs"), [
    ("executive", "CEO's office"), ("agency", "Brief the agency"), ("owned", "social-media team"),
    ("other", "complaint is fair"),
])
def test_a_comment_floods_briefing_fits_who_wrote_the_post(role: str, briefs: str) -> None:
    """An outside tester's agency reply drew a flood whose first actions said to brief the
    CEO's office; a customer's viral complaint has no CEO or agency to brief."""
    english, german = first_actions("comment_flood", "en", role), first_actions("comment_flood", "de", role)
    assert briefs in english[2]
    assert len(english) == len(german) == len(first_actions("comment_flood", "en"))
    assert english[:2] == first_actions("comment_flood", "en")[:2]


def test_a_moderation_backlash_on_a_flooded_thread_retypes_the_incident_at_once() -> None:
    """Found by an outside tester: a flood on a price post opened, a moderator then hid
    comments and people protested, and the incident stayed a comment flood whose first
    actions never said to stop deleting."""
    manager = IncidentManager()
    flood = signal("comment_flood", "price-post", severity=6, origin="external")
    moderated = dataclasses.replace(signal("moderation_backlash", "price-post", severity=6, origin="self_inflicted"),
                                    trigger=Trigger(event_id="price-post", author_role="owned"))
    _, out = drive(manager, [[flood], [flood], [flood, moderated], [flood, moderated]])
    assert statuses(out) == [(0, "opened", "comment_flood"), (2, "updated", "moderation_backlash")]
    opened, retyped = out[0][1], out[1][1]
    assert retyped.incident_id == opened.incident_id and retyped.origin == "self_inflicted"
    assert retyped.severity == opened.severity  # no escalation: the new cause alone is news
    assert retyped.first_actions == first_actions("moderation_backlash", "en", "owned")


def test_a_lower_ranked_signal_does_not_retype_an_incident() -> None:
    manager = IncidentManager()
    owned = signal("owned_post_backlash", "reply", severity=6, origin="self_inflicted")
    flood = signal("comment_flood", "reply", severity=6, origin="external")
    _, out = drive(manager, [[owned], [owned, flood], [flood]])
    assert statuses(out) == [(0, "opened", "owned_post_backlash")]


def test_summaries_give_times_in_the_brands_time_zone() -> None:
    """An outside tester's 03:06 crisis in Germany read "since 02:06 UTC" at 3 a.m."""
    manager = IncidentManager()
    spike = signal("negative_spike", onset=T0)  # 2026-03-01 12:00 UTC
    _, berlin = manager.step(manager.initial_state(), [spike], now_ms=T0 + BUCKET, brand="acme", lang="de",
                             timezone="Europe/Berlin")
    _, utc = manager.step(manager.initial_state(), [spike], now_ms=T0 + BUCKET, brand="acme", lang="de")
    assert "seit 2026-03-01 13:00 CET" in berlin[0].summary
    assert "seit 2026-03-01 12:00 UTC" in utc[0].summary
    assert berlin[0].started_at_ms == utc[0].started_at_ms  # the fields stay UTC instants


def test_a_flood_on_a_thread_whose_incident_just_resolved_is_cooled_but_a_second_wave_is_not() -> None:
    """Found in the sweep: a leaked post's evening chatter paged as a comment flood 35 minutes
    after its external-post incident resolved. The flood detector has no second-wave rule of
    its own, so the thread's cooldown holds it; the owned-post detector has one."""
    manager = IncidentManager()
    params = manager.params
    quiet_buckets = params.quiet_ms // BUCKET + 1
    external = [signal("external_post_backlash", "leak", origin="external")]
    flood = [signal("comment_flood", "leak", origin="external")]
    _, out = drive(manager, [external, *[[]] * quiet_buckets, flood, *[[]] * (params.cooldown_ms // BUCKET), flood])
    assert statuses(out) == [(0, "opened", "external_post_backlash"),
                             (params.quiet_ms // BUCKET, "resolved", "external_post_backlash"),
                             (quiet_buckets + 2 + params.cooldown_ms // BUCKET, "opened", "comment_flood")]


def test_a_burst_of_the_brands_own_name_says_so() -> None:
    """An outside tester's airline outage read "13 people new to "skyjet" used it within an hour"
    in a brand with 2,300 mentions a day: it is new people naming the brand in anger."""
    from detectors.incident_text import summarize

    burst = Evidence(observed=13, expected=0.4, window_seconds=3600, negative_events=13, total_events=13,
                     top_terms=("skyjet", "website", "app"))

    def text(lang: str, brand: str) -> str:
        return summarize(incident_type="negative_spike", lang=lang, brand=brand, origin="unknown", status="opened",
                         started_at_ms=T0, evidence=burst, trigger=None, term_burst=True)

    english = text("en", "skyjet")
    assert "13 people who had not named skyjet in a negative post before did so within an hour" in english
    german = text("de", "skyjet")
    assert "13 Personen, die skyjet vorher nie in einem negativen Beitrag genannt hatten" in german
    other = text("en", "acme")
    assert '13 people new to "skyjet" used it within an hour' in other
    # The brand's names are the stance rules' (stance.brand_names): not the first part of its
    # registry name, which for deutsche-bahn would be "deutsche".
    assert '13 people new to "skyjet" used it within an hour' in text("en", "skyjet-airlines")
    assert "who had not named skyjetairlines" in summarize(
        incident_type="negative_spike", lang="en", brand="skyjet-airlines", origin="unknown", status="opened",
        started_at_ms=T0, evidence=dataclasses.replace(burst, top_terms=("skyjetairlines",)), trigger=None,
        term_burst=True,
    )


def test_a_backlash_against_the_brands_own_post_gets_steps_for_a_post_not_a_customer() -> None:
    """An outside tester's CEO fee announcement was told to take "the affected customer's case"
    to a private channel: there was no customer, only a decision people objected to."""
    post = Trigger(event_id="ceo-post", author_role="executive", kind="post")
    reply = Trigger(event_id="rude-reply", author_role="owned", kind="reply")
    manager = IncidentManager()
    for trigger, expected in ((post, "Pause scheduled posts"), (reply, "private channel")):
        opened = dataclasses.replace(signal("owned_post_backlash", trigger.event_id, origin="self_inflicted"),
                                     trigger=trigger)
        _, out = drive(manager, [[opened]])
        assert any(expected in step for step in out[0][1].first_actions), out[0][1].first_actions


def test_a_flood_rate_from_the_last_half_hour_says_so() -> None:
    """An outside tester read "20 reactions an hour ...; 6 of 10 events negative" as numbers
    that contradict each other: the rate is the last half hour's, doubled."""
    from detectors.incident_text import summarize

    def text(observed: float) -> str:
        evidence = Evidence(observed=observed, expected=18, window_seconds=3600, negative_events=6, total_events=10)
        return summarize(incident_type="comment_flood", lang="en", brand="acme", origin="self_inflicted",
                         status="opened", started_at_ms=T0, evidence=evidence, trigger=None)

    assert "20 reactions an hour at the last half hour's pace (alert threshold 18); 6 of 10" in text(20)
    assert "10 reactions an hour (alert threshold 18)" in text(10)
