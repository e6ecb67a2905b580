"""Counting each event once: a bounded window of recently applied event ids per brand.

Kafka delivery is at least once: a restarted worker re-reads events, and raw events
enriched again get new offsets, so offsets cannot tell duplicates apart; event ids can
(the input contract makes them unique across a brand's platforms). The live worker and the
offline replay use the same window, so they agree on repeated ids too.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from typing import Final

RECENT_IDS_PER_BRAND: Final = 4096
"""More than a commit interval's worth of one brand's events, which is what a restart re-reads."""


class RecentIds:
    """
    >>> recent = RecentIds(limit=2)
    >>> [recent.remember(event_id) for event_id in ["a", "b", "a", "c", "a"]]
    [True, True, False, True, True]
    >>> "b" in recent, "a" in recent
    (False, True)
    """

    __slots__ = ("_ids", "_order")

    def __init__(self, ids: Iterable[str] = (), limit: int = RECENT_IDS_PER_BRAND) -> None:
        self._order: deque[str] = deque(maxlen=limit)
        self._ids: set[str] = set()
        for event_id in ids:
            self.remember(event_id)

    def __contains__(self, event_id: object) -> bool:
        return event_id in self._ids

    def remember(self, event_id: str) -> bool:
        """Add the id; False if it is already in the window (the event was applied)."""
        if event_id in self._ids:
            return False
        if len(self._order) == self._order.maxlen:
            self._ids.discard(self._order[0])
        self._order.append(event_id)
        self._ids.add(event_id)
        return True

    def to_list(self) -> list[str]:
        return list(self._order)
