"""Term-burst detector: golden streams (when it must and must not fire), bounds, round trip, engine wiring."""

from __future__ import annotations

import dataclasses
import doctest
import random

import orjson
import pytest

import detectors.terms
from detectors.engine import CrisisEngine, EngineParams
from detectors.incidents import BRAND_CAUSE, Signal
from detectors.jsonable import from_jsonable, to_jsonable
from detectors.terms import TermBurstDetector, TermBurstParams, TermBurstState, TermBurstVerdict
from detectors.testing import T0_MS, enriched
from schemas.records import EnrichedEvent, Evidence, Incident

HOUR_MS = 3_600_000
BUCKET_MS = 300_000
VOCABULARY = [f"word{i}" for i in range(80)]


def ordinary_day(rng: random.Random, day: int, authors: int = 300) -> list[tuple[int, int, list[str]]]:
    """One day of ordinary negative posts: about 12 an hour from a crowd of regulars, three
    words each from a broad vocabulary, and "delay" from 20 different people every morning."""
    posts = []
    for hour in range(24):
        for _ in range(12):
            time_ms = day * 24 * HOUR_MS + hour * HOUR_MS + rng.randrange(HOUR_MS)
            posts.append((time_ms, rng.randrange(authors), rng.sample(VOCABULARY, 3)))
    for index in range(20):
        time_ms = day * 24 * HOUR_MS + 8 * HOUR_MS + rng.randrange(30 * 60_000)
        posts.append((time_ms, 10_000 + day * 100 + index, ["delay", rng.choice(VOCABULARY)]))
    return posts


