"""The executed examples in the docstrings of ``streams`` (pytest does not collect them by itself)."""

from __future__ import annotations

import doctest
import importlib

import pytest


@pytest.mark.parametrize("module", ["streams.acks", "streams.app", "streams.arguments", "streams.commands.dead_letters", "streams.forwarding", "streams.jsonl", "streams.settings"])
def test_doctests(module: str) -> None:
    failures, tried = doctest.testmod(importlib.import_module(module))
    assert tried > 0 and failures == 0
