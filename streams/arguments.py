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


def kafka_topic(text: str) -> str:
    """A Kafka topic name, checked before any client sees it (kafka-python raises a traceback).

    >>> kafka_topic("bad topic!")
    Traceback (most recent call last):
    argparse.ArgumentTypeError: 'bad topic!' is not a Kafka topic name (letters, digits, '.', '_' and '-', at most 249 characters)
    """
    from streams.settings import MAX_TOPIC_NAME_LENGTH, is_topic_name

    if not is_topic_name(text):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a Kafka topic name (letters, digits, '.', '_' and '-', at most {MAX_TOPIC_NAME_LENGTH} characters)"
        )
    return text
