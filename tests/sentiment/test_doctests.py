"""The executed examples in the sentiment and author-claim modules' docstrings."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = (
    "detectors.author_claims",
    "detectors.sentiment.features",
    "detectors.sentiment.language",
    "detectors.sentiment.text",
)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0
