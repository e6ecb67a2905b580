"""Thread tracking and detectors 3-6 on golden streams: the exact event where each must fire."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detectors.backlash import (
    CommentFloodDetector,
    ExternalPostBacklashDetector,
    FloodParams,
    FloodState,
    ModerationBacklashDetector,
    OwnedPostBacklashDetector,
    ThreadVerdict,
)
from detectors.jsonable import from_jsonable, to_jsonable
from detectors.testing import T0_MS, enriched
from detectors.threads import (
    PostInfo,
    ThreadBook,
    ThreadParams,
    ThreadState,
    ThreadTracker,
    bounded_count,
    is_deletion_complaint,
    is_hostile_text,
    objects_to_tone,
    quoted_spans,
    shows_a_brand_reply,
    space_saving,
    top_keys,
)
from schemas.records import EnrichedEvent

MINUTE = 60_000
HOUR = 60 * MINUTE

Judge = Callable[[ThreadState, int], ThreadVerdict]


def fold(tracker: ThreadTracker, events: Sequence[EnrichedEvent]) -> ThreadBook:
    """The thread book after ``events``, from an empty one."""
    book = tracker.initial_state()
    for event in events:
        book = tracker.observe(book, event)
    return book


def first_firing(events: Sequence[EnrichedEvent], thread_id: str, judge: Judge,
                 tracker: ThreadTracker | None = None) -> int | None:
    """Index of the first event after which ``judge`` fires on the thread (judged at that event's time)."""
    tracker = tracker or ThreadTracker()
    book = tracker.initial_state()
    for index, event in enumerate(events):
        book = tracker.observe(book, event)
        thread = book.threads.get(thread_id)
        if thread is not None and judge(thread, event.event.created_at_ms + 1).fired:
            return index
    return None


def rude_thread(reactions: int, same_author: bool = False) -> list[EnrichedEvent]:
    events = [
        enriched("q", 0, author="anna", negative=True, text="Train cancelled, I want a refund"),
        enriched("rude", MINUTE, parent="q", role="owned", author="acme", negative=True,
                 text="Not our problem. Read the terms."),
    ]
    events += [
        enriched(f"r{i}", 2 * MINUTE + i * 30_000, parent="rude", root="q", negative=True,
                 author="troll" if same_author else f"angry{i}", text="Arrogant answer")
        for i in range(reactions)
    ]
    return events


def test_replies_to_a_reply_everybody_answers_stay_in_its_thread_on_a_busy_brand() -> None:
    # Found at the 2000-events-an-hour variant: a thousand later replies pushed the brand's
    # rude reply out of the alias table, and the rest of the outrage opened a second incident
    # on a thread without a root.
    tracker = ThreadTracker(ThreadParams(max_aliases=10))
    book = tracker.initial_state()
    book = tracker.observe(book, enriched("q", 0, negative=True, text="Train cancelled"))
    book = tracker.observe(book, enriched("rude", MINUTE, parent="q", role="owned", text="Not our problem."))
    for i in range(40):
        book = tracker.observe(book, enriched(f"other{i}", 2 * MINUTE + i * 1000, parent="q"))
        book = tracker.observe(book, enriched(f"r{i}", 2 * MINUTE + i * 1000 + 500, parent="rude", negative=True))
    assert "rude" not in book.threads
    assert book.threads["q"].negative_reactions == 40
    assert len(book.aliases or {}) == 10


# ---------------------------------------------------------------- owned posts

def test_owned_backlash_fires_at_the_fifth_distinct_negative_reactor() -> None:
    owned = OwnedPostBacklashDetector()
    assert first_firing(rude_thread(10), "q", owned.assess) == 2 + 4


def test_owned_backlash_ignores_one_person_reacting_many_times() -> None:
    owned = OwnedPostBacklashDetector()
    assert first_firing(rude_thread(30, same_author=True), "q", owned.assess) is None


def test_a_polite_service_reply_needs_a_real_pile_on() -> None:
    owned = OwnedPostBacklashDetector()
    events = [enriched("q", 0, negative=True, text="Train cancelled"),
              enriched("help", MINUTE, parent="q", role="owned", negative=True, score=-0.6,
                       text="Sorry to hear that! Please DM us your booking number.")]
    events += [enriched(f"r{i}", 2 * MINUTE + i * 30_000, parent="help", root="q", negative=True,
                        text="Same here") for i in range(12)]
    assert first_firing(events, "q", owned.assess) == 2 + 11


def spread_thread(negative: int, bare_shares: int, positive: int = 0, hostile: bool = True) -> list[EnrichedEvent]:
    """A brand reply, then bare quote-shares (no words, read as neutral) and negative replies by
    distinct people, interleaved: share, share, negative, share, share, negative, ..."""
    events = [
        enriched("q", 0, author="anna", negative=True, text="Train cancelled, I want a refund"),
        enriched("reply", MINUTE, parent="q", role="owned", author="acme", negative=hostile,
                 text="Not our problem. Read the terms." if hostile else "Thanks, we are looking into it."),
    ]
    kinds = ["share"] * bare_shares + ["negative"] * negative + ["positive"] * positive
    order = sorted(range(len(kinds)), key=lambda i: (i % 3 if kinds[i] == "share" else 2, i))
    for step, index in enumerate(order):
        kind = kinds[index]
        events.append(enriched(
            f"x{index}", 2 * MINUTE + step * 30_000, parent="reply", root="q", author=f"p{index}",
            kind="share" if kind == "share" else "reply", negative=kind == "negative",
            text=None if kind == "share" else ("Arrogant answer" if kind == "negative" else "Well said"),
        ))
    return events


def test_a_hostile_reply_spread_by_bare_quote_shares_fires_at_the_third_negative_voice() -> None:
    """The outrage at a hostile remark travels as quote-shares without words of their own: once
    3 people object, everyone who spread it counts towards the 5 (executive_weekend_remark)."""
    owned = OwnedPostBacklashDetector()
    events = spread_thread(negative=3, bare_shares=6)
    fired = first_firing(events, "q", owned.assess)
    assert fired is not None and events[fired].event.id == "x8"  # the third negative reply
    thread = ThreadTracker().initial_state()
    for event in events:
        thread = ThreadTracker().observe(thread, event)
    assert len(thread.threads["q"].spreaders_after_brand) == 9


def screenshot_crowd(texts: Sequence[str], *, brand_text: str = "Then order somewhere else. We won't miss you.",
                     first_ms: int = 10 * MINUTE) -> list[EnrichedEvent]:
    """A customer's complaint, the brand's reply to it, then posts of their own (no parent)."""
    return [
        enriched("q", 0, text="Third time this week you delivered the wrong food."),
        enriched("rude", MINUTE, parent="q", role="owned", negative=True, score=-0.6, text=brand_text),
        *(enriched(f"s{i}", first_ms + i * MINUTE, negative=True, text=text) for i, text in enumerate(texts)),
    ]


def test_screenshots_and_quotes_of_a_hostile_reply_count_as_reactions_to_it() -> None:
    """An outside tester's rude reply spread only as screenshots and quotes in posts of their own:
    found at 76 min in English and missed in German; these posts are reactions to the reply."""
    texts = [
        "Screenshot: this is how @acme talks to customers 'Then order somewhere else.' Wow.",
        "'We won't miss you' did acme really write that??",
        "screenshot going round of acme being rude to a customer, brutal",
        "Screenshot: So redet @acme mit Kunden. Unterirdisch.",
        "Unbelievable 'order somewhere else' from acme",
    ]
    events = screenshot_crowd(texts)
    fired = first_firing(events, "q", OwnedPostBacklashDetector().assess)
    assert fired is not None and events[fired].event.id == "s4"
    thread = fold(ThreadTracker(), events).threads["q"]
    assert thread.trigger().event_id == "rude"
    assert len(thread.negative_reactors_after_brand) == 5


def test_a_screenshot_post_and_its_replies_join_the_hostile_replys_thread() -> None:
    """A review found a screenshot post with reach enough for a thread of its own counted twice,
    so an external-post backlash on it could open beside the reply's own backlash."""
    shot = enriched("shot", 10 * MINUTE, reach=0.9, negative=True,
                    text="Screenshot: this is how @acme replies to customers. 'Then order somewhere else.'")
    replies = [enriched(f"a{i}", 12 * MINUTE + i * MINUTE, parent="shot", negative=True, text="Unbelievable")
               for i in range(4)]
    book = fold(ThreadTracker(), [*screenshot_crowd([]), shot, *replies])
    assert set(book.threads) == {"q"}
    assert len(book.threads["q"].negative_reactors_after_brand) == 5
    assert OwnedPostBacklashDetector().assess(book.threads["q"], 17 * MINUTE + T0_MS).fired


@pytest.mark.parametrize(
    ("case", "brand_text", "first_ms"),
    [
        ("a polite reply", "Sorry about that, please DM us your order number.", 10 * MINUTE),
        ("posted before the reply", "Then order somewhere else. We won't miss you.", -30 * MINUTE),
        ("13 hours after it", "Then order somewhere else. We won't miss you.", 13 * HOUR),
    ],
)
def test_screenshots_count_only_for_a_hostile_reply_and_only_after_it(case: str, brand_text: str, first_ms: int) -> None:
    texts = ["Screenshot: 'Then order somewhere else.' Wow."] * 6
    thread = fold(ThreadTracker(), screenshot_crowd(texts, brand_text=brand_text, first_ms=first_ms)).threads["q"]
    assert thread.reactions == 0, case


@pytest.mark.parametrize(("text", "refers"), [
    ("Screenshot: this is how @acme talks to customers", True),
    ("Bildschirmfoto von der Antwort anbei", True),
    ("'We won't miss you' - wow", True),
    ("„Wir vermissen dich nicht“ – echt jetzt?", True),
    ('Then they wrote "order somewhere else"', True),
    ("Don't worry, it won't happen again", False),
    ("acme's reply was quick", False),
    ("the screen of my phone is broken", False),
    ("'ok'", False),
    ("", False),
    # found by a review: apostrophes that open nothing, an inch mark, a screenshot of something else
    ("hab 'ne Frage zu meiner Bestellung", False),
    ("rock 'n' roll merch, the 90's called", False),
    ('27" monitor arrived broken', False),
    ("Here's a screenshot of my refund status, still nothing", False),
])
def test_what_shows_or_quotes_a_post(text: str, refers: bool) -> None:
    assert (shows_a_brand_reply(text) or bool(quoted_spans(text))) == refers


def test_a_post_quoting_other_words_is_not_a_reaction_to_the_hostile_reply() -> None:
    texts = ["'Best pizza in town' they said. Cold again.", "My 'express' delivery took two hours",
             "Here's a screenshot of my order, still not here", "'new' order somewhere else menu is tiny"] * 2
    thread = fold(ThreadTracker(), screenshot_crowd(texts)).threads["q"]
    assert thread.reactions == 0


def test_a_fired_backlash_reports_no_fewer_than_the_people_it_counted() -> None:
    """The incident says "N negative reactions or shares (alert threshold 5)": N is never below
    what the gate counted. It reported the 3 negative replies while the spreaders had made the 5
    (the demo's opening read "3 negative reactions (alert threshold 5)")."""
    owned, tracker = OwnedPostBacklashDetector(), ThreadTracker()
    events = spread_thread(negative=3, bare_shares=6)
    fired = first_firing(events, "q", owned.assess)
    assert fired is not None
    book = fold(tracker, events[: fired + 1])
    thread = book.threads["q"]
    verdict = owned.assess(thread, events[fired].event.created_at_ms + 1)
    assert verdict.negative_events == 3
    assert verdict.observed == len(thread.spreaders_after_brand) >= verdict.expected == 5


def test_a_rude_reply_already_in_an_incident_fires_again_only_on_a_second_wave() -> None:
    """Found reading the sweep's incidents: the people against a rude reply are counted for ever,
    so a straggler 10 hours later re-opened its resolved incident as critical (rude_reply at
    small_crowd seed 1, agency_quote_storm at small seed 1). A new wave is news again."""
    owned, tracker = OwnedPostBacklashDetector(), ThreadTracker()
    book = fold(tracker, rude_thread(60))
    assert owned.assess(book.threads["q"], T0_MS + 32 * MINUTE).fired
    book = tracker.flag(book, "q")

    def later(count: int, spacing_ms: int) -> ThreadState:
        tail = book
        for i in range(count):
            tail = tracker.observe(tail, enriched(f"t{i}", 10 * HOUR + i * spacing_ms, parent="rude", root="q",
                                                  author=f"late{i}", negative=True, text="Still arrogant"))
        return tail.threads["q"]

    stragglers = later(6, 8 * MINUTE)
    ten_o_clock = T0_MS + 11 * HOUR
    assert not owned.assess(stragglers, ten_o_clock).fired
    assert owned.assess(replace(stragglers, flagged=False), ten_o_clock).fired
    assert owned.assess(later(40, MINUTE), ten_o_clock).fired
    # While its incident is open, a night-time pace of 2 an hour keeps it open (it resolves after
    # a quiet period, not as soon as the pile-on slows); one an hour lets it resolve.
    assert owned.assess(replace(stragglers, incident_open=True), ten_o_clock).fired
    assert owned.assess(replace(later(2, 20 * MINUTE), incident_open=True), T0_MS + 10 * HOUR + 50 * MINUTE).fired
    assert not owned.assess(replace(later(2, 20 * MINUTE), incident_open=True), T0_MS + 11 * HOUR + 10 * MINUTE).fired


def test_a_hostile_brand_reply_after_an_earlier_incident_on_its_thread_is_news() -> None:
    """Found in review: the second-wave rule was keyed on the thread, so a brand post whose
    friendly pile-on had been an incident hid a rude reply posted hours later in the same thread
    until half the old busiest hour's rate came back (10 objectors within 40 minutes did not fire).
    The paged brand post is remembered; a newer hostile one is news of its own."""
    owned, tracker = OwnedPostBacklashDetector(), ThreadTracker()
    events = [enriched("post", 0, role="owned", text="Our new timetable starts on Monday")]
    events += [enriched(f"f{i}", 12_000 * i, parent="post", author=f"fan{i}", text="Looks good")
               for i in range(300)]
    book = fold(tracker, events)
    book = tracker.mark_incidents(book, ["post"])
    assert book.threads["post"].paged_brand_post == "post"
    book = tracker.mark_incidents(book, [])
    book = tracker.observe(book, enriched("rude", 5 * HOUR, parent="f7", root="post", role="agency",
                                          negative=True, text="Not our problem. Read the terms."))
    for i in range(10):
        book = tracker.observe(book, enriched(f"x{i}", 5 * HOUR + (i + 1) * 4 * MINUTE, parent="rude", root="post",
                                              author=f"objector{i}", negative=True, text="What an arrogant answer"))
    thread = book.threads["post"]
    assert thread.flagged and thread.brand_post is not None and thread.brand_post.event_id == "rude"
    assert owned.assess(thread, T0_MS + 5 * HOUR + 41 * MINUTE).fired
    # The same reply once paged is a straggler again: it needs a second wave.
    paged = tracker.flag(book, "post").threads["post"]
    assert paged.paged_brand_post == "rude"
    assert not owned.assess(paged, T0_MS + 5 * HOUR + 41 * MINUTE).fired


def test_a_threads_top_terms_are_its_outrage_not_its_first_forty_words() -> None:
    """Found reading the held-out incidents: a thread kept its first 40 distinct words and
    counted no new ones, so a moderated post's incident named "alle, allowed, anymore, anyone,
    anyway" (early grumbles with one use each) instead of the protest."""
    tracker = ThreadTracker()
    book = tracker.initial_state()
    small_talk = [f"word{i:02d} other{i:02d}" for i in range(30)]
    events = [enriched("post", 0, role="owned", text="New seat reservation fees")]
    events += [enriched(f"c{i}", MINUTE * (i + 1), parent="post", negative=True, text=text)
               for i, text in enumerate(small_talk)]
    events += [enriched(f"p{i}", HOUR + MINUTE * i, parent="post", author=f"protester{i}", negative=True,
                        text="Zensur! Kommentare verschwinden") for i in range(6)]
    for event in events:
        book = tracker.observe(book, event)
    thread = book.threads["post"]
    assert len(thread.terms or {}) <= tracker.params.max_terms
    top = sorted((thread.terms or {}).items(), key=lambda item: -item[1])[:3]
    assert {term for term, _ in top} == {"zensur", "kommentare", "verschwinden"}


def _space_saving_reference(counts: dict[str, int], keys: list[str], limit: int) -> dict[str, int]:
    """Space-saving the plain way: every new key replaces the oldest of the least counted."""
    updated = dict(counts)
    for key in keys:
        if key in updated:
            updated[key] += 1
        elif len(updated) < limit:
            updated[key] = 1
        elif limit > 0:
            evicted = min(updated, key=updated.__getitem__)
            updated[key] = updated.pop(evicted) + 1
    return updated


@settings(max_examples=300, deadline=None)
@given(
    batches=st.lists(st.lists(st.sampled_from([f"w{i}" for i in range(12)]), max_size=8), max_size=12),
    limit=st.integers(min_value=0, max_value=6),
)
def test_bounded_count_is_space_saving(batches: list[list[str]], limit: int) -> None:
    """The queue of least counted keys finds the same key to replace as a scan would, in the same order."""
    fast: dict[str, int] = {}
    reference: dict[str, int] = {}
    for keys in batches:
        fast = dict(bounded_count(fast, keys, limit))
        reference = _space_saving_reference(reference, keys, limit)
        assert list(fast.items()) == list(reference.items())
        assert len(fast) <= limit


def test_bare_shares_alone_or_of_a_polite_reply_do_not_make_a_backlash() -> None:
    owned = OwnedPostBacklashDetector()
    assert first_firing(spread_thread(negative=2, bare_shares=20), "q", owned.assess) is None
    assert first_firing(spread_thread(negative=2, bare_shares=0, positive=20), "q", owned.assess) is None
    assert first_firing(spread_thread(negative=4, bare_shares=20, hostile=False), "q", owned.assess) is None


def test_positive_reactions_do_not_spread_a_hostile_reply() -> None:
    owned = OwnedPostBacklashDetector()
    events = spread_thread(negative=3, bare_shares=0, positive=10)
    events = [replace(event, sentiment=replace(event.sentiment, label="positive", score=0.8))
              if event.event.text == "Well said" else event for event in events]
    assert first_firing(events, "q", owned.assess) is None


def test_an_executive_announcement_drawing_a_pile_on_is_a_backlash_without_a_flood() -> None:
    """Found by an outside tester: a CEO's tone-deaf layoff post drew 30 angry comments an hour,
    below the flood threshold (40) of a mid-size brand's executive posts, and was never paged:
    an executive's own post was left to the flood detector alone. A pile-on of 12 people is
    a backlash whoever wrote the post; a friendly crowd with a few critics is not."""
    owned = OwnedPostBacklashDetector()
    post = enriched("ceo", 0, role="executive", negative=True, score=-0.45, text="We close 40 ticket offices")
    angry = [enriched(f"c{i}", MINUTE + i * 2 * MINUTE, parent="ceo", negative=True, text="Disgrace")
             for i in range(30)]
    fired = first_firing([post, *angry], "ceo", owned.assess)
    assert fired is not None and fired == 12  # the 12th angry person
    friendly = [enriched(f"c{i}", MINUTE + i * 2 * MINUTE, parent="ceo", negative=i % 3 == 0,
                         text="Disgrace" if i % 3 == 0 else "Congrats") for i in range(30)]
    assert first_firing([post, *friendly], "ceo", owned.assess) is None


def price_post_thread(leavers: int, others: int = 30) -> list[EnrichedEvent]:
    """The CEO's price post and reactions two minutes apart: every third one negative, the rest
    mild or sarcastic (read neutral or positive); the first ``leavers`` negative ones say they
    are leaving or call for a boycott."""
    leaving = ["Cancelled my membership. Fair pricing for who exactly?", "Goodbye acme, it was nice while it lasted",
               "Dann kündige ich.", "#BoycottAcme", "Switching to the competition."]
    events = [enriched("ceo", 0, role="executive", author="ceo", text="Exciting news: Acme+ becomes 9.99 a month")]
    negatives = 0
    for i in range(others):
        negative = i % 3 == 0
        text = "So you're doubling the price and calling it exciting. Wow."
        if negative:
            text = leaving[negatives % len(leaving)] if negatives < leavers else "This is too much"
            negatives += 1
        events.append(enriched(f"c{i}", MINUTE + i * 2 * MINUTE, parent="ceo", author=f"p{i}", negative=negative, text=text))
    return events


def test_people_leaving_over_a_brand_post_make_it_count_like_a_hostile_one() -> None:
    """An outside tester's CEO price post: a third of the reactions negative, the rest sarcasm read
    as positive, so half never turned negative and the pile-on was paged after 88 minutes.
    Three people saying they leave the brand over it are a backlash once five are negative."""
    owned = OwnedPostBacklashDetector()
    fired = first_firing(price_post_thread(leavers=3), "ceo", owned.assess)
    assert fired == 13  # c12: the fifth negative person, three of them leaving
    book = fold(ThreadTracker(), price_post_thread(leavers=3)[: fired + 1])
    verdict = owned.assess(book.threads["ceo"], book.threads["ceo"].last_seen_ms + 1)
    assert (verdict.observed, verdict.expected, verdict.origin) == (5.0, 5.0, "self_inflicted")
    # Two leaving are not enough, nor are leavers whose words came before the brand spoke, nor
    # people leaving under a post that apologised (an outage notice is not what they leave over).
    assert first_firing(price_post_thread(leavers=2), "ceo", owned.assess) is None
    notice = [replace(event, event=replace(event.event, text="We're aware the app is down. Our team is on it."))
              if event.event.id == "ceo" else event for event in price_post_thread(leavers=3)]
    assert first_firing(notice, "ceo", owned.assess) is None
    before = [enriched("q", 0, author="anna", text="Is Acme+ getting more expensive?")]
    before += [enriched(f"b{i}", MINUTE + i * MINUTE, parent="q", author=f"b{i}", negative=True,
                        text="Cancelled my membership already") for i in range(4)]
    before += [enriched("answer", 10 * MINUTE, parent="q", role="owned", author="acme", text="Yes, from May on.")]
    before += [enriched(f"a{i}", 11 * MINUTE + i * MINUTE, parent="answer", root="q", author=f"a{i}", negative=True,
                        text="Too much") for i in range(5)]
    before += [enriched(f"n{i}", 20 * MINUTE + i * MINUTE, parent="answer", root="q", author=f"n{i}",
                        text="Fair enough") for i in range(10)]
    assert first_firing(before, "q", owned.assess) is None


def joke_reply_thread(reply_text: str, objections: list[str], direct: bool = True) -> list[EnrichedEvent]:
    """A customer's complaint, the agency's reply (read neutral), then negative objections from
    distinct people and a few more negative reactions, a minute apart."""
    events = [
        enriched("q", 0, author="rita", negative=True, text="Rahmen nach drei Monaten gebrochen"),
        enriched("joke", MINUTE, parent="q", role="agency", author="agency", score=0.1, text=reply_text),
    ]
    texts = [*objections, "Unmöglich", "Peinlich", "Schlimm"]
    for i, text in enumerate(texts):
        events.append(enriched(f"o{i}", 2 * MINUTE + i * MINUTE, parent="joke" if direct else "q", root="q",
                               author=f"o{i}", negative=True, text=text))
    return events


OBJECTIONS = ["Respektlos, so redet man nicht mit Kunden", "Wer betreut euren Account?", "How rude is this?"]


def test_people_objecting_to_a_replys_tone_make_it_count_like_a_hostile_one() -> None:
    """An outside tester's German agency reply, a joke at the customer's expense with a 😂, read
    neutral: it needed 12 negative people and never drew more than 7 (found 439 min late, by
    the morning's flood). Its readers said what it was: "respektlos", "Wer betreut euren Account?"."""
    owned = OwnedPostBacklashDetector()
    joke = "Vielleicht einfach mal nicht wie ein Sack Kartoffeln fahren? 😂"
    events = joke_reply_thread(joke, OBJECTIONS)
    book = fold(ThreadTracker(), events)
    assert len(book.threads["q"].objectors_after_brand) == 3
    fired = first_firing(events, "q", owned.assess)
    assert fired == 2 + 4  # the fifth negative person, three of them objecting
    # Two objectors are not enough; objections to a reply that apologised are about the complaint;
    # objections posted elsewhere in the thread are not answers to the reply.
    assert first_firing(joke_reply_thread(joke, OBJECTIONS[:2]), "q", owned.assess) is None
    sorry = "Das tut uns leid! Schreib uns bitte eine DM mit deiner Rahmennummer."
    assert first_firing(joke_reply_thread(sorry, OBJECTIONS), "q", owned.assess) is None
    assert first_firing(joke_reply_thread(joke, OBJECTIONS, direct=False), "q", owned.assess) is None


def test_objections_the_model_reads_as_praise_still_count_and_count_as_negative() -> None:
    """An outside tester's German crowd under a sarcastic support reply: "Das ist so respektlos."
    read positive and "so redet ihr mit Kunden?" +0.97, so neither counted and nothing opened."""
    owned = OwnedPostBacklashDetector()
    joke = "Vielleicht einfach mal zuhause sein, wenn der Techniker kommt? 😉"
    praised = ["Das ist so respektlos.", "Wow @acme so redet ihr mit Kunden?", "How rude is this?"]
    events = [replace(event, sentiment=replace(event.sentiment, label="positive", score=0.6))
              if event.event.id in {"o0", "o1", "o2"} else event
              for event in joke_reply_thread(joke, praised)]
    assert [event.is_negative for event in events[2:5]] == [False, False, False]
    book = fold(ThreadTracker(), events)
    assert len(book.threads["q"].objectors_after_brand) == 3
    assert len(book.threads["q"].negative_reactors_after_brand) == 6
    assert first_firing(events, "q", owned.assess) == 2 + 4
    # Defending the brand is not objecting to it.
    denials = ["No disrespect, but she was right", "That wasn't rude at all", "Ich finde das gar nicht respektlos"]
    calm = [replace(event, sentiment=replace(event.sentiment, label="positive", score=0.6))
            if event.event.id in {"o0", "o1", "o2"} else event for event in joke_reply_thread(joke, denials)]
    assert fold(ThreadTracker(), calm).threads["q"].objectors_after_brand == ()


@pytest.mark.parametrize(
    ("text", "objects"),
    [
        ("You don't talk to customers like that!", True),
        ("I can't believe how rude this is", True),
        ("I don't know who runs your account but wow", True),
        ("isn't that rude?", True),
        ("Noch nie so eine respektlose Antwort gesehen", True),
        ("Not only rude but also wrong", True),
        ("Not rude? It was incredibly rude and arrogant", True),
        ("No disrespect, but she was right", False),
        ("That wasn't rude at all", False),
        ("It's not really rude, just blunt", False),
        ("Ich finde das gar nicht respektlos", False),
        ("Great reply, love it", False),
    ],
)
def test_what_objects_to_the_brands_tone(text: str, objects: bool) -> None:
    """A review found a first negation rule (any "no", "not", "n't" up to two words before) that
    threw away "You don't talk to customers like that!" and "Noch nie so eine respektlose Antwort"."""
    assert objects_to_tone(text) is objects


def test_a_brand_post_is_hostile_by_its_words_not_by_the_models_reading() -> None:
    """Outside testers' status updates ("Aktuell kommt es zu einer Störung ...") and a notice that
    a competitor's outage did not touch the brand read -0.74 to -0.94: each drew the next hours'
    brand-wide spike as a backlash against itself, a page that blamed the brand's own post."""
    tracker = ThreadTracker()
    status = enriched("status", 0, role="owned", negative=True, score=-0.94,
                      text="Aktuell kommt es zu einer Störung in Teilen Hamburgs. Wir halten euch auf dem Laufenden.")
    remark = enriched("remark", 0, role="executive", negative=False, score=0.2,
                      text="Wer wegen zehn Minuten Verspätung rumheult, soll halt Auto fahren.")
    assert not tracker.is_hostile_post(status, root=True)
    assert tracker.is_hostile_post(remark, root=True)
    # A reply to a person is still judged by its reading too.
    reply = enriched("reply", 0, parent="q", role="owned", negative=True, score=-0.84,
                     text="@rita Maybe stop riding like a sack of potatoes? Frames don't break by themselves.")
    assert tracker.is_hostile_post(reply)


@pytest.mark.parametrize(
    ("text", "negative", "score", "hostile"),
    [
        ("Not our problem. Read the terms.", False, 0.1, True),
        ("Maybe pack your meds in your hand luggage like an adult? Not really our problem tbh", False, 0.0, True),
        ("Nicht unser Problem, AGB lesen!", False, 0.0, True),
        ("Sorry to hear that, please DM us", True, -0.7, False),
        ("Das tut uns leid, bitte schreib uns eine DM", True, -0.7, False),
        ("This complaint is ridiculous and so are you", True, -0.8, True),
        ("Trains run as planned today", False, 0.0, False),
        # Contempt for complainers, read neutral or positive by a sentiment model (outside testers'
        # wordings, not the scenario banks'); and words that only look like it.
        ("Dear customers who keep whining about delays: maybe walk.", False, 0.0, True),
        ("Boo hoo, a train was ten minutes late. Get over it.", False, 0.2, True),
        ("Wer wegen fünf Minuten rumjammert, sollte Auto fahren.", False, 0.0, True),
        ("Das Gejammer über ein paar Minuten Verspätung ist wirklich ermüdend.", False, -0.1, True),
        ("We'll fix the wifi whine on ICE 4 trains", False, 0.0, False),
        ("Die Sirene heult beim Probealarm um 12 Uhr", False, 0.0, False),
        ("Sie haben recht, das ist ärgerlich. Wir kümmern uns.", True, -0.5, False),
        # Showing the customer the door (outside testers' bakery owner and delivery app), read neutral.
        ("Dann kaufen Sie halt woanders. Solche Meckerer wie Sie brauchen wir nicht.", False, 0.0, True),
        ("@tarik_k Then order somewhere else. We won't miss you.", False, 0.1, True),
        # ... and a brand's ordinary words that look like it (found in review).
        ("Sorry we missed you today! Leave a safe-place note so we won't miss you next time.", False, 0.0, False),
        ("Sold out in Leeds? Order elsewhere then – try our Manchester store!", False, 0.2, False),
        ("Dann gehen Sie einfach woanders hin: unsere Filiale am Markt hat offen.", False, 0.0, False),
        ("Kein Gemecker: unser Adventskalender ist zurück!", False, 0.3, False),
        ("Sorry, that size is sold out; you may find it elsewhere.", False, 0.0, False),
        ("Kaufen Sie gern auch in unserer Filiale am Markt.", False, 0.2, False),
        # Status updates read negative; an outside tester's outage was paged as a backlash against one.
        ("We're aware some orders are delayed or failing right now. Our team is on it", True, -0.8, False),
        ("Die Störung ist uns bekannt, wir arbeiten mit Hochdruck an einer Lösung.", True, -0.6, False),
        ("We're aware. Not our problem.", True, -0.6, True),
        # ... and an outside tester's others, and friendly answers, read -0.37 to -0.94.
        ("Known issue, fix is rolling out within the hour.", True, -0.5, False),
        ("Update: Die Störung ist behoben. Es tut uns sehr leid für die Unannehmlichkeiten.", True, -0.94, False),
        ("Unsere Techniker arbeiten mit Hochdruck an der Behebung.", True, -0.7, False),
        # ... but a friendly opening does not excuse sarcasm, and these are no status updates (a review's finds).
        ("Gute Frage! Vielleicht einfach mal zuhause sein, wenn der Techniker kommt?", True, -0.4, True),
        ("Tut mir nicht leid.", True, -0.6, True),
        ("Our prices are fixed. If you can't afford it, that's on you.", True, -0.6, True),
        ("It's not your fault: our systems are down.", False, 0.0, False),
        ("Aktuell kommt es zu einer Störung in Teilen Hamburgs. Wir halten euch auf dem Laufenden.", True, -0.8, False),
        ("We're currently experiencing an outage in the north. We'll keep you posted.", True, -0.7, False),
    ],
)
def test_hostile_tone(text: str, negative: bool, score: float, hostile: bool) -> None:
    assert is_hostile_text(text, negative, score, -0.25) is hostile


# ---------------------------------------------------------------- moderation

def moderated_thread(protests: int, deletions: int = 2) -> list[EnrichedEvent]:
    events = [enriched("price", 0, role="owned", text="Fares go up 12% next month")]
    events += [enriched(f"crit{i}", MINUTE + i * 1000, parent="price", negative=True, text="Too expensive")
               for i in range(deletions)]
    events += [enriched(f"del{i}", 5 * MINUTE + i * 1000, kind="deletion", parent=f"crit{i}", root="price",
                        role="moderator", deleted_by="moderator") for i in range(deletions)]
    events += [enriched(f"w{i}", 10 * MINUTE + i * MINUTE, negative=True,
                        text="Why did you delete my comment? Censorship!") for i in range(protests)]
    return events


def test_moderation_backlash_fires_at_the_third_protester_even_outside_the_thread() -> None:
    moderation = ModerationBacklashDetector()
    events = moderated_thread(6)
    assert first_firing(events, "price", moderation.assess) == 1 + 2 + 2 + 2


def test_deleting_spam_without_protest_stays_quiet() -> None:
    moderation = ModerationBacklashDetector()
    assert first_firing(moderated_thread(0), "price", moderation.assess) is None


def test_complaints_without_any_deletion_do_not_fire() -> None:
    moderation = ModerationBacklashDetector()
    events = [enriched("price", 0, role="owned", text="Fares go up")]
    events += [enriched(f"w{i}", MINUTE * i, parent="price", negative=True, text="Censorship!") for i in range(1, 9)]
    assert first_firing(events, "price", moderation.assess) is None


def test_a_protested_thread_whose_incident_ended_does_not_reopen_on_a_straggler() -> None:
    # Found by the held-out scenarios: complainers are counted for ever, so a flagged thread
    # fired again at its next event hours later, once its incident had resolved.
    tracker, moderation = ThreadTracker(), ModerationBacklashDetector()
    book = fold(tracker, moderated_thread(6))
    assert moderation.assess(book.threads["price"], T0_MS + 20 * MINUTE).fired
    book = tracker.flag(book, "price")
    later = 9 * 60 * MINUTE
    book = tracker.observe(book, enriched("late", later, parent="price", negative=True, text="Still censoring?"))
    assert not moderation.assess(book.threads["price"], T0_MS + later + 1).fired
    # A new round of deleting is news again.
    book = tracker.observe(book, enriched("crit9", later + MINUTE, parent="price", negative=True, text="Rip-off"))
    book = tracker.observe(book, enriched("del9", later + 2 * MINUTE, kind="deletion", parent="crit9", root="price",
                                          role="moderator", deleted_by="moderator"))
    assert moderation.assess(book.threads["price"], T0_MS + later + 3 * MINUTE).fired


def test_a_flagged_thread_protested_as_hard_as_before_still_fires() -> None:
    tracker, moderation = ThreadTracker(), ModerationBacklashDetector()
    book = tracker.initial_state()
    events = moderated_thread(0) + [
        enriched(f"w{i}", 10 * MINUTE + i * MINUTE, parent="price", negative=True, text="Why did you delete my comment?")
        for i in range(20)
    ]
    for event in events[:-10]:
        book = tracker.observe(book, event)
    book = tracker.flag(book, "price")
    for event in events[-10:]:
        book = tracker.observe(book, event)
    assert moderation.assess(book.threads["price"], T0_MS + 31 * MINUTE).fired


@pytest.mark.parametrize(
    ("text", "complaint"),
    [("Why did you delete my comment?", True), ("Das ist Zensur", True), ("Mein Kommentar wurde gelöscht", True),
     ("They removed my review about the delay", True), ("Delayed again", False), ("Great service", False),
     # wordings from the held-out scenarios that the first pattern missed
     ("Mein Kommentar ist weg. Wird hier jetzt zensiert?", True), ("Kommentare verschwinden hier einfach", True),
     ("Kritische Kommentare werden ausgeblendet", True), ("shadowbanned for asking a question", True),
     ("my comment vanished", True), ("Maulkorb für Kunden", True),
     # and more of the same kind
     ("You wiped my review", True), ("Ihr habt mich gesperrt", True), ("why was my post taken down", True),
     ("blocked me for asking about refunds", True),
     ("The train is gone again", False), ("Der Zug ist weg", False), ("Mein Koffer ist weg", False),
     ("My luggage disappeared", False), ("I removed the app", False), ("Great post, thanks!", False)],
)
def test_deletion_complaints(text: str, complaint: bool) -> None:
    assert is_deletion_complaint(text) is complaint


# ---------------------------------------------------------------- external posts

def leak(engagers: int, claim: str | None = "former_employee", reach: float = 0.2,
         negative: bool = True, spacing_ms: int = MINUTE,
         text: str = "As a former employee: brakes are not checked") -> list[EnrichedEvent]:
    events = [enriched("leak", 0, claim=claim, reach=reach, negative=negative, text=text)]  # type: ignore[arg-type]
    events += [enriched(f"s{i}", 2 * MINUTE + i * spacing_ms, parent="leak", kind="share" if i % 2 else "reply",
                        negative=bool(i % 2 == 0)) for i in range(engagers)]
    return events


def test_external_post_fires_at_the_fifth_engager_for_an_insider_claim() -> None:
    external = ExternalPostBacklashDetector()
    assert first_firing(leak(10), "leak", external.assess) == 5


@pytest.mark.parametrize("text", [
    "Achtung Eltern!! Heute im Laugenbrötchen von der Bäckerei Acme ein Stück Hartplastik gefunden.",
    "Warnung an alle mit Acme KP-200: Gehäuse ist bei Nenndruck gerissen, ein Kollege wurde an der Hand verletzt.",
    "My acme e-bike battery caught fire in the hallway last night",
])
def test_a_post_reporting_harm_fires_at_the_fifth_engager_like_an_insiders(text: str) -> None:
    """Two outside testers' product-safety warnings on a small brand came from customers with a
    few hundred followers and no claim the detector knew: 15-40 reactions an hour, no incident."""
    external = ExternalPostBacklashDetector()
    events = leak(12, claim=None, negative=False, text=text)
    assert first_firing(events, "leak", external.assess) == 5
    # Sympathy, not anger: a claimless post would stay a warning however fast it spread.
    calm = [events[0], *(enriched(f"c{i}", 2 * MINUTE + i * 20_000, parent="leak", kind="share") for i in range(40))]
    verdict = external.assess(fold(ThreadTracker(), calm).threads["leak"], calm[-1].event.created_at_ms + 1)
    assert verdict.fired and verdict.negative_events == 0
    assert verdict.severity > external.params.calm_spread_max_severity


def test_a_post_saved_before_harm_was_recorded_reads_it_from_its_excerpt() -> None:
    """Posts restored from a checkpoint written before ``harm`` existed would otherwise count as
    ordinary complaints for the hours they are remembered after an upgrade."""
    harmful = PostInfo.of(enriched("leak", 0, text="My acme e-bike battery caught fire in the hallway last night"))
    ordinary = PostInfo.of(enriched("gripe", 0, text="The new acme rolls are smaller and pricier, not happy"))
    assert harmful.harm and not ordinary.harm
    for post in (harmful, ordinary):
        saved = orjson.loads(orjson.dumps(to_jsonable(post)))
        assert from_jsonable(PostInfo, saved) == post
        del saved["harm"]
        assert from_jsonable(PostInfo, saved) == post
    brand_saved = to_jsonable(replace(harmful, author_role="owned", harm=False))
    del brand_saved["harm"]
    assert not from_jsonable(PostInfo, brand_saved).harm  # only an outside author reports harm


def test_an_ordinary_customers_post_without_harm_is_not_an_external_backlash() -> None:
    external = ExternalPostBacklashDetector()
    events = leak(30, claim=None, negative=True, text="The new acme rolls are smaller and pricier, not happy")
    assert first_firing(events, "leak", external.assess) is None


def test_a_leak_already_in_an_incident_fires_again_only_on_a_second_wave() -> None:
    """The first wave: 120 reactions in an hour. Hours later its tail accelerating from 3 to 6
    in half an hour is not news; 40 in half an hour is."""
    external = ExternalPostBacklashDetector()
    tracker = ThreadTracker()
    book = fold(tracker, leak(120, spacing_ms=30_000))
    book = tracker.flag(book, "leak")

    def later(minutes: list[float]) -> ThreadState:
        tail = book
        for i, minute in enumerate(minutes):
            tail = tracker.observe(tail, enriched(f"t{i}", 5 * HOUR + int(minute * MINUTE), parent="leak",
                                                  author=f"late{i}", kind="share"))
        return tail.threads["leak"]

    six_o_clock = T0_MS + 6 * HOUR
    trickle = later([5, 15, 25, 35, 38, 41, 44, 47, 50])
    assert not external.assess(trickle, six_o_clock).fired
    assert external.assess(replace(trickle, flagged=False), six_o_clock).fired
    assert external.assess(later([5, 15, 25] + [30 + i * 0.7 for i in range(40)]), six_o_clock).fired


def test_a_customer_complaint_needs_more_engagement_than_an_insider() -> None:
    external = ExternalPostBacklashDetector()
    assert first_firing(leak(12, claim="customer_complaint"), "leak", external.assess) == 10


def test_a_positive_high_reach_post_is_not_external_backlash() -> None:
    external = ExternalPostBacklashDetector()
    assert first_firing(leak(50, claim=None, reach=0.9, negative=False), "leak", external.assess) is None


def test_a_negative_post_spreading_without_anger_stays_a_warning() -> None:
    """An outside tester's news report naming the brand next to a competitor's scandal spread
    fast with 3 of 42 reactions negative and reached severity 9 (critical, a 2 a.m. page). Without
    an insider claim and with under a third of its reactions negative it stays a warning; an angry
    crowd, or an insider's claim, still goes critical."""
    external = ExternalPostBacklashDetector()

    def peak_severity(events: list[EnrichedEvent]) -> int:
        thread = fold(ThreadTracker(), events).threads["news"]
        return external.assess(thread, events[-1].event.created_at_ms + 1).severity

    def story(angry_every: int, claim: str | None = None) -> list[EnrichedEvent]:
        events = [enriched("news", 0, reach=0.9, negative=True, claim=claim,  # type: ignore[arg-type]
                           text="Report: supplier used forced overtime; we asked acme whether it uses it too")]
        return events + [enriched(f"r{i}", MINUTE + i * 30_000, parent="news", kind="share" if i % 2 else "reply",
                                  author=f"reader{i}", negative=i % angry_every == 0) for i in range(42)]

    assert peak_severity(story(angry_every=14)) == 6
    assert peak_severity(story(angry_every=2)) >= 7
    assert peak_severity(story(angry_every=14, claim="former_employee")) >= 7


def test_slow_steady_engagement_does_not_accelerate() -> None:
    external = ExternalPostBacklashDetector()
    assert first_firing(leak(40, spacing_ms=8 * MINUTE), "leak", external.assess) is None


# ---------------------------------------------------------------- comment flood

def test_comment_flood_needs_negative_comments() -> None:
    flood = CommentFloodDetector()
    state = flood.initial_state()

    def judge(thread: ThreadState, now: int) -> ThreadVerdict:
        return flood.assess(state, thread, now)

    friendly = [enriched("post", 0, role="owned", text="Photo contest!")]
    friendly += [enriched(f"c{i}", MINUTE + i * 10_000, parent="post", text="Lovely!") for i in range(200)]
    assert first_firing(friendly, "post", judge) is None
    angry = [enriched("post", 0, role="owned", text="Photo contest!")]
    angry += [enriched(f"c{i}", MINUTE + i * 10_000, parent="post", negative=i % 2 == 0, text="Meh")
              for i in range(200)]
    assert first_firing(angry, "post", judge) == 20  # 20 comments in 3.3 minutes: the cold-start floor of 40/h


def test_a_busy_brands_cold_flood_floor_is_its_share_of_the_brands_busiest_hour() -> None:
    """An outside tester's delivery app (250 events in its busiest hour, 50-90 comments on an
    ordinary post) paged its first two busy posts on the cold floor of 40 an hour."""
    flood = CommentFloodDetector()
    state = flood.initial_state()
    angry = [enriched("post", 0, role="owned", text="Photo contest!")]
    angry += [enriched(f"c{i}", MINUTE + i * 10_000, parent="post", negative=i % 2 == 0, text="Meh")
              for i in range(200)]
    assert flood.threshold(state, "owned", brand_busiest_hour=50.0) == 40.0  # a small brand keeps the floor
    assert flood.threshold(state, "owned", brand_busiest_hour=250.0) == 100.0
    fired = first_firing(angry, "post", lambda thread, now: flood.assess(state, thread, now, brand_busiest_hour=250.0))
    assert fired == 50  # 50 comments in 8.3 minutes: 100 an hour, the last half hour counted twice


def test_comment_flood_on_a_busy_brand_needs_more_negatives_than_its_usual_share() -> None:
    """25 comments in 12 minutes, 10 negative (40 %): an ordinary draw where 27 % of mentions are
    negative anyway; 20 of 25 is not."""
    flood = CommentFloodDetector()
    state = flood.initial_state()

    def usual(thread: ThreadState, now: int) -> ThreadVerdict:
        return flood.assess(state, thread, now, baseline_share=0.27)

    def comments(negative: Callable[[int], bool]) -> list[EnrichedEvent]:
        events = [enriched("post", 0, role="owned", text="New timetable")]
        return events + [enriched(f"c{i}", MINUTE + i * 30_000, parent="post", negative=negative(i), text="Hm")
                         for i in range(25)]

    ordinary = comments(lambda i: i % 5 in (0, 2))
    assert first_firing(ordinary, "post", usual) is None
    assert first_firing(ordinary, "post", lambda thread, now: flood.assess(state, thread, now)) is not None
    assert first_firing(comments(lambda i: i % 5 != 0), "post", usual) is not None


def test_a_busy_brands_threshold_is_lower_for_a_thread_far_more_negative_than_usual() -> None:
    """Brand posts usually peak at 60 reactions an hour (threshold 180): 100 an hour at about the
    usual share is a busy post; 100 an hour of which 80 % negative is 3 times the usual negative rate."""
    flood = CommentFloodDetector()
    state = FloodState(peaks={"owned": (60,) * 8})
    assert flood.threshold(state, "owned") == 180.0

    def thread_with(negative: Callable[[int], bool]) -> ThreadState:
        tracker = ThreadTracker()
        book = tracker.observe(tracker.initial_state(), enriched("post", 0, role="owned", text="New timetable"))
        for i in range(50):
            book = tracker.observe(book, enriched(f"c{i}", MINUTE + i * 30_000, parent="post",
                                                  negative=negative(i), text="Hm"))
        return book.threads["post"]

    now = T0_MS + 27 * MINUTE
    angry = thread_with(lambda i: i % 5 != 0)
    assert flood.assess(state, angry, now, baseline_share=0.27).fired
    assert not flood.assess(state, angry, now).fired
    busy = flood.assess(state, thread_with(lambda i: i % 4 == 0), now, baseline_share=0.27)
    assert not busy.fired and busy.expected == 180.0


def test_a_small_crowd_all_negative_on_a_brand_post_need_not_number_a_dozen() -> None:
    """The CEO's post at the small_crowd variant: 6 distinct people in 10 minutes, all angry, at a
    brand whose posts peak near 20 reactions an hour. Before, the flood waited for 12 distinct
    reactors; 6 negative among 10 people is still an ordinary mix and keeps waiting."""
    flood = CommentFloodDetector()
    state = FloodState(peaks={"owned": (20,) * 8})

    def crowd(negative: Callable[[int], bool], people: int) -> list[EnrichedEvent]:
        events = [enriched("ceo", 0, role="executive", text="We close 40 ticket offices")]
        # two comments each, 50 seconds apart: 12 or 20 comments, a rate above the threshold
        return events + [enriched(f"c{i}", MINUTE + i * 50_000, parent="ceo", author=f"p{i % people}",
                                  negative=negative(i % people), text="Hm") for i in range(2 * people)]

    def judge(thread: ThreadState, now: int) -> ThreadVerdict:
        return flood.assess(state, thread, now, baseline_share=0.27)

    assert first_firing(crowd(lambda i: True, 6), "ceo", judge) is not None
    assert first_firing(crowd(lambda i: i < 6, 10), "ceo", judge) is None
    assert first_firing(crowd(lambda i: True, 6), "ceo", lambda thread, now: flood.assess(state, thread, now)) is None


def test_comment_flood_baseline_is_learnt_per_role_and_skips_incident_threads() -> None:
    flood = CommentFloodDetector(FloodParams(min_samples=2))
    tracker = ThreadTracker()
    quiet = [ThreadState(thread_id=f"t{i}", first_seen_ms=0, last_seen_ms=0, reactions=5, peak_hourly_reactions=10)
             for i in range(3)]
    flagged = ThreadState(thread_id="big", first_seen_ms=0, last_seen_ms=0, reactions=500,
                          peak_hourly_reactions=500, flagged=True)
    state = flood.learn(flood.initial_state(), [*quiet, flagged])
    assert state.peaks == {"other": (10, 10, 10)}
    assert flood.threshold(state, "other") == 30.0
    assert flood.threshold(state, "owned") == 40.0  # brand roles are not judged by outside threads
    assert tracker.params.max_threads > 0


# ---------------------------------------------------------------- the book

def test_book_is_bounded_and_round_trips_through_json() -> None:
    tracker = ThreadTracker(ThreadParams(max_threads=50))
    book = tracker.initial_state()
    for i in range(200):
        book = tracker.observe(book, enriched(f"c{i}", i * 1000, parent=f"p{i}", negative=True, text="bad"))
    assert len(book.threads) == 50
    assert min(thread.last_seen_ms for thread in book.threads.values()) == T0_MS + 150_000
    restored = from_jsonable(ThreadBook, orjson.loads(orjson.dumps(to_jsonable(book))))
    assert restored == book


def test_a_full_book_hands_the_threads_it_pushes_out_to_the_flood_baseline() -> None:
    """A busy brand fills the book before threads go idle; their peaks must still be learnt,
    or the comment-flood threshold stays at its cold-start floor for ever."""
    tracker = ThreadTracker(ThreadParams(max_threads=50))
    book = tracker.initial_state()
    for i in range(60):
        book = tracker.observe(book, enriched(f"c{i}", i * 1000, parent=f"p{i}", text="ok"))
    book = tracker.evict(book, T0_MS + 61_000)
    assert [thread.thread_id for thread in book.evicted] == [f"p{i}" for i in range(10)]
    flood = CommentFloodDetector()
    assert flood.learn(flood.initial_state(), book.evicted).peaks == {"other": (1,) * 10}


def test_idle_threads_are_evicted_once() -> None:
    tracker = ThreadTracker()
    book = tracker.observe(tracker.initial_state(), enriched("c", 0, parent="p"))
    book = tracker.evict(book, T0_MS + 7 * HOUR)
    assert book.threads == {} and [thread.thread_id for thread in book.evicted] == ["p"]


def test_unremarkable_root_posts_are_not_tracked() -> None:
    tracker = ThreadTracker()
    book = tracker.observe(tracker.initial_state(), enriched("p", 0, text="On the train"))
    assert book.threads == {}
    book = tracker.observe(book, enriched("p2", 0, role="owned", text="New fares"))
    assert list(book.threads) == ["p2"]


def test_a_reply_naming_only_its_parent_lands_in_the_parents_thread() -> None:
    """Producers that send parent_id without root_id: reactions to the brand's reply still count."""
    owned = OwnedPostBacklashDetector()
    events = rude_thread(0)
    events += [enriched(f"r{i}", 2 * MINUTE + i * 30_000, parent="rude", root="", author=f"angry{i}",
                        negative=True, text="Arrogant answer") for i in range(6)]
    events += [enriched("del", 6 * MINUTE, kind="deletion", parent="r0", root="", role="moderator",
                        deleted_by="moderator")]
    assert all(event.event.root_id is None for event in events[2:])
    assert first_firing(events, "q", owned.assess) == 2 + 4
    tracker = ThreadTracker()
    book = fold(tracker, events)
    assert list(book.threads) == ["q"] and book.threads["q"].deletions == 1


def test_an_unlinked_deletion_still_draws_the_protests() -> None:
    """A deletion event that names nothing but itself: protests elsewhere count for it."""
    moderation = ModerationBacklashDetector()
    events = [enriched("del-1", 0, kind="deletion", role="moderator", deleted_by="moderator", root="")]
    events += [enriched(f"w{i}", MINUTE * (i + 1), negative=True, text="Warum wurde mein Kommentar gelöscht? Zensur!")
               for i in range(4)]
    assert first_firing(events, "del-1", moderation.assess) == 3


def test_protests_elsewhere_echo_in_the_moderated_threads_window() -> None:
    tracker = ThreadTracker()
    book = fold(tracker, moderated_thread(5))
    window = book.threads["price"].window(T0_MS + HOUR, HOUR)
    assert (window.echoes, window.negative) == (5, 2)


def test_protests_elsewhere_go_to_the_thread_moderated_last_once_it_is_protested() -> None:
    """Held-out moderation_two_waves at small, seed 1: the second wave's protests posted
    elsewhere went to the first thread (more protesters) and re-opened its incident, critical,
    while the second thread's was open."""
    tracker = ThreadTracker()
    events = moderated_thread(8)
    later = 4 * HOUR
    events += [
        enriched("punctual", later, role="owned", text="91 % of our trains were on time"),
        enriched("crit-b", later + MINUTE, parent="punctual", negative=True, text="Not my train"),
        enriched("del-b", later + 3 * MINUTE, kind="deletion", parent="crit-b", root="punctual",
                 role="moderator", deleted_by="moderator"),
    ]
    events += [enriched(f"in-thread{i}", later + (5 + i) * MINUTE, parent="punctual", negative=True,
                        text="Why did you delete my comment?") for i in range(3)]
    events += [enriched(f"elsewhere{i}", later + 10 * MINUTE + i * MINUTE, negative=True,
                        text="Kommentare verschwinden hier einfach") for i in range(5)]
    book = fold(tracker, events)
    assert len(book.threads["punctual"].complainers) == 8
    assert len(book.threads["price"].complainers) == 8


def test_one_complaint_under_a_later_removal_does_not_take_an_ongoing_protest() -> None:
    """The spammer asking why their post went must not pull the protest's posts elsewhere away."""
    tracker = ThreadTracker()
    events = moderated_thread(8)
    events += [
        enriched("news", 20 * MINUTE, role="owned", text="Timetable change"),
        enriched("spam", 21 * MINUTE, parent="news", text="Win a free phone"),
        enriched("del-spam", 25 * MINUTE, kind="deletion", parent="spam", root="news", role="moderator",
                 deleted_by="moderator"),
        enriched("spammer", 26 * MINUTE, parent="news", text="Why did you delete my comment?"),
    ]
    events += [enriched(f"late{i}", 40 * MINUTE + i * MINUTE, negative=True,
                        text="Zensur! Mein Kommentar wurde gelöscht") for i in range(4)]
    book = fold(tracker, events)
    assert len(book.threads["price"].complainers) == 12
    assert len(book.threads["news"].complainers) == 1


def test_protests_name_the_moderation_incident_whatever_their_tone() -> None:
    """Held-out moderation_two_waves: protests read as neutral ("shadowbanned for asking a
    question") added no words, so the incident's top terms were function words in
    alphabetical order ("alle, allowed, anymore, anyone, anyway")."""
    tracker = ThreadTracker()
    events = moderated_thread(0)
    events += [enriched(f"w{i}", 10 * MINUTE + i * MINUTE, negative=False, score=0.0,
                        text="Anyone else shadowbanned for asking a question? Alle Kommentare sind etwas weg")
               for i in range(4)]
    thread = fold(tracker, events).threads["price"]
    terms = thread.terms or {}
    assert terms.get("shadowbanned") == 4 and terms.get("kommentare") == 4
    assert not {"anyone", "alle", "etwas", "sind"} & set(terms)
    # Their ids are its samples too (an outside tester's 55 protests gave one sample id).
    assert thread.sample_event_ids == ("crit0", "crit1", "w0", "w1", "w2")


def test_protests_elsewhere_stay_with_the_protested_thread_after_a_spam_removal_elsewhere() -> None:
    """A routine spam deletion in another thread must not inherit an ongoing protest."""
    moderation = ModerationBacklashDetector()
    tracker = ThreadTracker()
    events = moderated_thread(5)
    events += [
        enriched("news", 20 * MINUTE, role="owned", text="Timetable change"),
        enriched("spam", 21 * MINUTE, parent="news", text="Win a free phone"),
        enriched("del-spam", 25 * MINUTE, kind="deletion", parent="spam", root="news", role="moderator",
                 deleted_by="moderator"),
    ]
    events += [enriched(f"late{i}", 40 * MINUTE + i * MINUTE, negative=True,
                        text="Zensur! Mein Kommentar wurde gelöscht") for i in range(4)]
    book = fold(tracker, events)
    assert len(book.threads["price"].complainers) == 9
    assert not moderation.assess(book.threads["news"], T0_MS + HOUR).fired


def test_top_terms_rank_by_guaranteed_counts_not_by_inherited_ones() -> None:
    """Review finding: a word used once inherits the least count plus one when it takes a full
    table's slot, so a thread's top terms named one-off words next to (or above) real ones. With
    six new words a reply, 40 slots keep only terms used by more than about 1 reply in 6; the
    top terms are those, never a word that may have been used once."""
    themes = {"refund": 29, "delay": 23, "arrogant": 18, "apology": 14, "cancelled": 10}
    counts, errors = None, None
    for reply in range(100):
        used = [theme for theme, uses in themes.items() if (reply * uses) // 100 != ((reply + 1) * uses) // 100]
        counts, errors = space_saving(counts, errors, [*used, *(f"noise{reply}x{i}" for i in range(6))], 40)
    assert top_keys(counts, errors, 5) == ("refund", "delay", "arrogant")
    # What ranking by the plain count showed: "cancelled" (10 uses) and a word used once tie at 17.
    assert (counts or {})["cancelled"] == (counts or {})["noise95x0"] == 17
    # Below a full table nothing is inherited, but a word used once is still no evidence.
    small, small_errors = space_saving(None, None, ["late", "refund", "late"], 40)
    assert small_errors is None and top_keys(small, small_errors, 5) == ("late",)
