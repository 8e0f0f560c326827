"""Load, validate and compile rule files (`detectors/rules/<indicator>.yaml`).

A rule file names its indicator and lists rules. Every rule has a stable dotted `id`, a
`kind` (the signal family it reads: link, form, field, meta, asset, schema, title, url,
text, selector), a `weight` in [-1, 1] (negative = counter-evidence, e.g. "cookie-only page"),
and kind-specific matchers. Unknown keys, empty word lists, bad or empty-matching regexes,
unknown regions and dangling `requires` are refused with the rule id in the message.
Patterns are compiled once, here; the engine only runs them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from lxml import etree
from lxml.cssselect import CSSSelector, SelectorError

from detectors.document import REGIONS
from detectors.errors import RuleError
from detectors.folding import WordIndex, compile_words, word_index
from detectors.literals import required_literals, selector_literals
from detectors.model import INDICATORS

RULES_DIR = Path(__file__).with_name("rules")
INDICATORS_FILE = Path(__file__).with_name("indicators.yaml")

_COMMON = {"id", "kind", "weight", "description", "requires", "max_evidence"}
_TEXTUAL = {"words", "pattern", "words_not", "pattern_not"}
KIND_KEYS: dict[str, set[str]] = {
    "link": _TEXTUAL | {"href", "href_not", "regions", "regions_not", "offsite", "min_count", "max_words",
                        "logo_only", "package_names_site"},
    "form": _TEXTUAL | {"action", "action_not", "fields", "fields_not", "needs", "forbid", "method", "regions",
                        "regions_not", "role", "min_fields", "heading_words"},
    "field": _TEXTUAL | {"types", "fields", "regions", "regions_not", "loose_only"},
    "meta": {"name", "content"},
    "asset": {"src", "tags", "regions", "regions_not"},
    "schema": {"types"},
    "title": _TEXTUAL | {"targets"},
    "url": _TEXTUAL,
    "text": _TEXTUAL | {"regions", "min_count", "min_distinct", "skip_questions"},
    "selector": _TEXTUAL | {"css", "regions", "regions_not"},
}
FIELD_KINDS = frozenset({"text", "search", "email", "tel", "textarea", "radio", "checkbox", "file", "select",
                         "password", "number", "submit", "button", "url", "date", "range"})
TITLE_TARGETS = frozenset({"title", "h1", "h2", "h3"})


@dataclass(frozen=True)
class Rule:
    id: str
    indicator: str
    kind: str
    weight: float
    description: str = ""
    requires: tuple[str, ...] = ()
    max_evidence: int = 3
    words: re.Pattern[str] | None = None
    words_index: WordIndex | None = None
    words_not: re.Pattern[str] | None = None
    regex: dict[str, re.Pattern[str]] = field(default_factory=dict)  # pattern, pattern_not, href, ...
    regions: frozenset[str] | None = None
    regions_not: frozenset[str] = frozenset()
    options: Mapping[str, Any] = field(default_factory=dict)  # the rest: min_count, needs, offsite, ...
    heading_words: re.Pattern[str] | None = None
    selector: etree.XPath | None = None


@dataclass(frozen=True)
class IndicatorRules:
    indicator: str
    threshold: float
    rules: tuple[Rule, ...]


@dataclass(frozen=True)
class RuleSet:
    indicators: Mapping[str, IndicatorRules]

    def rule_ids(self) -> list[str]:
        return [r.id for ir in self.indicators.values() for r in ir.rules]


# Per kind: the patterns whose required literals become whole-page prefilters, and their option.
_LITERAL_OPTIONS = {
    "link": (("href", "href_literals"), ("pattern", "text_literals")),
    "asset": (("src", "src_literals"),),
}
# Strings in nearly every sentence: selecting sentences by them would select them all.
_COMMON_IN_TEXT = frozenset(" .,;:-/'()")

# `[@itemprop = 'email']` makes libxml2 build a string value for every element; testing that
# the attribute exists first (`[@itemprop][@itemprop = 'email']`) skips that for elements
# without it: about 1.6x faster on the shared corpus for the same elements. (Merging the members
# of a selector group into one walk with `or` was tried and is slower in libxml2.)
_ATTR_EQUALS = re.compile(r"\[@([\w:-]+) = ")


def _fast_selector(selector: CSSSelector) -> etree.XPath:
    return etree.XPath(_ATTR_EQUALS.sub(r"[@\1][@\1 = ", selector.path))


# `^https?://` in a multi-line blob: Python's regex engine tries the anchor at every position.
# Written as `h(?<![^\n].)ttps?://` (an "h" not preceded by a character of the same line), the
# pattern starts with a literal, so the engine jumps from "h" to "h" in C; same matches.
_LEADING_ANCHORED_LITERAL = re.compile(r"\^([A-Za-z0-9])(?![*+?{])")


def _blob_regex(source: str) -> re.Pattern[str]:
    """The multi-line twin of a pattern, run once over all of a page's links joined by newlines."""
    match = _LEADING_ANCHORED_LITERAL.match(source)
    if match and "|" not in source.split("(", 1)[0]:
        source = match.group(1) + r"(?<![^\n].)" + source[match.end():]
    return re.compile(source, re.MULTILINE)


