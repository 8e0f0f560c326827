"""Second pipeline step: a page whose content was already seen for the same portal in this crawl
is kept, but as status `duplicate`, without detector result or text, and with a note naming the
first URL (print views, session-id variants and mirrored paths are common on portals).

The memory is per process and per run (one pipeline per crawl). After a resume it starts empty;
`storage.repository.record_page` applies the same rule against the stored pages, so a resumed
crawl cannot store the same content twice as `ok` either.
"""

from __future__ import annotations

from typing import Any

from crawler.items import PageItem


class DuplicateContentPipeline:
    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        self._first_url: dict[tuple[str, str], str] = {}

    @classmethod
    def from_crawler(cls, crawler: Any) -> DuplicateContentPipeline:
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, PageItem) or item.status != "ok" or not item.content_hash:
            return item
        key = (item.portal_id, item.content_hash)
        first = self._first_url.get(key)
        if first is None:
            self._first_url[key] = item.final_url or item.url
            return item
        if first in (item.url, item.final_url):
            return item  # the same page again, not a copy: storage skips it by URL
        item.status = "duplicate"
        item.note = f"same content as {first}"
        item.result = None
        item.html = None
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value("portal_evidence/duplicates")
        return item
