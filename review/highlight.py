"""Where in an evidence snippet the rule matched, so the page can mark it.

Snippets are stored without match offsets. The rule that produced a snippet is looked up by id
in the shipped rule set and its word list (or regex) is searched in the snippet folded the way
the detectors fold text; the folded match is mapped back to offsets in the original snippet.
The result is a pair of offsets, never markup: templates render the three parts as text.
"""

from __future__ import annotations

import re
from functools import lru_cache

from detectors.folding import fold


@lru_cache(maxsize=1)
def _rule_patterns() -> dict[str, tuple[re.Pattern[str], ...]]:
    from detectors.rules import default_rules

    patterns: dict[str, tuple[re.Pattern[str], ...]] = {}
    for indicator in default_rules().indicators.values():
        for rule in indicator.rules:
            found = [p for p in (rule.words, rule.heading_words) if p is not None]
            found += [p for key, p in rule.regex.items() if not key.endswith("_not")]
            patterns[rule.id] = tuple(found)
    return patterns


_ASCII_FOLD = {code: " " for code in range(128) if chr(code).isspace()}


@lru_cache(maxsize=8192)
def _fold_char(char: str) -> str:
    return " " if char.isspace() else fold(char)


def _folded_with_offsets(text: str) -> tuple[str, list[int] | None]:
    """Fold `text` character by character; offsets[i] is the source index of folded char i.

    ASCII text folds one-to-one (lower case, whitespace to a space): offsets are then None,
    meaning the identity, and the page pays for no per-character work.
    """
    if text.isascii():
        return text.lower().translate(_ASCII_FOLD), None
    parts: list[str] = []
    offsets: list[int] = []
    for index, char in enumerate(text):
        folded = char.lower() if char < "\x80" and not char.isspace() else _fold_char(char)
        parts.append(folded)
        offsets.extend([index] * len(folded))
    return "".join(parts), offsets


@lru_cache(maxsize=4096)
def match_span(rule_id: str, snippet: str) -> tuple[int, int] | None:
    """(start, end) of the first match of the rule in `snippet`, or None."""
    try:
        patterns = _rule_patterns().get(rule_id, ())
    except Exception:  # a broken rule set must not take the review page down
        return None
    if not patterns or not snippet:
        return None
    folded, offsets = _folded_with_offsets(snippet)
    for pattern in patterns:
        found = pattern.search(folded)
        if found and found.end() > found.start():
            if offsets is None:
                return found.start(), found.end()
            return offsets[found.start()], offsets[found.end() - 1] + 1
    return None


def split_snippet(rule_id: str, snippet: str) -> tuple[str, str, str]:
    """(before, match, after); match is "" when the rule's words are not found."""
    span = match_span(rule_id, snippet)
    if span is None:
        return snippet, "", ""
    start, end = span
    return snippet[:start], snippet[start:end], snippet[end:]
