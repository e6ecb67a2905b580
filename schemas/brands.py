"""The brand registry (``brands.yaml``): which accounts speak for a watched brand.

Each account entry matches an author's handle (case-insensitive, leading ``@``
optional) or id. A malformed file raises :class:`BrandRegistryError` naming
the offending entry, so a typo never silently turns the CEO into "other".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import yaml

from schemas.records import Author, AuthorRole

ACCOUNT_GROUPS: Final[Mapping[str, AuthorRole]] = {
    "owned": "owned",
    "agency": "agency",
    "executives": "executive",
    "moderators": "moderator",
}
SUPPORTED_SUMMARY_LANGUAGES: Final = ("en", "de")


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


def registry_from_dict(data: Any, source: str = "brand registry") -> BrandRegistry:
    if not isinstance(data, dict) or not isinstance(data.get("brands"), list):
        raise BrandRegistryError(f"{source}: expected a mapping with a 'brands' list")
    brands: dict[str, Brand] = {}
    for index, item in enumerate(data["brands"]):
        where = f"{source}: brands[{index}]"
        if not isinstance(item, dict):
            raise BrandRegistryError(f"{where} must be a mapping")
        name = item.get("name")
        if not isinstance(name, str) or not name.strip():
            raise BrandRegistryError(f"{where}.name must be a non-empty string")
        if name in brands:
            raise BrandRegistryError(f"{where}: brand {name!r} is listed twice")
        languages = item.get("languages", ["en"])
        if not isinstance(languages, list) or not all(isinstance(lang, str) for lang in languages):
            raise BrandRegistryError(f"{where}.languages must be a list of language codes")
        accounts_obj = item.get("accounts", {}) or {}
        if not isinstance(accounts_obj, dict):
            raise BrandRegistryError(f"{where}.accounts must be a mapping")
        unknown = set(accounts_obj) - set(ACCOUNT_GROUPS)
        if unknown:
            raise BrandRegistryError(f"{where}.accounts has unknown group(s) {sorted(unknown)}; use {sorted(ACCOUNT_GROUPS)}")
        accounts: dict[str, AuthorRole] = {}
        for group, role in ACCOUNT_GROUPS.items():
            for account in _account_list(accounts_obj.get(group), f"{where}.accounts.{group}"):
                key = _account_key(account)
                if key in accounts and accounts[key] != role:
                    raise BrandRegistryError(f"{where}: account {account!r} is both {accounts[key]} and {role}")
                accounts[key] = role
        brands[name] = Brand(name=name, languages=tuple(lang.lower() for lang in languages) or ("en",), accounts=accounts)
    return BrandRegistry(brands=brands)


def _account_list(value: Any, where: str) -> Iterable[str]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(item, str | int) for item in value):
        raise BrandRegistryError(f"{where} must be a list of handles or ids")
    return [str(item) for item in value]


def load_brand_registry(path: str | Path) -> BrandRegistry:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BrandRegistryError(f"brand registry {path} does not exist (set FLAREWATCH_BRANDS_FILE or --brands)") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise BrandRegistryError(f"{path} is not valid YAML: {error}") from None
    return registry_from_dict(data, str(path))
