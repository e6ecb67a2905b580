"""Frozen detector state to JSON-able dicts and back, driven by the type hints.

Detector and engine states are frozen dataclasses built from ints, floats,
strings, tuples, ``str``-keyed mappings, optional values and other such
dataclasses. :func:`to_jsonable` turns one into plain dicts and lists that
orjson writes without options; :func:`from_jsonable` rebuilds the exact value,
so ``from_jsonable(type(x), orjson.loads(orjson.dumps(to_jsonable(x)))) == x``.
Fields at their default are left out (``from_jsonable`` restores them): a brand's
state holds hundreds of threads, most of whose fields never leave their default,
and every field added to a thread would otherwise cost each checkpoint its name
hundreds of times. A dataclass with its own ``from_dict`` gets every field.

>>> from dataclasses import dataclass
>>> @dataclass(frozen=True)
... class Point:
...     x: int
...     tags: tuple[str, ...] = ()
>>> to_jsonable(Point(1, ("a",)))
{'x': 1, 'tags': ['a']}
>>> from_jsonable(Point, {'x': 1, 'tags': ['a']})
Point(x=1, tags=('a',))
>>> to_jsonable(Point(2)), from_jsonable(Point, {'x': 2})
({'x': 2}, Point(x=2, tags=()))
"""

from __future__ import annotations

import dataclasses
import functools
import sys
import types
from collections.abc import Mapping
from typing import Any, TypeVar, Union, get_args, get_origin, get_type_hints

T = TypeVar("T")


def to_jsonable(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        every_field = hasattr(type(value), "from_dict")
        data = {}
        for spec in dataclasses.fields(value):
            item = getattr(value, spec.name)
            if every_field or spec.default is dataclasses.MISSING or item != spec.default:
                data[spec.name] = to_jsonable(item)
        return data
    if isinstance(value, Mapping):
        return {str(key): to_jsonable(item) for key, item in value.items()}
    if isinstance(value, tuple | list):
        return [to_jsonable(item) for item in value]
    return value


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    module = sys.modules.get(cls.__module__)
    return get_type_hints(cls, vars(module) if module else None)


def from_jsonable(hint: Any, data: Any) -> Any:
    """Rebuild a value of type ``hint`` from :func:`to_jsonable` output.

    A dataclass with a ``from_dict`` classmethod (the detectors of other
    modules) is rebuilt by that method.
    """
    if data is None:
        return None
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        custom = getattr(hint, "from_dict", None)
        if custom is not None:
            return custom(data)
        hints = _hints(hint)
        values = {
            spec.name: from_jsonable(hints[spec.name], data[spec.name])
            for spec in dataclasses.fields(hint)
            if spec.name in data
        }
        return hint(**values)
    origin = get_origin(hint)
    if origin in (Union, types.UnionType):
        options = [arg for arg in get_args(hint) if arg is not type(None)]
        return from_jsonable(options[0], data) if len(options) == 1 else data
    if origin is tuple:
        args = get_args(hint)
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(from_jsonable(args[0], item) for item in data)
        return tuple(from_jsonable(arg, item) for arg, item in zip(args, data, strict=True))
    if origin in (Mapping, dict):
        value_hint = get_args(hint)[1]
        return {str(key): from_jsonable(value_hint, item) for key, item in data.items()}
    if hint is float:
        return float(data)
    return data
