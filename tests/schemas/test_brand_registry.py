from __future__ import annotations

from pathlib import Path

import pytest

from schemas.brands import BrandRegistryError, load_brand_registry, registry_from_dict
from schemas.records import Author

REGISTRY = {
    "brands": [
        {
            "name": "acme-rail",
            "languages": ["de", "en"],
            "accounts": {
                "owned": ["acmerail", "@AcmeRail_Help", 1234],
                "agency": ["brightside_pr"],
                "executives": ["jana_meier_ceo"],
                "moderators": ["acme_community"],
            },
        },
        {"name": "globex", "languages": ["fr", "en"]},
    ]
}


@pytest.mark.parametrize(
    ("author", "role"),
    [
        (Author(id="9", handle="acmerail"), "owned"),
        (Author(id="9", handle="@ACMERAIL_help"), "owned"),
        (Author(id="1234"), "owned"),
        (Author(id="9", handle="BrightSide_PR"), "agency"),
        (Author(id="9", handle="jana_meier_ceo"), "executive"),
        (Author(id="9", handle="acme_community"), "moderator"),
        (Author(id="9", handle="random_commuter"), "other"),
        (Author(id="acmerail"), "owned"),
    ],
)
def test_roles_match_handles_and_ids(author: Author, role: str) -> None:
    assert registry_from_dict(REGISTRY).role_of("acme-rail", author) == role


def test_unknown_brand_makes_everyone_other() -> None:
    assert registry_from_dict(REGISTRY).role_of("initech", Author(id="1", handle="acmerail")) == "other"


def test_summary_language_is_the_first_supported_one() -> None:
    registry = registry_from_dict(REGISTRY)
    assert registry.language("acme-rail") == "de"
    assert registry.language("globex") == "en"
    assert registry.language("unknown") == "en"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "expected a mapping with a 'brands' list"),
        ({"brands": [{"languages": ["en"]}]}, r"brands\[0\].name must be a non-empty string"),
        ({"brands": [{"name": "a"}, {"name": "a"}]}, "listed twice"),
        ({"brands": [{"name": "a", "accounts": {"owners": ["x"]}}]}, "unknown group"),
        ({"brands": [{"name": "a", "accounts": {"owned": "x"}}]}, "must be a list of handles or ids"),
        ({"brands": [{"name": "a", "accounts": {"owned": ["x"], "agency": ["@X"]}}]}, "is both owned and agency"),
    ],
)
def test_malformed_registry_names_the_problem(data: object, message: str) -> None:
    with pytest.raises(BrandRegistryError, match=message):
        registry_from_dict(data)


def test_missing_and_broken_files(tmp_path: Path) -> None:
    with pytest.raises(BrandRegistryError, match="does not exist"):
        load_brand_registry(tmp_path / "nope.yaml")
    broken = tmp_path / "broken.yaml"
    broken.write_text("brands: [name: {")
    with pytest.raises(BrandRegistryError, match="not valid YAML"):
        load_brand_registry(broken)


def test_shipped_registries_load() -> None:
    root = Path(__file__).parents[2]
    for path in [root / "deploy" / "brands.yaml", root / "streams" / "samples" / "demo_brands.yaml"]:
        if path.exists():
            assert load_brand_registry(path).names