def _shortest_first(literal_sets: tuple[frozenset, ...]) -> tuple[tuple, ...]:
    """Each set of literals in a fixed order, shortest first: a page is searched for them in that
    order until one is found, and a short one ("st", "tel") is the likeliest to be there. (A
    frozenset's order changes with every run's string hashing, and so would the work.)"""
    return tuple(tuple(sorted(literals, key=lambda literal: (len(literal), literal))) for literals in literal_sets)


def _fail(rule_id: str, reason: str) -> RuleError:
    return RuleError(f"rule {rule_id}: {reason}")


def _word_list(rule_id: str, key: str, value: Any) -> list[str]:
    if isinstance(value, Mapping):
        words: list[str] = []
        for lang, items in value.items():
            if not isinstance(lang, str) or not re.fullmatch(r"[a-z]{2}|any", lang):
                raise _fail(rule_id, f"{key}: bad language key {lang!r} (ISO 639-1 code or 'any')")
            words.extend(_word_list(rule_id, f"{key}.{lang}", items))
        if not words:
            raise _fail(rule_id, f"{key}: empty word list")
        return words
    if isinstance(value, list) and value and all(isinstance(w, str) and w.strip(" *") for w in value):
        inner = [w for w in value if "*" in w.rstrip("*")]
        if inner:
            raise _fail(rule_id, f"{key}: '*' is only allowed at the end of a word: {inner}")
        return value
    raise _fail(rule_id, f"{key}: must be a non-empty list of non-empty words (or a mapping language -> list)")


def _regex(rule_id: str, key: str, value: Any) -> re.Pattern[str]:
    if not isinstance(value, str) or not value:
        raise _fail(rule_id, f"{key}: must be a non-empty regular expression")
    try:
        compiled = re.compile(value)
    except re.error as exc:
        raise _fail(rule_id, f"{key}: bad regular expression: {exc}") from None
    if compiled.search("") is not None:
        raise _fail(rule_id, f"{key}: pattern {value!r} matches the empty string, so it would match every page")
    return compiled


def _regions(rule_id: str, key: str, value: Any) -> frozenset[str]:
    if not isinstance(value, list) or not value:
        raise _fail(rule_id, f"{key}: must be a non-empty list of regions")
    bad = [v for v in value if v not in REGIONS]
    if bad:
        raise _fail(rule_id, f"{key}: unknown region(s) {bad}; known: {list(REGIONS)}")
    return frozenset(value)


