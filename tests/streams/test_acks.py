"""Acks leave in consumption order per partition (see streams.acks)."""

from __future__ import annotations

from streams.acks import OrderedAcks


def test_a_later_brands_checkpoint_does_not_ack_past_an_earlier_brands_unstored_event() -> None:
    """faust-streaming 0.15.3 commits past one unacked head offset when later ones are acked:
    brand B's checkpoint acking offset 11 while brand A's offset 10 waited for A's checkpoint
    would have let a crash lose offset 10."""
    acks = OrderedAcks()
    a10, b11, dup12, a13 = (acks.consumed(0, offset) for offset in (10, 11, 12, 13))
    other_partition = acks.consumed(1, 5)
    b11.ready = dup12.ready = True
    assert acks.release(0) == []
    other_partition.ready = True
    assert acks.release(1) == [5]
    a10.ready = True
    assert acks.release(0) == [10, 11, 12]
    assert acks.waiting() == 1
    a13.ready = True
    assert acks.release(0) == [13] and acks.waiting() == 0


def test_revoked_partitions_forget_their_waiting_events() -> None:
    acks = OrderedAcks()
    acks.consumed(0, 1)
    acks.forget()
    assert acks.waiting() == 0 and acks.release(0) == []
