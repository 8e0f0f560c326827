"""Selector rules are compiled to a faster XPath that selects exactly what the CSS selects."""

from pathlib import Path

import pytest
from lxml import etree
from lxml.cssselect import CSSSelector

from detectors import Page, detect
from detectors.document import parse
from detectors.literals import selector_literals
from detectors.rules import _fast_selector

CORPUS = Path(__file__).parent / "corpus"
SELECTORS = [
    'address, [itemprop="address"], [itemprop="telephone"], [itemprop="email"]',
    "nav a, footer a",
    'a[href*="play.google"], [class*="advert"] a',
    'form[role="search"], input[type="search"], [id="q"]',
    "h1",
    "div, span, p",
]


def _pages() -> list[etree._Element]:
    parser = etree.HTMLParser()
    files = sorted(CORPUS.rglob("*.html"))
    assert files, "the fixture corpus is missing"
    return [etree.fromstring(path.read_bytes(), parser) for path in files]


@pytest.mark.parametrize("css", SELECTORS)
def test_fast_selector_selects_the_same_elements_in_the_same_order(css):
    plain, fast = CSSSelector(css), _fast_selector(CSSSelector(css))
    for root in _pages():
        if root is not None:
            assert fast(root) == plain(root)


@pytest.mark.parametrize(
    ("css", "expected"),
    [
        ('address, [itemprop="address"]', {b"<address", b"itemprop"}),
        ('[class*="advert"] a[href*="apple.com"]', {b"href"}),  # the element picked is the right-hand one
        ("nav > a, footer .social", {b"<a", b"class"}),
        ("#q", {b"id"}),
        ("a:not(.skip)", {b"<a"}),
        ("*", None),  # names nothing: no prefilter
        ("h1, :hover", None),  # one member that names nothing turns the prefilter off
    ],
)
def test_selector_literals_name_what_the_picked_element_needs(css, expected):
    found = selector_literals(css)
    assert (set(found[0]) if found else None) == expected


@pytest.mark.parametrize("css", SELECTORS)
def test_pages_a_selector_matches_hold_its_literals_in_any_letter_case(css):
    # The literals are searched in the lower-cased markup: an upper-case tag or attribute name
    # in the source must not hide a match.
    literals = selector_literals(css)
    fast = _fast_selector(CSSSelector(css))
    for path in sorted(CORPUS.rglob("*.html")):
        source = path.read_bytes()
        for markup in (source, source.upper()):
            doc = parse(markup.decode("utf-8", "replace"), "https://www.city.example/")
            if doc.root is not None and fast(doc.root):
                assert any(literal in doc.markup for literal in literals[0]), (css, path)


def test_a_selector_rule_still_fires_on_upper_case_markup():
    html = ("<HTML><BODY><ADDRESS>Town Hall, 1 Main Street, 12345 Example</ADDRESS>"
            "<DIV ItemProp='telephone'>+1 555 0100</DIV></BODY></HTML>")
    result = detect(Page(url="https://www.city.example/", html=html)).to_json()
    rules = {e["rule"] for e in result["indicators"]["contact_info"]["evidence"]}
    assert "contact.address_element" in rules