def compile_rule(raw: Any, indicator: str, known_ids: set[str]) -> Rule:
    if not isinstance(raw, Mapping):
        raise RuleError(f"indicator {indicator}: every rule must be a mapping, got {raw!r}")
    rule_id = raw.get("id")
    if not isinstance(rule_id, str) or not re.fullmatch(r"[a-z][a-z0-9_]*(\.[a-z0-9_]+)+", rule_id):
        raise RuleError(f"indicator {indicator}: bad or missing rule id {rule_id!r} (dotted lowercase)")
    if rule_id in known_ids:
        raise _fail(rule_id, "duplicate rule id")
    kind = raw.get("kind")
    if kind not in KIND_KEYS:
        raise _fail(rule_id, f"unknown kind {kind!r}; known: {sorted(KIND_KEYS)}")
    unknown = set(raw) - _COMMON - KIND_KEYS[kind]
    if unknown:
        raise _fail(rule_id, f"unknown key(s) {sorted(unknown)} for kind {kind}")
    weight = raw.get("weight")
    if isinstance(weight, bool) or not isinstance(weight, int | float) or not -1 <= weight <= 1 or weight == 0:
        raise _fail(rule_id, "weight must be a non-zero number in [-1, 1]")
    requires = raw.get("requires", [])
    if not isinstance(requires, list) or not all(isinstance(r, str) for r in requires):
        raise _fail(rule_id, "requires: must be a list of rule ids")
    missing = [r for r in requires if r not in known_ids]
    if missing:
        raise _fail(rule_id, f"requires unknown or later rule(s) {missing} (list them before this rule)")

    words = words_not = heading_words = None
    words_idx = None
    if "words" in raw:
        word_list = _word_list(rule_id, "words", raw["words"])
        words = compile_words(word_list)
        words_idx = word_index(word_list)
    if "words_not" in raw:
        words_not = compile_words(_word_list(rule_id, "words_not", raw["words_not"]))
    if "heading_words" in raw:
        heading_words = compile_words(_word_list(rule_id, "heading_words", raw["heading_words"]))
    regex: dict[str, re.Pattern[str]] = {}
    for key in ("pattern", "pattern_not", "href", "href_not", "action", "action_not", "fields", "fields_not",
                "src", "name", "content", "types"):
        if key in raw and not (key == "types" and kind == "field"):
            regex[key] = _regex(rule_id, key, raw[key])
    if "href" in regex:
        # Multiline twin of the href pattern, run once over all of a page's links joined by
        # newlines: a page where it finds nothing skips the per-link loop.
        regex["href_blob"] = _blob_regex(regex["href"].pattern)
    if kind == "link" and "pattern" in regex:
        # The same for a link-text pattern (anchored patterns need `^` to match at each line).
        regex["pattern_blob"] = _blob_regex(regex["pattern"].pattern)
    regions = _regions(rule_id, "regions", raw["regions"]) if "regions" in raw else None
    regions_not = _regions(rule_id, "regions_not", raw["regions_not"]) if "regions_not" in raw else frozenset()

    options: dict[str, Any] = {}
    for key in ("min_count", "min_distinct", "max_words", "min_fields"):
        if key in raw:
            if not isinstance(raw[key], int) or isinstance(raw[key], bool) or raw[key] < 1:
                raise _fail(rule_id, f"{key}: must be a positive integer")
            options[key] = raw[key]
    for key in ("offsite", "loose_only", "logo_only", "skip_questions", "package_names_site"):
        if key in raw:
            if not isinstance(raw[key], bool):
                raise _fail(rule_id, f"{key}: must be true or false")
            options[key] = raw[key]
    for key in ("needs", "forbid", "types"):
        if key in raw and key != "types":
            _check_field_kinds(rule_id, key, raw[key])
            options[key] = tuple(raw[key])
    if kind == "field":
        if "types" not in raw:
            raise _fail(rule_id, "field rules need `types`")
        _check_field_kinds(rule_id, "types", raw["types"])
        options["types"] = tuple(raw["types"])
        regex.pop("types", None)
    # Literals that every match must contain (computed from the patterns, not written by hand):
    # a page that contains none of them skips the regex.
    for key, target in _LITERAL_OPTIONS.get(kind, ()):
        literals = required_literals(regex[key].pattern) if key in regex else ()
        if literals:
            options[target] = _shortest_first(literals)
    if kind == "text" and "pattern" in regex:
        literals = required_literals(regex["pattern"].pattern, shortest=1)
        if literals:
            options["pattern_literals"] = _shortest_first(literals)
            selective = [s for s in literals if not s <= _COMMON_IN_TEXT]
            if words is None and selective:
                # Every match holds one string of each set, so only the sentences holding one
                # of the most selective set are scanned, not the whole text (an e-mail pattern
                # would otherwise be tried at every word). Matches stay within a sentence.
                options["needs_text"] = tuple(sorted(selective[0]))
    if "role" in raw:
        if not isinstance(raw["role"], str) or not raw["role"]:
            raise _fail(rule_id, "role: must be a non-empty string")
        options["role"] = raw["role"].lower()
    if "method" in raw:
        if raw["method"] not in ("get", "post"):
            raise _fail(rule_id, "method: must be get or post")
        options["method"] = raw["method"]
    if "tags" in raw:
        if not isinstance(raw["tags"], list) or not raw["tags"]:
            raise _fail(rule_id, "tags: must be a non-empty list")
        options["tags"] = tuple(raw["tags"])
    if "targets" in raw:
        if not isinstance(raw["targets"], list) or not raw["targets"] or set(raw["targets"]) - TITLE_TARGETS:
            raise _fail(rule_id, f"targets: must be a non-empty list of {sorted(TITLE_TARGETS)}")
        options["targets"] = tuple(raw["targets"])
    selector = None
    if kind == "selector":
        if not isinstance(raw.get("css"), str) or not raw["css"].strip():
            raise _fail(rule_id, "selector rules need a non-empty `css`")
        try:
            selector = _fast_selector(CSSSelector(raw["css"]))
        except SelectorError as exc:
            raise _fail(rule_id, f"css: bad selector: {exc}") from None
        # A tag or attribute name the page's markup must contain for the selector to match.
        literals = selector_literals(raw["css"])
        if literals:
            options["markup_literals"] = _shortest_first(literals)
    max_evidence = raw.get("max_evidence", 3)
    if not isinstance(max_evidence, int) or max_evidence < 1:
        raise _fail(rule_id, "max_evidence: must be a positive integer")

    _check_has_matcher(rule_id, kind, raw)
    description = raw.get("description", "")
    if not isinstance(description, str):
        raise _fail(rule_id, "description: must be a string")
    return Rule(
        id=rule_id, indicator=indicator, kind=kind, weight=float(weight), description=description.strip(),
        requires=tuple(requires), max_evidence=max_evidence, words=words, words_index=words_idx,
        words_not=words_not, regex=regex,
        regions=regions, regions_not=regions_not, options=options, heading_words=heading_words,
        selector=selector,
    )


