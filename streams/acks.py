"""Acks in the order events were consumed, per partition.

An enriched event may be acked only once a checkpoint of its brand's state holds it, so
events become ackable out of order: a duplicate or a dead letter at once, brand B's
events at B's checkpoint while brand A's earlier events on the same partition wait for
A's. faust-streaming 0.15.3 commits past a single unacked offset at the head of a
partition when later ones are acked (its ``Consumer._new_offset`` treats a head gap of
one as a compacted offset; faust-streaming issue #606), so a crash then lost the head
event. Releasing acks only in consumption order keeps every committed offset behind
every event that is not yet in a checkpoint, whatever Faust does with gaps.

>>> acks = OrderedAcks()
>>> first, second = acks.consumed(0, "a1"), acks.consumed(0, "b1")
>>> second.ready = True
>>> acks.release(0)
[]
>>> first.ready = True
>>> acks.release(0)
['a1', 'b1']
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(slots=True)
class Pending:
    """A consumed event and whether what it changed is stored (or it changed nothing)."""

    event: Any
    partition: int
    ready: bool = False


class OrderedAcks:
    def __init__(self) -> None:
        self._queues: dict[int, deque[Pending]] = {}

    def consumed(self, partition: int, event: Any) -> Pending:
        pending = Pending(event, partition)
        self._queues.setdefault(partition, deque()).append(pending)
        return pending

    def release(self, partition: int) -> list[Any]:
        """The events now ackable: the ready ones at the head of the partition's queue."""
        queue = self._queues.get(partition)
        released = []
        while queue and queue[0].ready:
            released.append(queue.popleft().event)
        return released

    def waiting(self) -> int:
        """Consumed events not released yet (all partitions)."""
        return sum(len(queue) for queue in self._queues.values())

    def forget(self) -> None:
        """Partitions were revoked: their unacked events go to their next owner."""
        self._queues.clear()


class OffsetGaps:
    """Offsets the consumer stepped over, per partition of a topic the worker writes itself.

    Such a topic has an event at every offset (no compaction, no transactions), so a
    consumer that goes from offset n to n + k + 1 never saw k events. A step back is a
    re-read after a seek and loses nothing. The first offset after an assignment is
    compared with the committed offset the consumer started from: a gap there is what a
    fetch racing the assignment's seek, or retention deleting unread events, leaves. Not
    seen: a gap before the first event of a partition without a committed offset, and one
    at the end of a partition until its next event arrives.

    >>> gaps = OffsetGaps()
    >>> gaps.consumed(0, 10, lambda: 10), gaps.consumed(0, 11, None), gaps.consumed(0, 14, None)
    (0, 0, 2)
    >>> gaps.consumed(0, 12, None), gaps.consumed(1, 7, lambda: 5)
    (0, 2)
    """

    def __init__(self) -> None:
        self._next: dict[int, int] = {}

    def consumed(self, partition: int, offset: int, committed: Callable[[], int | None] | None) -> int:
        """How many offsets before ``offset`` were skipped. ``committed`` (the partition's
        committed offset) is called only for its first event since the last :meth:`forget`."""
        expected = self._next.get(partition)
        if expected is None and committed is not None:
            expected = committed()
        self._next[partition] = offset + 1
        if expected is None or offset <= expected:
            return 0
        return offset - expected

    def forget(self) -> None:
        """Partitions were revoked: the next assignment starts from its committed offsets."""
        self._next.clear()
