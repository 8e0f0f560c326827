"""Downloader middlewares: every request of a portal stays on its own web; robots.txt per RFC 9309;
proxies from the environment without per-request overhead.

Redirects (HTTP 3xx and `<meta http-equiv=refresh>`) create new requests that pass through the
downloader middlewares again. This middleware runs before the robots.txt middleware (priority
50 < 100), so a redirect that leaves the own web is stopped before anything, even the foreign
host's robots.txt, is requested; the spider's errback stores it as an `offsite_redirect` page.
"""

from __future__ import annotations

from typing import Any

from scrapy.downloadermiddlewares.httpproxy import HttpProxyMiddleware
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.defer import Deferred


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
        own_webs = getattr(self.crawler.spider, "own_webs", {})
        portal_id = request.meta.get("pe_portal")
        if portal_id is None:
            # Not a portal's request: robots.txt fetched by Scrapy's middleware for a host we are
            # about to crawl. If that one was redirected, the target must still be an own web.
            if request.meta.get("redirect_urls") and not any(w.contains(request.url) for w in own_webs.values()):
                self.crawler.stats.inc_value("portal_evidence/offsite_redirect")
                raise OffsiteRedirect(request.url)
            return
        own_web = own_webs.get(portal_id)
        if own_web is not None and not own_web.contains(request.url):
            self.crawler.stats.inc_value("portal_evidence/offsite_redirect")
            raise OffsiteRedirect(request.url)


class Rfc9309RobotsTxtMiddleware(RobotsTxtMiddleware):
    """Scrapy's robots.txt middleware with two corrections.

    - Server errors: Scrapy parses whatever body a robots.txt request returns, so a 503 page means
      "allow all". RFC 9309 (section 2.3.1.4) says a robots.txt that is unreachable because of a
      server error means complete disallow; 4xx (no robots.txt) still means allow all.
    - Concurrent first requests: while robots.txt of a host is being fetched, every further
      request to that host awaits the same Deferred, and in Scrapy 2.19 only the first waiter
      receives the parser; the others get None and are let through unchecked (measured on the
      test web: a seed page fetched despite `Disallow: /`). The parser stored for the host is
      read again once the fetch is over.
    """

    def __init__(self, crawler: Any) -> None:
        super().__init__(crawler)
        self.unreachable: set[str] = set()  # hosts whose robots.txt answered a server error

    async def robot_parser(self, request: Any) -> Any:
        parser = await super().robot_parser(request)
        current = self._parsers.get(urlparse_cached(request).netloc, parser)
        return parser if isinstance(current, Deferred) else current

    async def _parse_robots(self, response: Response, netloc: str, request: Any) -> None:
        if response.status >= 500:
            self.crawler.stats.inc_value("portal_evidence/robots_server_error")
            self.unreachable.add(netloc)
            response = response.replace(body=b"User-agent: *\nDisallow: /\n")
        await super()._parse_robots(response, netloc, request)



class EnvProxyMiddleware(HttpProxyMiddleware):
    """Scrapy's HttpProxyMiddleware, without its per-request cost when no proxy is configured.

    `urllib.request.getproxies()` also returns no_proxy (key "no") as if it were a proxy scheme, so
    with only no_proxy set Scrapy believes a proxy exists and calls `proxy_bypass()` for every
    request, which scans the whole environment each time (about 0.2 ms a request). The "no" entry
    is never a request scheme; dropping it changes nothing else: with a real http(s) proxy,
    no_proxy is still honoured exactly as before.
    """

    def __init__(self, auth_encoding: str | None = "latin-1") -> None:
        super().__init__(auth_encoding)
        self.proxies.pop("no", None)
