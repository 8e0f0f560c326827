"""Value types the detectors work on and return: a page in, a result per indicator out.

These are plain frozen dataclasses so that the same values serve the `detect` command,
the crawl's pipelines and the evaluation scripts without any framework attached.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

# The contract fixes these ids and their order of presentation.
INDICATORS: tuple[str, ...] = (
    "e_participation",
    "open_data",
    "accessibility_statement",
    "mobile_app",
    "privacy_policy",
    "contact_info",
    "online_payment",
    "search_function",
    "social_media",
)
HEADLINE_INDICATORS: tuple[str, ...] = INDICATORS[:4]


@dataclass(frozen=True)
class Page:
    """One fetched (or saved) web page, already decoded to text.

    `language` is a hint from outside the markup (seeds list, Content-Language);
    `rendered` says whether `html` is a browser DOM after JavaScript ran.
    Build it from raw bytes with `detectors.page_from_bytes`.
    """

    url: str
    html: str
    headers: Mapping[str, str] = field(default_factory=dict)
    language: str | None = None
    rendered: bool = False
    encoding: str | None = None


@dataclass(frozen=True)
class Evidence:
    """One rule hit: what matched, where on the page, and where it points."""

    indicator: str
    rule: str
    snippet: str
    locator: str
    target_url: str | None
    weight: float

    def to_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "snippet": self.snippet,
            "locator": self.locator,
            "target_url": self.target_url,
        }


@dataclass(frozen=True)
class IndicatorResult:
    indicator: str
    present: bool
    confidence: float
    evidence: tuple[Evidence, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "present": self.present,
            "confidence": round(self.confidence, 4),
            "evidence": [e.to_json() for e in self.evidence],
        }


@dataclass(frozen=True)
class PageResult:
    url: str
    language: str | None
    indicators: Mapping[str, IndicatorResult]
    rendered: bool = False

    def to_json(self) -> dict[str, Any]:
        """The contract's JSON shape of `portal-evidence detect`."""
        return {
            "url": self.url,
            "language": self.language,
            "indicators": {i: self.indicators[i].to_json() for i in INDICATORS},
        }
