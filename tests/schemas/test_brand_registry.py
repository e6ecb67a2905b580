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


def test_languages_left_out_means_english() -> None:
    """The documented default (README, deploy/brands.yaml); an empty or null list is an error."""
    registry = registry_from_dict({"brands": [{"name": "initech"}]})
    assert registry.brands["initech"].languages == ("en",)
    assert registry.language("initech") == "en"


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
        ({"brands": [{"name": "a", "acounts": {"owned": ["x"]}}]},
         r"brands\[0\] \(a\) has unknown key 'acounts'; did you mean 'accounts'\? allowed: name, languages, timezone, accounts"),
        ({"brands": [{"name": "a", "langauges": ["de"]}]}, r"\(a\) has unknown key 'langauges'; did you mean 'languages'"),
        ({"brands": [{"nmae": "a"}]}, r"brands\[0\] has unknown key 'nmae'; did you mean 'name'"),
        ({"brands": [{"name": "a"}], "brand": []}, "unknown key 'brand'; did you mean 'brands'"),
        ({"brands": [{"name": "a", "languages": ["klingon"]}]},
         r"\(a\)\.languages: 'klingon' is not a language flarewatch knows; use an ISO 639-1 code: en, de, fr"),
        ({"brands": [{"name": "a", "languages": ["en-"]}]}, "'en-' is not a language flarewatch knows"),
        ({"brands": [{"name": "a", "languages": []}]}, r"\(a\)\.languages is empty; list the brand's languages"),
        ({"brands": [{"name": "a", "languages": "de"}]}, r"languages must be a list of language codes, e\.g\. \[de, en\]"),
        ({"brands": [{"name": "a", "exclude": "a arena"}]}, r"\(a\)\.exclude must be a list of phrases"),
        ({"brands": [{"name": "acme", "exclude": ["acme arena", "--"]}]},
         r"\(acme\)\.exclude: '--' does not hold the brand's name 'acme'; list the names that contain it, e\.g\. \[\"acme arena\""),
        ({"brands": [{"name": "acme", "exclude": ["arena"]}]}, r"'arena' does not hold the brand's name 'acme'"),
        ({"brands": [{"name": "acme-rail", "exclude": ["#AcmeRail"]}]},
         r"'#AcmeRail' is the brand's name itself, which would exclude every event"),
        ({"brands": [{"name": "a", "exlude": ["a arena"]}]}, r"unknown key 'exlude'; did you mean 'exclude'"),
        ({"brands": [{"name": "a", "languages": ["fr"]}]},
         r"languages \[fr\] has no language flarewatch writes summaries in; add one of en, de, e\.g\. \[fr, en\]"),
    ],
)
def test_malformed_registry_names_the_problem(data: object, message: str) -> None:
    with pytest.raises(BrandRegistryError, match=message):
        registry_from_dict(data)


@pytest.mark.parametrize(
    ("tags", "languages", "summary"),
    [(["de-DE", "en"], ("de", "en"), "de"), (["DE_at", "de", "EN-gb"], ("de", "en"), "de"), (["fr", "en-US"], ("fr", "en"), "en")],
)
def test_region_tags_count_as_their_language(tags: list[str], languages: tuple[str, ...], summary: str) -> None:
    registry = registry_from_dict({"brands": [{"name": "a", "languages": tags}]})
    assert registry.brands["a"].languages == languages
    assert registry.language("a") == summary


def test_known_languages_are_the_detectable_ones() -> None:
    from detectors.sentiment.language import DETECTABLE_LANGUAGES
    from schemas.brands import KNOWN_LANGUAGES, SUPPORTED_SUMMARY_LANGUAGES

    assert KNOWN_LANGUAGES == DETECTABLE_LANGUAGES
    assert set(SUPPORTED_SUMMARY_LANGUAGES) <= set(KNOWN_LANGUAGES)


def test_missing_and_broken_files(tmp_path: Path) -> None:
    with pytest.raises(BrandRegistryError, match="does not exist"):
        load_brand_registry(tmp_path / "nope.yaml")
    broken = tmp_path / "broken.yaml"
    broken.write_text("brands: [name: {")
    with pytest.raises(BrandRegistryError, match="not valid YAML"):
        load_brand_registry(broken)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("brands: [name: {", r"broken\.yaml:1:17: not valid YAML: while parsing a flow node: expected the node content"),
        ("brands:\n  - name: a\n\tlanguages: [en]\n", r"broken\.yaml:3:1: not valid YAML: .*'\\t' that cannot start any token"),
        ("brands:\n  - name: a\n    languages: [en\n    accounts: {}\n",
         r"broken\.yaml:4:13: not valid YAML: while parsing a flow sequence: expected ',' or '\]', but got ':'"),
    ],
)
def test_yaml_errors_name_file_line_and_column_in_one_line(tmp_path: Path, text: str, message: str) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text(text)
    with pytest.raises(BrandRegistryError, match=message) as raised:
        load_brand_registry(broken)
    assert "\n" not in str(raised.value)
    assert "<unicode string>" not in str(raised.value)


def test_unreadable_files_are_one_line_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(BrandRegistryError, match=f"brand registry {tmp_path} is a directory, not a YAML file"):
        load_brand_registry(tmp_path)
    latin1 = tmp_path / "latin1.yaml"
    latin1.write_bytes("brands:\n  - name: caf\xe9\n".encode("latin-1"))
    with pytest.raises(BrandRegistryError, match=r"latin1\.yaml is not UTF-8 text \(line 2\); save it as UTF-8"):
        load_brand_registry(latin1)

    def refuse(self: Path, *args: object, **kwargs: object) -> str:
        raise PermissionError(13, "Permission denied", str(self))

    # chmod does not stop root (CI containers), so the refusal is simulated.
    monkeypatch.setattr(Path, "read_text", refuse)
    with pytest.raises(BrandRegistryError, match=r"locked\.yaml is not readable \(permission denied\)"):
        load_brand_registry(tmp_path / "locked.yaml")


def test_shipped_registries_load() -> None:
    root = Path(__file__).parents[2]
    for path in [root / "deploy" / "brands.yaml", root / "streams" / "samples" / "demo_brands.yaml"]:
        if path.exists():
            assert load_brand_registry(path).names


def test_a_brand_time_zone_is_an_iana_name_the_machine_knows() -> None:
    registry = registry_from_dict({"brands": [{"name": "a", "timezone": "Europe/Berlin"}, {"name": "b"}]})
    assert (registry.timezone("a"), registry.timezone("b"), registry.timezone("unknown")) == ("Europe/Berlin", None, None)
    with pytest.raises(BrandRegistryError, match=r"brands\[0\] \(a\)\.timezone: 'CET\+1' is not a time zone .* Europe/Berlin"):
        registry_from_dict({"brands": [{"name": "a", "timezone": "CET+1"}]})
    with pytest.raises(BrandRegistryError, match=r"timezone must be an IANA time zone name"):
        registry_from_dict({"brands": [{"name": "a", "timezone": 1}]})


def test_a_registry_without_brands_is_an_error() -> None:
    with pytest.raises(BrandRegistryError, match="'brands' is empty; list the watched brands"):
        registry_from_dict({"brands": []})


def test_excluded_phrases_are_kept_once_each_in_order() -> None:
    registry = registry_from_dict({"brands": [{"name": "nordkabel", "exclude": ["nordkabel  Arena", "NORDKABEL arena", "nordkabel cup"]},
                                              {"name": "acme"}]})
    assert registry.brands["nordkabel"].exclude == ("nordkabel Arena", "nordkabel cup")
    assert registry.brands["acme"].exclude == ()
