"""Event records exchanged on flarewatch's topics.

Records are frozen, slotted dataclasses; every top-level record carries a
``schema_version`` so consumers can tell payload generations apart. Times are
event time in integer epoch milliseconds inside Python and RFC 3339 strings on
the wire (see :mod:`schemas.codec`). This module imports nothing from Faust or
Kafka so that detectors and consumers can use it anywhere.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Literal

SCHEMA_VERSION: Final = 1

Platform = Literal["twitter", "facebook", "instagram", "blog", "news", "forum", "other"]
EventKind = Literal["post", "reply", "comment", "share", "deletion"]
DeletedBy = Literal["author", "moderator", "platform"]
AuthorRole = Literal["owned", "agency", "executive", "moderator", "other"]
SentimentLabel = Literal["negative", "neutral", "positive", "unknown"]
KNOWN_LANGUAGES: Final = (
    "en", "de", "fr", "es", "it", "nl", "pt", "tr", "pl", "ru", "ar", "ja", "ko", "zh",
    "sv", "da", "no", "fi", "cs", "el", "hu", "ro", "id", "uk", "hr",
)
"""ISO 639-1 codes flarewatch knows: the ones the enricher detects and a brand may list."""
ClaimKind = Literal["former_employee", "employee", "customer_complaint"]
IncidentType = Literal[
    "negative_spike",
    "negative_shift",
    "comment_flood",
    "owned_post_backlash",
    "moderation_backlash",
    "external_post_backlash",
]
IncidentStatus = Literal["opened", "updated", "resolved"]
Origin = Literal["self_inflicted", "external", "unknown"]
Level = Literal["info", "warning", "critical"]

PLATFORMS: Final[tuple[Platform, ...]] = (
    "twitter", "facebook", "instagram", "blog", "news", "forum", "other",
)
EVENT_KINDS: Final[tuple[EventKind, ...]] = ("post", "reply", "comment", "share", "deletion")
DELETED_BY: Final[tuple[DeletedBy, ...]] = ("author", "moderator", "platform")
AUTHOR_ROLES: Final[tuple[AuthorRole, ...]] = ("owned", "agency", "executive", "moderator", "other")
BRAND_ROLES: Final[frozenset[AuthorRole]] = frozenset({"owned", "agency", "executive"})
SENTIMENT_LABELS: Final[tuple[SentimentLabel, ...]] = ("negative", "neutral", "positive", "unknown")
CLAIM_KINDS: Final[tuple[ClaimKind, ...]] = ("former_employee", "employee", "customer_complaint")
INCIDENT_TYPES: Final[tuple[IncidentType, ...]] = (
    "negative_spike",
    "negative_shift",
    "comment_flood",
    "owned_post_backlash",
    "moderation_backlash",
    "external_post_backlash",
)
INCIDENT_STATUSES: Final[tuple[IncidentStatus, ...]] = ("opened", "updated", "resolved")
ORIGINS: Final[tuple[Origin, ...]] = ("self_inflicted", "external", "unknown")
LEVELS: Final[tuple[Level, ...]] = ("info", "warning", "critical")


LEVEL_MIN_SEVERITY: Final[dict[Level, int]] = {"info": 1, "warning": 4, "critical": 7}
"""The lowest severity of each level: 1-3 is info, 4-6 warning, 7-10 critical."""


def level_for_severity(severity: int) -> Level:
    """Severity 1-3 is info, 4-6 warning, 7-10 critical (:data:`LEVEL_MIN_SEVERITY`)."""
    for level in reversed(LEVELS):
        if severity >= LEVEL_MIN_SEVERITY[level]:
            return level
    return "info"


@dataclass(frozen=True, slots=True)
class Author:
    id: str
    handle: str | None = None
    followers: int | None = None
    verified: bool | None = None


@dataclass(frozen=True, slots=True)
class Engagement:
    likes: int | None = None
    shares: int | None = None
    replies: int | None = None


@dataclass(frozen=True, slots=True)
class RawEvent:
    """One social event as a producer sends it (the input contract, v1)."""

    id: str
    platform: Platform
    kind: EventKind
    brand: str
    created_at_ms: int
    author: Author
    text: str | None = None
    lang: str | None = None
    parent_id: str | None = None
    root_id: str | None = None
    deleted_by: DeletedBy | None = None
    url: str | None = None
    metrics: Engagement | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)
    schema_version: int = SCHEMA_VERSION

    @property
    def thread_id(self) -> str:
        """The post a conversation hangs on: root, else parent, else the event itself."""
        return self.root_id or self.parent_id or self.id


@dataclass(frozen=True, slots=True)
class Sentiment:
    label: SentimentLabel
    score: float
    """Signed polarity in [-1, 1]: negative below zero."""
    model_version: str


@dataclass(frozen=True, slots=True)
class AuthorClaim:
    """What an author says about themselves, e.g. "as a former employee"."""

    kind: ClaimKind
    cue: str


@dataclass(frozen=True, slots=True)
class EnrichedEvent:
    event: RawEvent
    lang: str | None
    author_role: AuthorRole
    reach: float
    """Weight in [0, 1] from the author's followers (log scale)."""
    sentiment: Sentiment
    author_claim: AuthorClaim | None = None
    schema_version: int = SCHEMA_VERSION

    @property
    def is_negative(self) -> bool:
        return self.sentiment.label == "negative"


@dataclass(frozen=True, slots=True)
class Trigger:
    """The event an incident started from, when it has one."""

    event_id: str
    author_role: AuthorRole
    url: str | None = None
    kind: EventKind | None = None
    excerpt: str | None = None


@dataclass(frozen=True, slots=True)
class Evidence:
    observed: float
    expected: float
    window_seconds: int
    negative_events: int
    total_events: int
    top_terms: tuple[str, ...] = ()
    platforms: Mapping[str, int] = field(default_factory=dict)
    sample_event_ids: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Incident:
    incident_id: str
    status: IncidentStatus
    brand: str
    type: IncidentType
    origin: Origin
    severity: int
    started_at_ms: int
    detected_at_ms: int
    updated_at_ms: int
    evidence: Evidence
    summary: str
    lang: str = "en"
    trigger: Trigger | None = None
    first_actions: tuple[str, ...] = ()
    resolved_at_ms: int | None = None
    schema_version: int = SCHEMA_VERSION

    @property
    def level(self) -> Level:
        return level_for_severity(self.severity)
