"""Selector rules are compiled to a faster XPath that selects exactly what the CSS selects."""

from pathlib import Path

import pytest
from lxml import etree
from lxml.cssselect import CSSSelector

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
