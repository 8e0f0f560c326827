"""Downloader middleware that keeps every request of a portal on the portal's own web.

Redirects (HTTP 3xx and `<meta http-equiv=refresh>`) create new requests that pass through the
downloader middlewares again. This middleware runs before the robots.txt middleware (priority
50 < 100), so a redirect that leaves the own web is stopped before anything, even the foreign
host's robots.txt, is requested; the spider's errback stores it as an `offsite_redirect` page.
"""

from __future__ import annotations

from typing import Any

from scrapy.exceptions import IgnoreRequest


class OffsiteRedirect(IgnoreRequest):
    """A request of a portal (normally a redirect target) points outside the portal's own web."""

    def __init__(self, url: str) -> None:
        super().__init__(f"redirected outside the portal's own web to {url}")
        self.url = url


class OwnWebGuardMiddleware:
    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Any) -> OwnWebGuardMiddleware:
        return cls(crawler)

    def process_request(self, request: Any, spider: Any = None) -> None:
        portal_id = request.meta.get("pe_portal")
        if portal_id is None:
            return  # not ours (e.g. robots.txt fetched by Scrapy's middleware for an allowed host)
        own_web = getattr(self.crawler.spider, "own_webs", {}).get(portal_id)
        if own_web is not None and not own_web.contains(request.url):
            self.crawler.stats.inc_value("portal_evidence/offsite_redirect")
            raise OffsiteRedirect(request.url)
