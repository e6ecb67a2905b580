"""Reading JSONL event files: one raw event per line, bad lines reported with their number."""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from schemas.codec import InvalidEvent, parse_raw_payload, raw_event_from_dict
from schemas.records import RawEvent
from streams.errors import CommandError


def read_lines(path: Path | str) -> Iterator[tuple[int, bytes]]:
    """Yield ``(line number, line bytes)`` for non-blank lines; ``-`` reads stdin."""
    if str(path) == "-":
        handle = sys.stdin.buffer
        yield from _numbered(handle)
        return
    try:
        with open(path, "rb") as handle:
            yield from _numbered(handle)
    except OSError as error:
        raise CommandError(_file_problem(path, error)) from None


def _file_problem(path: Path | str, error: OSError) -> str:
    if isinstance(error, FileNotFoundError):
        return f"{path}: no such file"
    if isinstance(error, IsADirectoryError):
        return f"{path} is a directory, expected a JSONL file"
    return f"{path}: cannot read: {error.strerror or error}"


def _numbered(handle: Iterable[bytes]) -> Iterator[tuple[int, bytes]]:
    for number, line in enumerate(handle, start=1):
        stripped = line.strip()
        if stripped:
            yield number, stripped


def count_lines(path: Path | str) -> int | None:
    if str(path) == "-":
        return None
    try:
        with open(path, "rb") as handle:
            return sum(1 for line in handle if line.strip())
    except OSError as error:
        raise CommandError(_file_problem(path, error)) from None


FIRST_ERRORS_SHOWN = 10
LIST_ALL_HELP = f"debug logging, and list every line that breaks the input contract (else the first {FIRST_ERRORS_SHOWN})"


@dataclass(slots=True)
class LoadReport:
    events: list[RawEvent] = field(default_factory=list)
    rejected: Counter[str] = field(default_factory=Counter)
    first_errors: list[str] = field(default_factory=list)
    list_all: bool = False
    """Keep every rejected line for the summary (``-v``), not only the first :data:`FIRST_ERRORS_SHOWN`."""

    def note(self, path: Path | str, number: int, error: InvalidEvent) -> None:
        self.rejected[error.reason.value] += 1
        if self.list_all or len(self.first_errors) < FIRST_ERRORS_SHOWN:
            self.first_errors.append(f"{path}:{number}: {error}")

    def rejection_summary(self, total: int, fate: str) -> str:
        """What ``replay`` and ``produce`` print about the rejected lines: how many of
        ``total``, by reason (most first), what became of them, then the first ones.

        >>> report = LoadReport(rejected=Counter(bad_json=1, missing_field=2), first_errors=["e.jsonl:2: bad_json: ..."])
        >>> print(report.rejection_summary(10, "skipped"))
        3 of 10 lines break the input contract (2 missing_field, 1 bad_json); skipped:
          e.jsonl:2: bad_json: ...
          and 2 more (-v lists them all)
        """
        bad = sum(self.rejected.values())
        reasons = ", ".join(f"{count} {reason}" for reason, count in sorted(self.rejected.items(), key=lambda item: (-item[1], item[0])))
        lines = [f"{bad} of {total} lines break the input contract ({reasons}); {fate}:"]
        lines += [f"  {error}" for error in self.first_errors]
        if bad > len(self.first_errors):
            lines.append(f"  and {bad - len(self.first_errors)} more (-v lists them all)")
        return "\n".join(lines)


@dataclass(frozen=True, slots=True)
class Line:
    """One non-blank line, decoded once: the event, or why it breaks the input contract."""

    number: int
    payload: bytes
    event: RawEvent | None
    error: InvalidEvent | None
    brand: str | None
    """The event's brand; for a rejected line, its ``brand`` field if it has a string one."""


def read_events(path: Path | str) -> Iterator[Line]:
    for number, payload in read_lines(path):
        value: Any = None
        try:
            value = parse_raw_payload(payload)
            event = raw_event_from_dict(value)
        except InvalidEvent as error:
            brand = value.get("brand") if isinstance(value, dict) else None
            yield Line(number, payload, None, error, brand if isinstance(brand, str) else None)
        else:
            yield Line(number, payload, event, None, event.brand)


def load_events(path: Path | str, *, list_all: bool = False) -> LoadReport:
    report = LoadReport(list_all=list_all)
    for line in read_events(path):
        if line.event is not None:
            report.events.append(line.event)
        else:
            assert line.error is not None
            report.note(path, line.number, line.error)
    return report
