"""argparse value types shared by the commands: a bad value is argparse's one-line usage error."""

from __future__ import annotations

import argparse
from collections.abc import Callable


def int_between(low: int, high: int | None, meaning: str) -> Callable[[str], int]:
    """A type that accepts whole numbers from ``low`` to ``high`` (no upper bound if None).

    >>> int_between(1, None, "at least 1")("3")
    3
    """

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number ({meaning})") from None
        if value < low or (high is not None and value > high):
            raise argparse.ArgumentTypeError(f"{value} is out of range ({meaning})")
        return value

    return parse
