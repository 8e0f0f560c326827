"""First pipeline step: refuse `PageItem`s that the rest of the chain could not store correctly.

A dropped item is logged by Scrapy with the reason and counted under
`portal_evidence/dropped/<reason>`; other item types pass through untouched.
"""

from __future__ import annotations

from collections.abc import Container, Mapping
from typing import Any

from scrapy.exceptions import DropItem

from crawler.items import PAGE_STATUSES, PageItem


def page_item_problem(item: PageItem, portal_ids: Container[str] | None = None) -> tuple[str, str] | None:
    """(reason code, message) when the item cannot be stored, else None.

    `portal_ids`: the portals of the crawl, when known; an item of another portal is refused.
    """
    if not isinstance(item.portal_id, str) or not item.portal_id.strip():
        return "missing_portal", "no portal id"
    if portal_ids is not None and item.portal_id not in portal_ids:
        return "unknown_portal", f"portal {item.portal_id!r} is not in this crawl's seeds"
    if not isinstance(item.url, str) or not item.url.strip():
        return "missing_url", "no URL"
    if item.status not in PAGE_STATUSES:
        return "unknown_status", f"unknown status {item.status!r} (known: {', '.join(PAGE_STATUSES)})"
    if isinstance(item.depth, bool) or not isinstance(item.depth, int) or item.depth < 0:
        return "bad_depth", f"depth must be a whole number >= 0, not {item.depth!r}"
    if item.status == "ok":
        if item.result is None:
            return "ok_without_result", "an ok page without a detector result"
        if not isinstance(getattr(item.result, "indicators", None), Mapping):
            return "bad_result", "the detector result has no indicators mapping"
    return None


class ValidatePagePipeline:
    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        self._portal_ids: frozenset[str] | None = None

    @classmethod
    def from_crawler(cls, crawler: Any) -> ValidatePagePipeline:
        return cls(crawler)

    def open_spider(self) -> None:
        spider = getattr(self.crawler, "spider", None)
        portals = getattr(spider, "portals", None)
        # A spider without a portals list (e.g. a test spider) gets no portal check.
        self._portal_ids = frozenset(p.id for p in portals) if portals else None

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, PageItem):
            return item
        problem = page_item_problem(item, self._portal_ids)
        if problem is None:
            return item
        code, message = problem
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value(f"portal_evidence/dropped/{code}")
        raise DropItem(f"invalid page item {item.url!r} of portal {item.portal_id!r}: {message}")
