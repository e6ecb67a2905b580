"""The brand registry (``brands.yaml``): which accounts speak for a watched brand.

Each account entry matches an author's handle (case-insensitive, leading ``@``
optional) or id. A malformed file raises :class:`BrandRegistryError` naming
the offending entry, so a typo never silently turns the CEO into "other": keys
are checked at every level (a misspelt ``acounts:`` would otherwise drop every
account) and languages against the ones flarewatch knows.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import yaml

from schemas.records import KNOWN_LANGUAGES, Author, AuthorRole

ACCOUNT_GROUPS: Final[Mapping[str, AuthorRole]] = {
    "owned": "owned",
    "agency": "agency",
    "executives": "executive",
    "moderators": "moderator",
}
SUPPORTED_SUMMARY_LANGUAGES: Final = ("en", "de")
REGISTRY_KEYS: Final = ("brands",)
BRAND_KEYS: Final = ("name", "languages", "timezone", "accounts", "exclude")
_LANGUAGE_TAG: Final = re.compile(r"([A-Za-z]{2,3})(?:[-_][A-Za-z0-9]{1,8})*")


class BrandRegistryError(ValueError):
    """The registry file is missing or does not follow the documented format."""


def _account_key(value: str) -> str:
    return value.strip().lstrip("@").casefold()


@dataclass(frozen=True, slots=True)
class Brand:
    name: str
    languages: tuple[str, ...] = ("en",)
    accounts: Mapping[str, AuthorRole] = field(default_factory=dict)
    """Normalised handle or id -> role."""
    timezone: str | None = None
    """IANA time zone (``Europe/Berlin``) in which incident summaries give times; UTC when unset."""
    exclude: tuple[str, ...] = ()
    """Phrases that hold the brand's name but name something else ("nordkabel Arena"): an event
    whose text names the brand only inside them is not about the brand and is not counted
    (see :mod:`detectors.relevance`)."""

    @property
    def language(self) -> str:
        """Language of incident summaries: the first listed one that flarewatch writes."""
        for language in self.languages:
            if language in SUPPORTED_SUMMARY_LANGUAGES:
                return language
        return "en"


@dataclass(frozen=True, slots=True)
class BrandRegistry:
    brands: Mapping[str, Brand]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(sorted(self.brands))

    def role_of(self, brand: str, author: Author) -> AuthorRole:
        """The author's role for this brand; ``other`` for unknown brands and authors.

        >>> registry = registry_from_dict({"brands": [{"name": "acme", "accounts": {"owned": ["@ACME"]}}]})
        >>> registry.role_of("acme", Author(id="42", handle="acme"))
        'owned'
        >>> registry.role_of("acme", Author(id="43", handle="fan"))
        'other'
        """
        entry = self.brands.get(brand)
        if entry is None:
            return "other"
        if author.handle:
            role = entry.accounts.get(_account_key(author.handle))
            if role is not None:
                return role
        return entry.accounts.get(_account_key(author.id), "other")

    def language(self, brand: str) -> str:
        entry = self.brands.get(brand)
        return entry.language if entry is not None else "en"

    def timezone(self, brand: str) -> str | None:
        entry = self.brands.get(brand)
        return entry.timezone if entry is not None else None


def registry_from_dict(data: Any, source: str = "brand registry") -> BrandRegistry:
    if not isinstance(data, dict) or not isinstance(data.get("brands"), list):
        raise BrandRegistryError(f"{source}: expected a mapping with a 'brands' list")
    _reject_unknown_keys(data, REGISTRY_KEYS, source)
    if not data["brands"]:
        raise BrandRegistryError(
            f"{source}: 'brands' is empty; list the watched brands (events for brands not listed are dead-lettered)"
        )
    brands: dict[str, Brand] = {}
    for index, item in enumerate(data["brands"]):
        where = f"{source}: brands[{index}]"
        if not isinstance(item, dict):
            raise BrandRegistryError(f"{where} must be a mapping")
        name = item.get("name")
        if isinstance(name, str) and name.strip():
            where = f"{where} ({name})"
        _reject_unknown_keys(item, BRAND_KEYS, where)
        if not isinstance(name, str) or not name.strip():
            raise BrandRegistryError(f"{where}.name must be a non-empty string")
        if name in brands:
            raise BrandRegistryError(f"{where}: brand {name!r} is listed twice")
        languages = _languages(item.get("languages", ["en"]), f"{where}.languages")
        timezone = _timezone(item.get("timezone"), f"{where}.timezone")
        accounts_obj = item.get("accounts", {}) or {}
        if not isinstance(accounts_obj, dict):
            raise BrandRegistryError(f"{where}.accounts must be a mapping")
        _reject_unknown_keys(accounts_obj, tuple(ACCOUNT_GROUPS), f"{where}.accounts", "group")
        accounts: dict[str, AuthorRole] = {}
        for group, role in ACCOUNT_GROUPS.items():
            for account in _account_list(accounts_obj.get(group), f"{where}.accounts.{group}"):
                key = _account_key(account)
                if key in accounts and accounts[key] != role:
                    raise BrandRegistryError(f"{where}: account {account!r} is both {accounts[key]} and {role}")
                accounts[key] = role
        exclude = _phrases(item.get("exclude"), f"{where}.exclude", name)
        brands[name] = Brand(name=name, languages=languages, accounts=accounts, timezone=timezone, exclude=exclude)
    return BrandRegistry(brands=brands)


def _reject_unknown_keys(mapping: Mapping[Any, Any], allowed: Sequence[str], where: str, what: str = "key") -> None:
    for key in mapping:
        if key in allowed:
            continue
        close = difflib.get_close_matches(str(key), allowed, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise BrandRegistryError(f"{where} has unknown {what} {key!r}; {hint}allowed: {', '.join(allowed)}")


def _languages(value: Any, where: str) -> tuple[str, ...]:
    """Primary subtags in the listed order: ``de-DE`` and ``de_AT`` are ``de``.

    >>> _languages(["de-DE", "EN", "de"], "languages")
    ('de', 'en')
    """
    if not isinstance(value, list) or not all(isinstance(tag, str) for tag in value):
        raise BrandRegistryError(f"{where} must be a list of language codes, e.g. [de, en]")
    if not value:
        raise BrandRegistryError(f"{where} is empty; list the brand's languages, e.g. [en] (summaries use the first of {', '.join(SUPPORTED_SUMMARY_LANGUAGES)})")
    languages: list[str] = []
    for tag in value:
        match = _LANGUAGE_TAG.fullmatch(tag.strip())
        primary = match.group(1).lower() if match else None
        if primary not in KNOWN_LANGUAGES:
            raise BrandRegistryError(
                f"{where}: {tag!r} is not a language flarewatch knows; use an ISO 639-1 code: {', '.join(KNOWN_LANGUAGES)}"
            )
        if primary not in languages:
            languages.append(primary)
    if not set(languages) & set(SUPPORTED_SUMMARY_LANGUAGES):
        raise BrandRegistryError(
            f"{where} [{', '.join(value)}] has no language flarewatch writes summaries in; add one of "
            f"{', '.join(SUPPORTED_SUMMARY_LANGUAGES)}, e.g. [{', '.join([*languages, 'en'])}]"
        )
    return tuple(languages)


def _timezone(value: Any, where: str) -> str | None:
    """An IANA time zone name, checked against the system's time zone database.

    >>> _timezone("Europe/Berlin", "timezone"), _timezone(None, "timezone")
    ('Europe/Berlin', None)
    """
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise BrandRegistryError(f"{where} must be an IANA time zone name, e.g. Europe/Berlin")
    try:
        ZoneInfo(value.strip())
    except (ZoneInfoNotFoundError, ValueError):
        raise BrandRegistryError(
            f"{where}: {value!r} is not a time zone this machine knows; use an IANA name such as Europe/Berlin or America/New_York"
        ) from None
    return value.strip()


_WORDS: Final = re.compile(r"[^\W_]+")


def _phrases(value: Any, where: str, brand: str) -> tuple[str, ...]:
    """Phrases that hold the brand's name and more, each once (case-insensitive), in the listed order.

    >>> _phrases(["nordkabel Arena", "Nordkabel arena", "#nordkabelcup"], "exclude", "nordkabel")
    ('nordkabel Arena', '#nordkabelcup')
    """
    if value is None:
        return ()
    example = f"[\"{brand} arena\", \"{brand} cup\"]"
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise BrandRegistryError(f"{where} must be a list of phrases, e.g. {example}")
    name = "".join(_WORDS.findall(brand.casefold()))
    phrases: dict[str, str] = {}
    for item in value:
        joined = "".join(_WORDS.findall(item.casefold()))
        if name not in joined:
            raise BrandRegistryError(
                f"{where}: {item!r} does not hold the brand's name {brand!r}; list the names that contain it, e.g. {example}"
            )
        if joined == name:
            raise BrandRegistryError(f"{where}: {item!r} is the brand's name itself, which would exclude every event; "
                                     f"list longer names that contain it, e.g. {example}")
        phrases.setdefault(joined, " ".join(item.split()))
    return tuple(phrases.values())


def _account_list(value: Any, where: str) -> Iterable[str]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(item, str | int) for item in value):
        raise BrandRegistryError(f"{where} must be a list of handles or ids")
    return [str(item) for item in value]


def load_brand_registry(path: str | Path) -> BrandRegistry:
    """The registry in ``path``; any problem is one :class:`BrandRegistryError` line naming the file."""
    path = Path(path)
    fix = "(set FLAREWATCH_BRANDS_FILE or --brands)"
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BrandRegistryError(f"brand registry {path} does not exist {fix}") from None
    except IsADirectoryError:
        raise BrandRegistryError(f"brand registry {path} is a directory, not a YAML file {fix}") from None
    except PermissionError:
        raise BrandRegistryError(f"brand registry {path} is not readable (permission denied); fix its permissions {fix}") from None
    except UnicodeDecodeError as error:
        line = error.object[: error.start].count(b"\n") + 1
        raise BrandRegistryError(f"brand registry {path} is not UTF-8 text (line {line}); save it as UTF-8") from None
    except OSError as error:
        raise BrandRegistryError(f"brand registry {path} cannot be read: {error.strerror or error} {fix}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise BrandRegistryError(f"{path}{_yaml_position(error)}: not valid YAML: {_yaml_problem(error)}") from None
    return registry_from_dict(data, str(path))


def _yaml_position(error: yaml.YAMLError) -> str:
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    return f":{mark.line + 1}:{mark.column + 1}" if mark is not None else ""


def _yaml_problem(error: yaml.YAMLError) -> str:
    """PyYAML's message without its multi-line source excerpt (the position is given apart)."""
    if isinstance(error, yaml.MarkedYAMLError):
        parts = [part for part in (error.context, error.problem) if part]
        if parts:
            return ": ".join(" ".join(part.split()) for part in parts)
    return " ".join(str(error).split())
