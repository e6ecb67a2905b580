"""Enrichment: who the author is to the brand, how far they reach, what they feel.

Pure and batched: the Faust agent and the offline replay call the same
:meth:`Enricher.enrich_batch`, so live and backtest results agree.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace
from typing import Protocol

from detectors.relevance import AboutBrand
from detectors.sentiment.stance import (
    brand_names,
    calls_for_boycott_of,
    escalates,
    exposes,
    leaves_brand,
    prefers_brand,
    says_goodbye_to,
)
from schemas.brands import BrandRegistry
from schemas.records import AuthorClaim, EnrichedEvent, RawEvent, Sentiment

REACH_SATURATION_FOLLOWERS = 10_000_000


class TextClassifier(Protocol):
    version: str

    def classify_batch(
        self, texts: Sequence[str | None], langs: Sequence[str | None]
    ) -> list[tuple[str | None, Sentiment]]: ...


class ClaimDetector(Protocol):
    def __call__(self, text: str | None, lang: str | None) -> AuthorClaim | None: ...


def reach_weight(followers: int | None) -> float:
    """Followers on a log scale in [0, 1]; unknown counts as a small account.

    >>> reach_weight(None), reach_weight(0), reach_weight(9_999), round(reach_weight(10_000_000), 3)
    (0.0, 0.0, 0.571, 1.0)
    """
    if not followers or followers <= 0:
        return 0.0
    return round(min(1.0, math.log10(1 + followers) / math.log10(1 + REACH_SATURATION_FOLLOWERS)), 3)


class Enricher:
    def __init__(
        self,
        registry: BrandRegistry,
        classifier: TextClassifier,
        claim_detector: ClaimDetector | None = None,
    ) -> None:
        self.registry = registry
        self.classifier = classifier
        if claim_detector is None:
            from detectors.author_claims import detect_author_claim

            claim_detector = detect_author_claim
        self.claim_detector = claim_detector
        self._names = {
            name: brand_names(name, [handle for handle, role in brand.accounts.items() if role == "owned"])
            for name, brand in registry.brands.items()
        }
        self._about = {
            name: AboutBrand(name, brand.accounts, brand.exclude) for name, brand in registry.brands.items() if brand.exclude
        }

    def is_about_brand(self, event: RawEvent) -> bool:
        """False when the text names the brand only inside a phrase its registry entry excludes
        (a stadium or a namesake): such an event is not enriched or counted. The brand's own
        accounts are always about it (a sponsor's post about "its" arena draws the replies)."""
        about = self._about.get(event.brand)
        return about is None or about(event.text) or self.registry.role_of(event.brand, event.author) != "other"

    @property
    def model_version(self) -> str:
        return self.classifier.version

    def enrich_batch(self, events: Sequence[RawEvent]) -> list[EnrichedEvent]:
        if not events:
            return []
        classified = self.classifier.classify_batch(
            [event.text for event in events], [event.lang for event in events]
        )
        enriched = []
        for event, (lang, sentiment) in zip(events, classified, strict=True):
            role = self.registry.role_of(event.brand, event.author)
            claim = self.claim_detector(event.text, lang) if role == "other" else None
            names = self._names.get(event.brand, ())
            if role == "other" and event.text and sentiment.label in ("neutral", "positive") and (
                says_goodbye_to(event.text, names) or calls_for_boycott_of(event.text, names)
                or exposes(event.text, names) or escalates(event.text)
            ):
                # A polite farewell to the brand, or a call to boycott it, reads positive or
                # neutral to the model; it is a customer leaving, or calling others to leave. A
                # reporter's level account of an investigation into the brand is damaging news,
                # and so is a customer taking the brand to consumer protection or a lawyer.
                sentiment = replace(sentiment, label="negative", score=min(sentiment.score, -0.5))
            elif role == "other" and event.text and sentiment.label == "negative" and (
                prefers_brand(event.text, names) and not leaves_brand(event.text, names)
            ):
                # "Zarella is disgusting. velora seems more transparent": negative, about someone else.
                sentiment = replace(sentiment, label="neutral", score=max(sentiment.score, 0.0))
            enriched.append(
                EnrichedEvent(
                    event=event,
                    lang=lang,
                    author_role=role,
                    reach=reach_weight(event.author.followers),
                    sentiment=sentiment,
                    author_claim=claim,
                )
            )
        return enriched
