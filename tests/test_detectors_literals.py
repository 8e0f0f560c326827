"""`required_literals`: every match of a pattern contains a string of each set it returns."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detectors.literals import required_literals
from detectors.rules import default_rules


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        (r"(?:apps\.apple\.com/|play\.google\.com/store)", [{"apps.apple.com/", "play.google.com/store"}]),
        (r"^mailto:\s*[^@]+@", [{"mailto:"}]),
        (r"\.(?:csv|json)(?:$|[?#])", [{"csv", "json"}]),
        (r"(?i)mailto:", []),  # case-insensitive: nothing known
        (r"ab?c", []),  # single characters are no use
        (r"(?:abc)?def", [{"def"}]),  # an optional part is not required
        (r"[a-z]+\d+", []),
        (r"(?:t(?<!\w.)el|phone)\s*\d", [{"tel", "phone"}]),  # an assertion does not split a literal
        (r"(?:pay|pay online|bayar|online payment)", [{"pay", "bayar"}]),  # "pay" covers "online payment"
    ],
)
def test_examples(pattern, expected):
    assert [set(s) for s in required_literals(pattern)] == expected


def _holds(pattern: str, text: str) -> bool:
    return all(any(lit in text for lit in choices) for choices in required_literals(pattern))


def test_every_match_of_every_shipped_pattern_contains_its_literals():
    # On texts built from the pattern's own matches and their surroundings.
    for indicator in default_rules().indicators.values():
        for rule in indicator.rules:
            for key, regex in rule.regex.items():
                for sample in ("https://www.facebook.com/city mailto:a@b.example tel:+1 234 567",
                               "pay online now. data.csv apps.apple.com/app/x play.google.com/store/apps/details"):
                    for match in regex.finditer(sample):
                        assert _holds(regex.pattern, match.group(0)), (rule.id, key, match.group(0))


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="abc.:/?x-", max_size=30))
def test_random_texts_never_contradict_the_literals(text):
    for pattern in (r"a(?:b|c\.)x", r"(?:ab|ba)+c", r"x(?:a:|b/)(?:c|\?)", r"(?:a.b|c-x)"):
        for match in re.finditer(pattern, text):
            assert _holds(pattern, match.group(0))
