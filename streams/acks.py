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
