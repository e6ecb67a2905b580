"""A brand's checkpoint: the bytes the worker keeps in its state table (and so in the
table's changelog topic), and what ``replay --state`` style tools would read back.

A checkpoint holds the brand's :class:`~detectors.engine.BrandState` and the ids of the
events most recently applied to it (:class:`~detectors.dedupe.RecentIds`), so a restarted
worker neither loses an update nor counts a re-read event twice. The wrapper carries its
own ``format`` number; the state inside carries ``STATE_VERSION``. Checkpoints written
before the wrapper had a format number (``{"state", "recent_ids"}`` only) read as format 1.

>>> from detectors.engine import CrisisEngine
>>> state = CrisisEngine().initial_state("acme", "de")
>>> payload = encode_checkpoint(state, RecentIds(["e1", "e2"]))
>>> restored, recent = decode_checkpoint(payload)
>>> restored == state, "e2" in recent
(True, True)
>>> decode_checkpoint(b'{"format": 9}')
Traceback (most recent call last):
...
detectors.checkpoint.CheckpointError: checkpoint format 9 is not 1
"""

from __future__ import annotations

from typing import Any, Final

import orjson

from detectors.dedupe import RecentIds
from detectors.engine import BrandState, brand_state_from_dict, brand_state_to_dict

CHECKPOINT_FORMAT: Final = 1


class CheckpointError(ValueError):
    """A stored checkpoint that cannot be read (corrupt, or written by another version)."""


def encode_checkpoint(state: BrandState, recent_ids: RecentIds) -> bytes:
    """Bytes for a brand's state and recently applied event ids.

    Keys keep the state's own order, not sorted: some bounded maps in the state forget their
    oldest entry first (``ThreadBook.aliases``), so a restored state must hold its entries in
    the order the live one did, or a restarted worker would forget different ones than an
    uninterrupted run. The state is deterministic, so the bytes are too.
    """
    return orjson.dumps(
        {"format": CHECKPOINT_FORMAT, "state": brand_state_to_dict(state), "recent_ids": recent_ids.to_list()}
    )


def decode_checkpoint(payload: bytes | bytearray | memoryview | str) -> tuple[BrandState, RecentIds]:
    """Inverse of :func:`encode_checkpoint`; raises :class:`CheckpointError` for anything else."""
    try:
        data: Any = orjson.loads(payload)
    except orjson.JSONDecodeError as error:
        raise CheckpointError(f"checkpoint is not JSON: {error}") from None
    if not isinstance(data, dict):
        raise CheckpointError(f"checkpoint is a JSON {type(data).__name__}, not an object")
    version = data.get("format", CHECKPOINT_FORMAT)
    if version != CHECKPOINT_FORMAT:
        raise CheckpointError(f"checkpoint format {version!r} is not {CHECKPOINT_FORMAT}")
    missing = sorted({"state", "recent_ids"} - data.keys())
    if missing:
        raise CheckpointError(f"checkpoint lacks {', '.join(missing)}")
    ids = data["recent_ids"]
    if not isinstance(ids, list) or not all(isinstance(event_id, str) for event_id in ids):
        raise CheckpointError("checkpoint recent_ids is not a list of strings")
    if not isinstance(data["state"], dict):
        raise CheckpointError("checkpoint state is not an object")
    try:
        state = brand_state_from_dict(data["state"])
    except (ValueError, TypeError, KeyError, AttributeError, IndexError) as error:
        raise CheckpointError(f"checkpoint state is unreadable: {error!r}") from None
    return state, RecentIds(ids)