def run(detector: TermBurstDetector, posts: list[tuple[int, int, list[str]]], state: TermBurstState | None = None,
        start_ms: int = 0, end_ms: int | None = None) -> tuple[TermBurstState, list[tuple[int, tuple[str, ...], int]]]:
    """Observe posts in time order and judge at every 5-minute close; returns (close, terms, observed) of firings."""
    state = detector.initial_state() if state is None else state
    fired = []
    ordered = sorted(posts)
    end_ms = end_ms if end_ms is not None else (ordered[-1][0] // BUCKET_MS + 1) * BUCKET_MS
    close = start_ms + BUCKET_MS
    index = 0
    while close <= end_ms:
        while index < len(ordered) and ordered[index][0] < close:
            time_ms, author, terms = ordered[index]
            state = detector.observe(state, time_ms, author, terms)
            index += 1
        state, verdict = detector.step(state, close)
        if verdict.anomalous:
            fired.append((close, verdict.terms, verdict.observed))
        close += BUCKET_MS
    return state, fired


def test_doctests() -> None:
    failures, tried = doctest.testmod(detectors.terms)
    assert tried > 0 and failures == 0


@pytest.fixture(scope="module")
def warmed() -> tuple[TermBurstDetector, TermBurstState, int]:
    """Three ordinary days (the first is the warm-up): nothing fires."""
    detector = TermBurstDetector()
    rng = random.Random(3)
    posts = [post for day in range(3) for post in ordinary_day(rng, day)]
    state, fired = run(detector, posts, end_ms=3 * 24 * HOUR_MS)
    assert fired == []
    return detector, state, 3 * 24 * HOUR_MS


def test_one_term_from_40_new_authors_in_30_minutes_fires(warmed: tuple[TermBurstDetector, TermBurstState, int]) -> None:
    detector, state, day3 = warmed
    rng = random.Random(5)
    start = day3 + 15 * HOUR_MS
    burst = [(start + i * 45_000, 50_000 + i, ["outage", *rng.sample(VOCABULARY, 2)]) for i in range(40)]
    _, fired = run(detector, burst, state, start_ms=start, end_ms=start + 40 * 60_000)
    assert fired, "40 new authors posting 'outage' within 30 minutes must burst"
    close, terms, observed = fired[0]
    assert terms == ("outage",)
    assert (close, observed) == (start + 10 * 60_000, 14)  # 7 new authors at the 5-minute close: not yet
    assert all(terms == ("outage",) for _, terms, _ in fired)


def test_the_same_40_negatives_spread_over_40_terms_do_not_fire(
    warmed: tuple[TermBurstDetector, TermBurstState, int],
) -> None:
    detector, state, day3 = warmed
    start = day3 + 15 * HOUR_MS
    spread = [(start + i * 45_000, 50_000 + i, [f"complaint{i}", VOCABULARY[i % 80]]) for i in range(40)]
    assert run(detector, spread, state, start_ms=start, end_ms=start + 2 * HOUR_MS)[1] == []


def test_one_author_repeating_a_term_40_times_does_not_fire(
    warmed: tuple[TermBurstDetector, TermBurstState, int],
) -> None:
    detector, state, day3 = warmed
    start = day3 + 15 * HOUR_MS
    repeated = [(start + i * 45_000, 77, ["outage"]) for i in range(40)]
    assert run(detector, repeated, state, start_ms=start, end_ms=start + 2 * HOUR_MS)[1] == []


def test_a_daily_recurring_term_does_not_fire_but_the_same_crowd_on_a_new_term_does(
    warmed: tuple[TermBurstDetector, TermBurstState, int],
) -> None:
    detector, state, day3 = warmed
    morning = day3 + 8 * HOUR_MS
    crowd = [(morning + i * 90_000, 20_000 + i, ["delay"]) for i in range(20)]  # 20 people never seen before
    assert run(detector, crowd, state, start_ms=morning, end_ms=morning + HOUR_MS)[1] == []
    novel = [(time_ms, author, ["strike"]) for time_ms, author, _ in crowd]
    assert run(detector, novel, state, start_ms=morning, end_ms=morning + HOUR_MS)[1]


def test_nothing_fires_during_the_warm_up() -> None:
    detector = TermBurstDetector()
    burst = [(HOUR_MS + i * 45_000, i, ["outage"]) for i in range(40)]
    assert run(detector, burst, end_ms=3 * HOUR_MS)[1] == []
    assert run(TermBurstDetector(TermBurstParams(warmup_ms=0)), burst, end_ms=3 * HOUR_MS)[1]


def test_a_campaign_building_for_hours_keeps_firing_and_is_not_learnt(
    warmed: tuple[TermBurstDetector, TermBurstState, int],
) -> None:
    detector, state, day3 = warmed
    start = day3 + 10 * HOUR_MS
    per_hour = (5, 14, 25, 40)
    campaign = [
        (start + hour * HOUR_MS + i * (HOUR_MS // count), 90_000 + hour * 100 + i, ["#boycott", "boycott"])
        for hour, count in enumerate(per_hour) for i in range(count)
    ]
    state, fired = run(detector, campaign, state, start_ms=start, end_ms=start + 4 * HOUR_MS)
    fired_hours = {(close - start - 1) // HOUR_MS for close, _, _ in fired}
    assert fired_hours == {1, 2, 3}
    assert state.slots["boycott"].usual <= detector.params.protect_share * detector.params.min_authors


def test_state_stays_bounded_and_forgets_rare_terms() -> None:
    params = TermBurstParams(max_terms=16, max_authors=20, warmup_ms=0)
    detector = TermBurstDetector(params)
    posts = [(i * 1_000, i, [f"unique{i}", "common"]) for i in range(500)]
    state, _ = run(detector, posts, end_ms=HOUR_MS)
    assert len(state.slots) <= params.max_terms
    assert all(len(slot.authors) == len(slot.first_ms) <= params.max_authors for slot in state.slots.values())
    assert "common" in state.slots
    later, _ = run(detector, [], state, start_ms=HOUR_MS, end_ms=8 * HOUR_MS)
    assert set(later.slots) <= {"common"}  # rare terms with nobody recent are dropped


def test_state_round_trips_through_json_and_steps_are_pure(
    warmed: tuple[TermBurstDetector, TermBurstState, int],
) -> None:
    detector, state, day3 = warmed
    restored = from_jsonable(TermBurstState, orjson.loads(orjson.dumps(to_jsonable(state))))
    assert restored == state
    before = to_jsonable(state)
    again = detector.observe(state, day3 + 60_000, 4, ["outage"])
    assert to_jsonable(state) == before
    assert detector.step(again, day3 + BUCKET_MS) == detector.step(
        detector.observe(restored, day3 + 60_000, 4, ["outage"]), day3 + BUCKET_MS
    )


@pytest.mark.parametrize("changes", [
    {"window_ms": 0}, {"memory_ms": 60_000}, {"min_authors": 1}, {"factor": 0.5}, {"max_authors": 5},
    {"max_terms": 0}, {"protect_share": 0.0}, {"usual_halflife_hours": 0.0}, {"warmup_ms": -1},
])
def test_bad_parameters_raise(changes: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        dataclasses.replace(TermBurstParams(), **changes)


def test_only_negative_posts_of_their_own_count() -> None:
    detector = TermBurstDetector()
    state = detector.initial_state()
    for event in (
        enriched("reply", 0, parent="p", negative=True, text="outage again"),
        enriched("happy", 0, text="no outage today"),
        enriched("gone", 0, kind="deletion", negative=True, text="outage"),
    ):
        assert detector.observe_event(state, event) == state
    state = detector.observe_event(state, enriched("post", 0, negative=True, text="Outage, outage! #AppDown"))
    assert sorted(state.slots) == ["appdown", "outage"]
    assert all(len(slot.authors) == 1 for slot in state.slots.values())


def _engine_stream(burst_texts: list[str]) -> list[EnrichedEvent]:
    """Three quiet hours of varied negative posts, then 40 new authors within 30 minutes."""
    rng = random.Random(11)
    events = []
    for index in range(3 * 12 * 8):
        offset = index * (BUCKET_MS // 8) + rng.randrange(BUCKET_MS // 8)
        words = " ".join(rng.sample(VOCABULARY, 3))
        events.append(enriched(f"bg{index}", offset, author=f"regular{rng.randrange(150)}", negative=True, text=words))
    start = 3 * HOUR_MS
    for index, text in enumerate(burst_texts):
        events.append(enriched(f"c{index}", start + index * 45_000, author=f"new{index}", negative=True, text=text))
    return sorted(events, key=lambda event: event.event.created_at_ms)


def _incidents(
    events: list[EnrichedEvent], engine: CrisisEngine | None = None, brand: str = "acme", lang: str = "en",
    flush_after_ms: int = HOUR_MS,
) -> list[Incident]:
    """Replays ``events`` (by default with the term burst's warm-up shortened to an hour)."""
    engine = engine or CrisisEngine(EngineParams(terms=TermBurstParams(warmup_ms=HOUR_MS)))
    state = engine.initial_state(brand, lang)
    incidents = []
    for event in events:
        state, output = engine.step(state, event)
        incidents += output.incidents
    state, output = engine.flush(state, events[-1].event.created_at_ms + flush_after_ms)
    return [*incidents, *output.incidents]


def test_engine_opens_a_negative_spike_naming_the_bursting_term() -> None:
    texts = [f"Not buying a ticket #BoycottAcme {VOCABULARY[i]}" for i in range(40)]
    opened = [incident for incident in _incidents(_engine_stream(texts)) if incident.status == "opened"]
    assert [(i.type, i.origin, i.trigger) for i in opened] == [("negative_spike", "unknown", None)]
    assert opened[0].evidence.top_terms[:3] == ("boycottacme", "buying", "ticket")
    # The burst's own numbers, not the bucket's (an opening read "1 vs about 1 expected").
    evidence = opened[0].evidence
    assert evidence.window_seconds == 3600
    assert evidence.observed == evidence.negative_events >= 12 > evidence.expected
    # Said as what it is: a brand with hundreds of complaints a day read "15 vs about 0 expected".
    assert f'{evidence.observed:.0f} people new to "boycottacme" used it within an hour' in opened[0].summary


def test_a_bursts_platforms_and_samples_are_the_campaigns_not_the_buckets() -> None:
    """The page's sample posts are what a person opens first: while ordinary complaints go on
    (on Facebook), a boycott on Instagram must show its own posts, not the last bucket's."""
    events = [
        enriched(f"bg{index}", index * (BUCKET_MS // 8), author=f"regular{index % 150}", negative=True,
                 text=f"complaint{index} about{index}", platform="facebook")
        for index in range(4 * 12 * 8)
    ]
    events += [
        enriched(f"c{index}", 3 * HOUR_MS + index * 120_000, author=f"new{index}", negative=True,
                 text=f"Not buying a ticket #BoycottAcme {VOCABULARY[index]}", platform="instagram")
        for index in range(30)
    ]
    opened = [i for i in _incidents(sorted(events, key=lambda e: e.event.created_at_ms)) if i.status == "opened"]
    assert [(i.type, "boycottacme" in i.evidence.top_terms) for i in opened] == [("negative_spike", True)]
    evidence = opened[0].evidence
    assert evidence.platforms == {"instagram": evidence.observed}
    assert evidence.sample_event_ids and all(event_id.startswith("c") for event_id in evidence.sample_event_ids)


def test_the_bucket_reports_show_the_burst_as_the_negative_spike_score() -> None:
    texts = [f"Not buying a ticket #BoycottAcme {VOCABULARY[i]}" for i in range(40)]
    engine = CrisisEngine(EngineParams(terms=TermBurstParams(warmup_ms=HOUR_MS)))
    state = engine.initial_state("acme")
    reports = []
    for event in _engine_stream(texts):
        state, output = engine.step(state, event)
        reports += output.buckets
    assert max(report.scores["negative_spike"] for report in reports) >= 0.5


def test_engine_stays_quiet_when_the_same_posts_use_different_words() -> None:
    assert _incidents(_engine_stream([f"#Complaint{i} {VOCABULARY[i]}" for i in range(40)])) == []


def test_a_burst_in_the_same_bucket_as_a_volume_spike_is_one_spike_naming_the_terms() -> None:
    engine = CrisisEngine()
    evidence = Evidence(observed=30, expected=9, window_seconds=300, negative_events=30, total_events=70,
                        top_terms=("delay", "late"))
    spike = Signal(type="negative_spike", cause=BRAND_CAUSE, origin="unknown", severity=6, onset_ms=0,
                   trigger=None, evidence=evidence)
    burst = TermBurstVerdict(score=0.6, anomalous=True, terms=("outage",), observed=18, expected=0.0,
                             onset_ms=-600_000, warming_up=False)
    merged = engine._with_term_burst([spike], burst, evidence, 0)
    assert merged == [dataclasses.replace(spike, evidence=dataclasses.replace(evidence, top_terms=("outage", "delay", "late")))]
    alone = engine._with_term_burst([], burst, evidence, 0)
    assert [(s.type, s.cause, s.origin, s.trigger, s.onset_ms, s.evidence.top_terms) for s in alone] == [
        ("negative_spike", BRAND_CAUSE, "unknown", None, -600_000, ("outage", "delay", "late"))
    ]
    of_open_thread = engine._with_term_burst([], burst, evidence, 0, {"t1": frozenset({"delay"}), "t2": frozenset({"outage"})})
    assert [s.attribute_to for s in of_open_thread] == ["t2"]
    quiet = dataclasses.replace(burst, anomalous=False, terms=())
    assert engine._with_term_burst([spike], quiet, evidence, 0) == [spike]


def test_a_slot_stored_before_platforms_were_kept_counts_its_platforms_from_then_on() -> None:
    detector = TermBurstDetector(TermBurstParams(warmup_ms=0))
    state = detector.initial_state()
    for index in range(12):
        state = detector.observe(state, index * 60_000, author=index, terms=["outage"], event_id=f"e{index}", platform="forum")
    stored = to_jsonable(state)
    for slot in stored["slots"].values():
        del slot["platforms"]
    state = from_jsonable(TermBurstState, orjson.loads(orjson.dumps(stored)))
    state = detector.observe(state, 13 * 60_000, author=99, terms=["outage"], event_id="late", platform="news")
    state, verdict = detector.step(state, 15 * 60_000)
    assert verdict.anomalous and verdict.observed == 13
    assert verdict.platforms == {"news": 1}
    assert verdict.sample_event_ids == ("e8", "e9", "e10", "e11", "late")


# ------------------------------------------------------------------ calls for a boycott


def _boycott_stream(calls: list[tuple[str, str, str | None]], brand: str = "zestoo") -> list[EnrichedEvent]:
    """A day and a half of ordinary posts (a negative one every 20 minutes), then ``calls``
    (author, text, kind) five minutes apart from 36 h on; replies hang on an ordinary post."""
    rng = random.Random(5)
    events = [
        enriched(f"bg{index}", index * 600_000, brand=brand, author=f"regular{rng.randrange(40)}",
                 negative=index % 2 == 0, text=" ".join(rng.sample(VOCABULARY, 3)))
        for index in range(6 * 42)
    ]
    start = 36 * HOUR_MS
    for index, (author, text, kind) in enumerate(calls):
        parent = "bg200" if kind in ("reply", "share") else None
        events.append(enriched(f"call{index}", start + index * BUCKET_MS + 1_000, brand=brand, author=author,
                               kind=kind, parent=parent, negative=True, text=text))
    return sorted(events, key=lambda event: event.event.created_at_ms)


def _run_engine(events: list[EnrichedEvent], lang: str = "en") -> list[Incident]:
    """Replays with the default parameters (a day of warm-up)."""
    return _incidents(events, CrisisEngine(), "zestoo", lang, flush_after_ms=BUCKET_MS)


CALLS = [
    ("ana", "Riders deserve better. #BoycottZestoo", None),
    ("ben", "Zestoo-Boykott ab heute, wer macht mit?", "reply"),
    ("cem", "#boycottzestoo trending in Leeds and I'm here for it", "share"),
    ("dora", "Time to boycott Zestoo until the couriers get paid", None),
]


def test_four_people_calling_for_a_boycott_of_the_brand_open_a_negative_spike_that_says_so() -> None:
    """Four calls in 16 minutes, each a few negative events among ordinary traffic (no volume
    spike, no term used by 12 people): an outside tester's boycott waited 65 minutes for one."""
    opened = [i for i in _run_engine(_boycott_stream(CALLS)) if i.status == "opened"]
    assert [(i.type, i.origin, i.trigger) for i in opened] == [("negative_spike", "unknown", None)]
    incident = opened[0]
    start = T0_MS + 36 * HOUR_MS
    assert incident.started_at_ms == start + 1_000
    assert start + 3 * BUCKET_MS < incident.detected_at_ms <= start + 4 * BUCKET_MS + 2 * 60_000
    assert incident.evidence.top_terms[0] == "#boycottzestoo"
    assert (incident.evidence.observed, incident.evidence.negative_events, incident.evidence.window_seconds) == (4, 4, 3600)
    assert "4 people called for a boycott of zestoo within an hour" in incident.summary


def test_three_callers_one_caller_repeating_or_a_competitors_boycott_stay_quiet() -> None:
    assert _run_engine(_boycott_stream(CALLS[:3])) == []
    repeated = [("ana", text, kind) for _, text, kind in CALLS * 2]
    assert _run_engine(_boycott_stream(repeated)) == []
    competitor = [(author, text.replace("Zestoo", "Zarella").replace("zestoo", "zarella"), kind)
                  for author, text, kind in CALLS * 2]
    assert _run_engine(_boycott_stream(competitor)) == []


def test_the_brands_own_accounts_quoting_a_boycott_are_not_callers() -> None:
    events = _boycott_stream(CALLS[:3])
    answer = enriched("answer", 36 * HOUR_MS + 30 * 60_000, brand="zestoo", author="zestoo_uk", role="owned",
                      text="We hear the calls to boycott Zestoo and we are talking to the riders today.")
    assert _run_engine(sorted([*events, answer], key=lambda event: event.event.created_at_ms)) == []


def test_calls_during_the_brands_first_day_do_not_fire_and_the_clock_starts_at_its_first_event() -> None:
    background = [event for event in _boycott_stream([]) if event.event.created_at_ms - T0_MS < 30 * HOUR_MS]

    def calls(start_ms: int, prefix: str, count: int) -> list[EnrichedEvent]:
        return [enriched(f"{prefix}{i}", start_ms + i * BUCKET_MS, brand="zestoo", author=f"{prefix}{i}",
                         negative=True, text=CALLS[i % len(CALLS)][1]) for i in range(count)]

    def opened(events: list[EnrichedEvent]) -> list[tuple[str, str]]:
        ordered = sorted([*background, *events], key=lambda event: event.event.created_at_ms)
        return [(i.type, i.evidence.top_terms[0]) for i in _run_engine(ordered) if i.status == "opened"]

    assert opened(calls(11 * HOUR_MS, "early", 8)) == []
    # One call in the first day, then eight 26 hours after the brand's first event but 15 after
    # that call: the warm-up is over only if its clock started at the brand's first event.
    assert opened([*calls(11 * HOUR_MS, "early", 1), *calls(26 * HOUR_MS, "late", 8)]) == [
        ("negative_spike", "#boycottzestoo")
    ]


def test_a_german_brand_reads_the_boycott_in_german() -> None:
    opened = [i for i in _run_engine(_boycott_stream(CALLS), lang="de") if i.status == "opened"]
    assert "4 Personen riefen innerhalb einer Stunde zum Boykott von zestoo auf" in opened[0].summary


def test_a_brand_state_saved_before_boycott_calls_were_kept_loads_and_goes_on() -> None:
    from detectors.engine import brand_state_from_dict, brand_state_to_dict

    engine = CrisisEngine()
    state = engine.initial_state("zestoo")
    for event in _boycott_stream([])[:50]:
        state, _ = engine.step(state, event)
    stored = brand_state_to_dict(state)
    stored.pop("boycott_calls", None)
    restored = brand_state_from_dict(orjson.loads(orjson.dumps(stored)))
    assert restored.boycott_calls == TermBurstState()
    assert restored == dataclasses.replace(state, boycott_calls=TermBurstState())


def test_calls_for_a_boycott_inside_an_open_threads_incident_join_it() -> None:
    """A thread's words carry no "#": calls posted as replies in an open backlash would otherwise
    open a second, brand-wide incident (found in review)."""
    engine = CrisisEngine()
    evidence = Evidence(observed=4, expected=0, window_seconds=300, negative_events=4, total_events=9)
    calls = TermBurstVerdict(score=0.5, anomalous=True, terms=("#boycottzestoo",), observed=4, expected=0.0,
                             onset_ms=0, warming_up=False)
    joined = engine._with_term_burst([], calls, evidence, 0, {"t1": frozenset({"boycottzestoo", "price"})}, leads=True)
    assert [(s.type, s.attribute_to) for s in joined] == [("negative_spike", "t1")]