def _check_field_kinds(rule_id: str, key: str, value: Any) -> None:
    if not isinstance(value, list) or not value or set(value) - FIELD_KINDS:
        raise _fail(rule_id, f"{key}: must be a non-empty list of {sorted(FIELD_KINDS)}")


# A rule must constrain something, or it would fire on every page.
_MATCHERS: dict[str, tuple[str, ...]] = {
    "link": ("href", "words", "pattern"),
    "form": ("action", "fields", "needs", "words", "pattern", "role", "heading_words"),
    "field": ("fields", "words", "pattern", "types"),
    "meta": ("name",),
    "asset": ("src",),
    "schema": ("types",),
    "title": ("words", "pattern"),
    "url": ("words", "pattern"),
    "text": ("words", "pattern"),
    "selector": ("css",),
}


def _check_has_matcher(rule_id: str, kind: str, raw: Mapping[str, Any]) -> None:
    if not any(key in raw for key in _MATCHERS[kind]):
        raise _fail(rule_id, f"a {kind} rule needs at least one of {list(_MATCHERS[kind])}")


def load_indicator_catalogue(path: Path = INDICATORS_FILE) -> dict[str, dict[str, Any]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    catalogue = data.get("indicators") if isinstance(data, Mapping) else None
    if not isinstance(catalogue, Mapping) or list(catalogue) != list(INDICATORS):
        raise RuleError(f"{path.name}: must list exactly the nine indicators in contract order")
    return dict(catalogue)


def load_rule_file(path: Path, catalogue: Mapping[str, Mapping[str, Any]]) -> IndicatorRules:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise RuleError(f"{path.name}: not valid YAML: {str(exc).splitlines()[0]}") from None
    if not isinstance(data, Mapping) or set(data) - {"indicator", "threshold", "rules"}:
        raise RuleError(f"{path.name}: top level must be a mapping with indicator, rules and optional threshold")
    indicator = data.get("indicator")
    if indicator not in INDICATORS:
        raise RuleError(f"{path.name}: unknown indicator {indicator!r}")
    rules_raw = data.get("rules")
    if not isinstance(rules_raw, list) or not rules_raw:
        raise RuleError(f"{path.name}: `rules` must be a non-empty list")
    threshold = data.get("threshold", catalogue[indicator].get("threshold", 0.5))
    if not isinstance(threshold, int | float) or not 0 < threshold <= 1:
        raise RuleError(f"{path.name}: threshold must be in (0, 1]")
    known: set[str] = set()
    rules: list[Rule] = []
    for raw in rules_raw:
        rule = compile_rule(raw, indicator, known)
        prefix = str(catalogue[indicator].get("rule_prefix", indicator))
        if rule.id.split(".")[0] != prefix:
            raise _fail(rule.id, f"rule ids of {indicator} start with {prefix!r}.")
        known.add(rule.id)
        rules.append(rule)
    if not any(r.weight > 0 for r in rules):
        raise RuleError(f"{path.name}: needs at least one rule with a positive weight")
    return IndicatorRules(indicator, float(threshold), tuple(rules))


def load_rules(paths: Iterable[Path] | None = None) -> RuleSet:
    """Load and validate the rule files (default: the shipped ones, one per indicator)."""
    catalogue = load_indicator_catalogue()
    files = sorted(RULES_DIR.glob("*.yaml")) if paths is None else list(paths)
    loaded: dict[str, IndicatorRules] = {}
    for path in files:
        ir = load_rule_file(path, catalogue)
        if ir.indicator in loaded:
            raise RuleError(f"{path.name}: indicator {ir.indicator} already has a rule file")
        loaded[ir.indicator] = ir
    if paths is None:
        missing = [i for i in INDICATORS if i not in loaded]
        if missing:
            raise RuleError(f"no rule file for indicator(s) {missing}")
    return RuleSet({i: loaded[i] for i in INDICATORS if i in loaded})


@lru_cache(maxsize=1)
def default_rules() -> RuleSet:
    """The shipped rules, loaded and compiled once per process."""
    return load_rules()
