"""Pure, rule-based detectors of e-government evidence on one web page.

    from detectors import detect, page_from_bytes
    result = detect(page_from_bytes(url, body, headers))

No Scrapy, no database, no global mutable state: rules are data files (`detectors/rules/`),
validated and compiled once, and the same call serves `portal-evidence detect`, the crawl
and the evaluation scripts.
"""

from __future__ import annotations

from detectors.engine import detect
from detectors.errors import InputError, RuleError
from detectors.model import HEADLINE_INDICATORS, INDICATORS, Evidence, IndicatorResult, Page, PageResult
from detectors.pageio import page_from_bytes, read_page_file
from detectors.rules import RuleSet, default_rules, load_rules

__all__ = [
    "HEADLINE_INDICATORS",
    "INDICATORS",
    "Evidence",
    "IndicatorResult",
    "InputError",
    "Page",
    "PageResult",
    "RuleError",
    "RuleSet",
    "default_rules",
    "detect",
    "load_rules",
    "page_from_bytes",
    "read_page_file",
]
