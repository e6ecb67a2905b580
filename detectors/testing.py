"""Tiny builders for enriched events in doctests and tests (no classifier involved)."""

from __future__ import annotations

from schemas.records import (
    Author,
    AuthorClaim,
    AuthorRole,
    ClaimKind,
    DeletedBy,
    EnrichedEvent,
    EventKind,
    Platform,
    RawEvent,
    Sentiment,
    SentimentLabel,
)

T0_MS = 1_772_366_400_000
"""2026-03-01T12:00:00Z, a Sunday: the default start of test streams."""


def enriched(
    event_id: str,
    offset_ms: int,
    *,
    brand: str = "acme",
    kind: EventKind | None = None,
    parent: str | None = None,
    root: str | None = None,
    author: str | None = None,
    role: AuthorRole = "other",
    negative: bool = False,
    score: float | None = None,
    text: str | None = None,
    platform: Platform = "twitter",
    followers: int | None = None,
    reach: float = 0.1,
    claim: ClaimKind | None = None,
    deleted_by: DeletedBy | None = None,
    start_ms: int = T0_MS,
) -> EnrichedEvent:
    """An enriched event ``offset_ms`` after ``start_ms``; replies when ``parent`` is given.

    ``root`` defaults to ``parent``; ``root=""`` sends no root id (only the parent).
    """
    if kind is None:
        kind = "reply" if parent is not None else "post"
    label: SentimentLabel = "negative" if negative else "neutral"
    raw = RawEvent(
        id=event_id,
        platform=platform,
        kind=kind,
        brand=brand,
        created_at_ms=start_ms + offset_ms,
        author=Author(id=author or f"user-{event_id}", handle=author or f"user_{event_id}", followers=followers),
        text=text,
        lang="en",
        parent_id=parent,
        root_id=(root or None) if root is not None else parent,
        deleted_by=deleted_by,
        url=f"https://example.social/{event_id}",
    )
    return EnrichedEvent(
        event=raw,
        lang="en",
        author_role=role,
        reach=reach,
        sentiment=Sentiment(label=label, score=score if score is not None else (-0.8 if negative else 0.0), model_version="test"),
        author_claim=None if claim is None else AuthorClaim(kind=claim, cue="test"),
    )
