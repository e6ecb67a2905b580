from __future__ import annotations

from collections.abc import Sequence

from detectors.enrichment import Enricher, reach_weight
from schemas.brands import registry_from_dict
from schemas.records import Author, AuthorClaim, RawEvent, Sentiment

REGISTRY = registry_from_dict({"brands": [{"name": "acme", "accounts": {"owned": ["acme"], "agency": ["pr_team"]}}]})


class KeywordClassifier:
    """Deterministic stand-in for the model: the enricher's job is wiring, not judging text."""

    version = "keyword-test-1"

    def __init__(self) -> None:
        self.batches: list[int] = []

    def classify_batch(self, texts: Sequence[str | None], langs: Sequence[str | None]) -> list[tuple[str | None, Sentiment]]:
        self.batches.append(len(texts))
        results = []
        for text, lang in zip(texts, langs, strict=True):
            if not text:
                results.append((lang, Sentiment("unknown", 0.0, self.version)))
            elif "awful" in text:
                results.append((lang or "en", Sentiment("negative", -0.8, self.version)))
            else:
                results.append((lang or "en", Sentiment("neutral", 0.0, self.version)))
        return results


def claims(text: str | None, lang: str | None) -> AuthorClaim | None:
    return AuthorClaim("former_employee", "as a former employee") if text and "former employee" in text else None


def event(event_id: str, handle: str, text: str | None, followers: int | None = None) -> RawEvent:
    return RawEvent(
        id=event_id, platform="twitter", kind="post", brand="acme", created_at_ms=1_772_366_400_000,
        author=Author(id=f"id-{handle}", handle=handle, followers=followers), text=text,
    )


def test_enrich_batch_classifies_once_and_keeps_order() -> None:
    classifier = KeywordClassifier()
    enricher = Enricher(REGISTRY, classifier, claims)
    events = [
        event("1", "acme", "We are sorry, that was awful of us."),
        event("2", "pr_team", "Read the timetable."),
        event("3", "someone", "As a former employee I can tell you it is awful", followers=50_000),
        event("4", "someone_else", None),
    ]
    enriched = enricher.enrich_batch(events)
    assert classifier.batches == [4]
    assert [item.event.id for item in enriched] == ["1", "2", "3", "4"]
    assert [item.author_role for item in enriched] == ["owned", "agency", "other", "other"]
    assert [item.sentiment.label for item in enriched] == ["negative", "neutral", "negative", "unknown"]
    assert enriched[2].author_claim == AuthorClaim("former_employee", "as a former employee")
    assert enriched[2].reach > enriched[0].reach == 0.0
    assert all(item.sentiment.model_version == "keyword-test-1" for item in enriched)


def test_brand_accounts_never_get_author_claims() -> None:
    enriched = Enricher(REGISTRY, KeywordClassifier(), claims).enrich_batch(
        [event("1", "acme", "As a former employee of the old team ...")]
    )
    assert enriched[0].author_claim is None


def test_empty_batch_does_not_call_the_model() -> None:
    classifier = KeywordClassifier()
    assert Enricher(REGISTRY, classifier, claims).enrich_batch([]) == []
    assert classifier.batches == []


def test_reach_is_monotonic_and_bounded() -> None:
    weights = [reach_weight(n) for n in (0, 10, 1_000, 100_000, 10_000_000, 10**10)]
    assert weights == sorted(weights)
    assert weights[0] == 0.0 and weights[-1] == 1.0


def test_a_farewell_to_the_brand_by_name_is_negative() -> None:
    """The model read "Goodbye zestoo, it was nice while it lasted" as positive: 26 customers
    leaving under a CEO's price post counted for the brand, and the pile-on was missed."""
    enricher = Enricher(REGISTRY, KeywordClassifier(), claims)
    enriched = enricher.enrich_batch([
        event("1", "fan", "Goodbye acme, it was nice while it lasted"),
        event("2", "fan2", "@ACME bye then"),
        event("3", "fan3", "Goodbye winter, hello acme spring menu"),
        event("4", "acme", "Bye acme fans, see you on Monday!"),
        event("5", "fan4", "#BoycottAcme until they pay their staff"),
        event("6", "fan5", "Globex boycott starts now, acme from here on"),
        event("7", "reporter", "Our investigation shows acme couriers earn £4.10 an hour", followers=48_000),
        event("8", "reporter2", "Our investigation shows Globex couriers earn £4.10 an hour"),
    ])
    assert [item.sentiment.label for item in enriched] == [
        "negative", "negative", "neutral", "neutral", "negative", "neutral", "negative", "neutral",
    ]
    assert enriched[0].sentiment.score <= -0.5


def test_holding_the_brand_up_against_another_is_not_negative_about_it() -> None:
    """An outside tester's competitor scandal: "Zarella is awful. switching to velora" is bad news
    for Zarella; read as negative about velora, 12 people opened a spike."""
    enricher = Enricher(REGISTRY, KeywordClassifier(), claims)
    enriched = enricher.enrich_batch([
        event("1", "fan", "Globex is awful. switching to acme for basics"),
        event("2", "fan2", "Globex is awful, bought the acme one instead"),
        event("3", "fan3", "awful week. I'd never switch to acme"),
        event("4", "fan4", "Globex is awful. Switching to acme, goodbye acme points? no: cancelled my membership"),
        event("5", "acme", "Globex is awful, switch to acme"),
        event("6", "fan5", "acme is awful, switching to Globex"),
    ])
    assert [item.sentiment.label for item in enriched] == ["neutral", "neutral", "negative", "negative", "negative", "negative"]
    assert enriched[0].sentiment.score == 0.0


def test_taking_the_brand_to_consumer_protection_is_negative_for_outside_authors_only() -> None:
    """A German brand must tell customers where to complain: its own "Sie können sich an die
    Schlichtungsstelle wenden" is not a hostile reply (a review found the classifier rule made it one)."""
    enriched = Enricher(REGISTRY, KeywordClassifier(), claims).enrich_batch([
        event("1", "fan", "Verbraucherzentrale einschalten!"),
        event("2", "acme", "Sie können sich jederzeit an die Schlichtungsstelle wenden."),
        event("3", "fan2", "Chargeback processed, thanks for the quick help!"),
    ])
    assert [item.sentiment.label for item in enriched] == ["negative", "neutral", "neutral"]
