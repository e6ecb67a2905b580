"""The executed examples in the docstrings of ``schemas`` (pytest does not collect them by itself).

Every module of the package is run, so an example added to a new module is not left out.
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import schemas

MODULES = sorted(f"schemas.{module.name}" for module in pkgutil.iter_modules(schemas.__path__))


@pytest.mark.parametrize("name", MODULES)
def test_doctests(name: str) -> None:
    failures, tried = doctest.testmod(importlib.import_module(name))
    assert failures == 0
    assert tried > 0 or name not in ("schemas.brands", "schemas.codec"), "its examples were not found"
