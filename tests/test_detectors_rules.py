"""The rule loader refuses malformed rule files with the rule id in the message; shipped rules are sound."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from detectors import INDICATORS, RuleError, load_rules
from detectors.rules import RULES_DIR, load_indicator_catalogue, load_rule_file

LANGUAGES = ("en", "fr", "es", "de", "pt", "it", "nl", "ar", "ru", "zh", "id")


def write_rules(tmp_path: Path, rules: list[dict], indicator: str = "search_function") -> Path:
    path = tmp_path / f"{indicator}.yaml"
    path.write_text(yaml.safe_dump({"indicator": indicator, "rules": rules}, allow_unicode=True), encoding="utf-8")
    return path


def load(path: Path):
    return load_rule_file(path, load_indicator_catalogue())


GOOD = {"id": "search.x", "kind": "field", "types": ["search"], "weight": 0.5}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"colour": "red"}, "unknown key(s) ['colour']"),
        ({"kind": "magic"}, "unknown kind 'magic'"),
        ({"weight": 0}, "weight must be a non-zero number"),
        ({"weight": 2}, "weight must be a non-zero number"),
        ({"words": []}, "words: must be a non-empty list"),
        ({"words": {"en": []}}, "words.en: must be a non-empty list"),
        ({"words": {"english": ["x"]}}, "bad language key 'english'"),
        ({"words": ["data* set"]}, "only allowed at the end of a word"),
        ({"fields": "(unclosed"}, "fields: bad regular expression"),
        ({"fields": "a*"}, "matches the empty string"),
        ({"fields": ""}, "must be a non-empty regular expression"),
        ({"regions": ["sidebar"]}, "unknown region(s) ['sidebar']"),
        ({"requires": ["search.later"]}, "requires unknown or later rule(s) ['search.later']"),
        ({"types": ["hologram"]}, "types: must be a non-empty list"),
        ({"id": "Search X"}, "bad or missing rule id"),
        ({"id": "privacy.x"}, "rule ids of search_function start with 'search'."),
    ],
)
def test_malformed_rules_are_refused_with_the_rule_id(tmp_path: Path, change: dict, message: str) -> None:
    rule = {**GOOD, **change}
    with pytest.raises(RuleError) as info:
        load(write_rules(tmp_path, [rule]))
    assert message in str(info.value)
    if "id" not in change:
        assert "rule search.x" in str(info.value)


def test_duplicate_ids_and_missing_matchers_are_refused(tmp_path: Path) -> None:
    with pytest.raises(RuleError, match="duplicate rule id"):
        load(write_rules(tmp_path, [GOOD, GOOD]))
    with pytest.raises(RuleError, match="needs at least one of"):
        load(write_rules(tmp_path, [{"id": "search.y", "kind": "link", "weight": 0.3}]))
    with pytest.raises(RuleError, match="bad selector"):
        load(write_rules(tmp_path, [{"id": "search.z", "kind": "selector", "css": "a[[", "weight": 0.3}]))


def test_file_level_errors(tmp_path: Path) -> None:
    bad_yaml = tmp_path / "x.yaml"
    bad_yaml.write_text("indicator: [unclosed", encoding="utf-8")
    with pytest.raises(RuleError, match="not valid YAML"):
        load(bad_yaml)
    with pytest.raises(RuleError, match="unknown indicator"):
        load(write_rules(tmp_path, [GOOD], indicator="weather"))
    only_negative = {**GOOD, "weight": -0.5}
    with pytest.raises(RuleError, match="positive weight"):
        load(write_rules(tmp_path, [only_negative]))


def test_shipped_rules_load_for_all_nine_indicators() -> None:
    rules = load_rules()
    assert list(rules.indicators) == list(INDICATORS)
    ids = rules.rule_ids()
    assert len(ids) == len(set(ids))
    for indicator_rules in rules.indicators.values():
        assert all(rule.description for rule in indicator_rules.rules), indicator_rules.indicator


def test_every_indicator_speaks_the_eleven_languages() -> None:
    """Each indicator has word lists in every required language (keyed by language in the data)."""
    for path in sorted(RULES_DIR.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        covered: set[str] = set()
        for rule in data["rules"]:
            for key in ("words", "heading_words"):
                if isinstance(rule.get(key), dict):
                    covered |= set(rule[key])
        if data["indicator"] in ("social_media", "contact_info") and not covered - {"any"}:
            continue  # recognised by URL/number shapes, language-neutral
        missing = set(LANGUAGES) - covered
        assert not missing, f"{path.name} lacks word lists for {sorted(missing)}"


def test_a_text_pattern_scans_only_the_sentences_holding_a_literal_it_needs(tmp_path: Path) -> None:
    # Derived from the pattern itself (no hand-written hint): every match holds one of them.
    rule = {"id": "contact.mail", "kind": "text", "weight": 0.5,
            "pattern": r"[a-z0-9.]+(?:@|\s?\[at\]\s?)[a-z0-9-]+\.[a-z]{2,}"}
    compiled = load(write_rules(tmp_path, [rule], "contact_info")).rules[0]
    assert compiled.options["needs_text"] == ("@", "[at]")
    with_words = dict(rule, words=["mail"])  # words are found by their own needles instead
    assert "needs_text" not in load(write_rules(tmp_path, [with_words], "contact_info")).rules[0].options
    with pytest.raises(RuleError, match="unknown key"):
        load(write_rules(tmp_path, [dict(rule, needs_text=["@"])], "contact_info"))
