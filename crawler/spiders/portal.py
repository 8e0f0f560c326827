"""The portal spider: crawls each seed portal's own web best-first and yields one PageItem per URL tried.

`scrapy crawl portal -a seeds=FILE [-a max_pages=N] [-a render=auto|never|always]` and
`portal-evidence crawl` run this same spider with the same settings module. The spider stays thin:
the frontier (`crawler.frontier`), trap filters (`crawler.traps`), link scores
(`crawler.linkscore`), the render decision (`crawler.rendering`) and the detectors do the work; the
item pipelines validate, de-duplicate and store.
"""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import logging
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy import signals
from scrapy.exceptions import DontCloseSpider, IgnoreRequest
from scrapy.utils.sitemap import Sitemap
from twisted.internet.error import DNSLookupError, TCPTimedOutError
from twisted.internet.error import TimeoutError as TwistedTimeoutError
from twisted.python.failure import Failure

from crawler.config import CrawlConfig
from crawler.frontier import Entry, Frontier
from crawler.items import PageItem
from crawler.links import extract_links
from crawler.linkscore import score_link
from crawler.middlewares import OffsiteRedirect
from crawler.rendering import BrowserPolicy, needs_rendering, prepare_page, set_browser_policy, settle
from crawler.traps import canonical_url
from detectors import detect, page_from_bytes
from detectors.errors import InputError
from seeds.loader import Seed, load_seeds
from seeds.ownweb import OwnWeb

logger = logging.getLogger(__name__)

HTML_TYPES = (b"text/html", b"application/xhtml+xml")
ERROR_STATUSES = list(range(400, 600))  # handed to the callback, stored as http_error


class PortalSpider(scrapy.Spider):
    name = "portal"

    def __init__(
        self,
        seeds: str | None = None,
        max_pages: str | int | None = None,
        render: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if not seeds:
            raise ValueError("the portal spider needs a seeds file: -a seeds=FILE.csv")
        self.seeds_file = seeds
        self._max_pages_arg = max_pages
        self._render_arg = render
        self.portals: list[Seed] = []
        self.own_webs: dict[str, OwnWeb] = {}
        self.frontiers: dict[str, Frontier] = {}
        self._sitemaps_seen: dict[str, set[str]] = {}
        self._render_count = 0
        self._context_name = "render-0"
        self._can_render: bool | None = None
        self._robots: Any = None
        self._closing: set[asyncio.Future] = set()  # page closings in progress (kept referenced)
        self._context_users: Counter[str] = Counter()  # render requests not yet over, per context
        self._contexts: dict[str, Any] = {}  # browser context objects seen, by name
        self._page_pool: list[tuple[Any, str]] = []  # free rendered pages (page, context name)
        self._page_pool_size = 8
        self._own_link_cache: dict[tuple[str, str], bool] = {}  # (portal, URL) -> on its own web

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> PortalSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        overrides = {}
        if spider._max_pages_arg is not None:
            overrides["PORTAL_EVIDENCE_MAX_PAGES"] = spider._max_pages_arg
        if spider._render_arg is not None:
            overrides["PORTAL_EVIDENCE_RENDER"] = spider._render_arg
        # The spider is built before add-ons read the settings (Crawler.crawl), so its arguments
        # become settings here and the rendering add-on sees `-a render=never` too.
        for name, value in overrides.items():
            settings.set(name, value, priority="spider")
        spider.config = CrawlConfig.from_settings(settings)
        spider.depth_limit = settings.getint("DEPTH_LIMIT", spider.config.depth_limit)
        spider.window = max(2, 2 * settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN", 2))
        if spider.config.render == "always":
            # Every page goes through the browser: a few at a time per portal, so that each new
            # request finds a page released by the previous one (re-used, no renderer start).
            spider.window = min(spider.window, 8)
        # The seeds file is read (and refused as a whole if malformed) before anything is requested.
        spider.portals = load_seeds(spider.seeds_file)
        for seed in spider.portals:
            spider.own_webs[seed.id] = OwnWeb.for_seed(seed)
            spider.frontiers[seed.id] = Frontier(
                seed.id,
                budget=spider.config.max_pages,
                depth_limit=spider.depth_limit,
                pattern_cap=spider.config.pattern_cap,
                calendar_cap=spider.config.calendar_cap,
                pagination_cap=spider.config.pagination_cap,
                window=spider.window,
            )
        crawler.signals.connect(spider._on_idle, signal=signals.spider_idle)
        return spider

    # -- start and resume ----------------------------------------------------------------------

    @property
    def can_render(self) -> bool:
        """Rendering is possible: mode not `never` and the add-on found scrapy-playwright and Chromium."""
        if self._can_render is None:
            available = self.settings.getbool("PORTAL_EVIDENCE_RENDER_AVAILABLE")
            self._can_render = self.config.render != "never" and available
            if self.config.render == "always" and not available:
                self.logger.warning("render=always but no browser is available: fetching without rendering")
        return self._can_render

    def _robots_middleware(self) -> Any:
        if self._robots is None:
            from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware

            middlewares = self.crawler.engine.downloader.middleware.middlewares
            self._robots = next((m for m in middlewares if isinstance(m, RobotsTxtMiddleware)), False)
        return self._robots

    def _browser_allows(self, url: str) -> bool:
        """Rendered pages may load own-web resources that robots.txt allows (else aborted)."""
        if not any(own_web.contains(url) for own_web in self.own_webs.values()):
            return False
        robots = self._robots_middleware()
        if not robots:
            return True  # ROBOTSTXT_OBEY is off
        parser = robots._parsers.get(urlsplit(url).netloc)
        if parser is None or not hasattr(parser, "allowed"):
            return False  # robots.txt of that host not known yet: do not risk it
        return bool(parser.allowed(url, self.settings.get("ROBOTSTXT_USER_AGENT") or self.settings["USER_AGENT"]))

    async def start(self) -> AsyncIterator[scrapy.Request]:
        if self.can_render:
            set_browser_policy(BrowserPolicy(self._browser_allows))
        resumed = self._restore()
        for seed in self.portals:
            frontier = self.frontiers[seed.id]
            if seed.id not in resumed:
                frontier.add(seed.url, 0, score=0, source="seed")
            if self.config.use_sitemaps:
                for request in self._sitemap_sources(seed):
                    yield request
            for request in self._next_requests(seed.id):
                yield request

    def _restore(self) -> set[str]:
        """On resume, mark stored URLs as done and queue their stored links; returns resumed portal ids."""
        # The store pipeline opens or resumes the run before start() (spider.run_id, spider.resumed).
        run_id = getattr(self, "run_id", None) if getattr(self, "resumed", False) else None
        if not run_id:
            return set()
        from storage import open_database, resolve_db_url, resume_state

        engine = open_database(resolve_db_url(self.settings.get("PORTAL_EVIDENCE_DB")))
        try:
            state = resume_state(engine, int(run_id))
        finally:
            engine.dispose()
        resumed = set()
        for portal_id, portal_state in state.items():
            frontier = self.frontiers.get(portal_id)
            if frontier is None or not portal_state.fetched:
                continue
            resumed.add(portal_id)
            for url in portal_state.fetched:
                frontier.mark_done(url)
            frontier.used = portal_state.pages_stored
            for url, depth in portal_state.frontier:
                if self.own_webs[portal_id].contains(url):
                    frontier.add(url, depth, score_link(url).score, source="resume")
        if resumed:
            self.logger.info("Resuming run %s: %d portal(s) already started", run_id, len(resumed))
        return resumed

    # -- frontier -> requests ------------------------------------------------------------------

    def _next_requests(self, portal_id: str) -> Iterator[scrapy.Request]:
        frontier = self.frontiers[portal_id]
        while (entry := frontier.pop()) is not None:
            yield self._page_request(portal_id, entry, render=self.can_render and self.config.render == "always")

    def _page_request(self, portal_id: str, entry: Entry, render: bool) -> scrapy.Request:
        meta: dict[str, Any] = {
            # Politeness per server: host *and* port (Scrapy's slots are per host name, which
            # would make portals served on one address with different ports wait for each other).
            "download_slot": urlsplit(entry.url).netloc,
            "pe_portal": portal_id,
            "pe_url": entry.url,
            "pe_depth": entry.depth,
            "pe_source": entry.source,
            "handle_httpstatus_list": ERROR_STATUSES,
        }
        if render:
            meta.update(self._render_meta())
        return scrapy.Request(
            entry.url,
            # Plain fetches get a plain generator callback: Scrapy's async-generator path costs
            # measurably more per page, and only rendered pages need to await (closing pages).
            callback=self.parse_page if render else self.parse_static,
            errback=self.page_failed,
            meta=meta,
            priority=entry.priority,
            dont_filter=True,
        )

    def _render_meta(self) -> dict[str, Any]:
        # A fresh browser context every `context_pages` rendered pages; the retired one is closed
        # when its last page closes (see _release_page), so the browser's memory stays flat.
        name = f"render-{self._render_count // self.config.context_pages}"
        if name != self._context_name:
            retired = self._context_name
            self._context_name = name
            for page, _ in self._page_pool:  # pooled pages of the retired context are done
                self._schedule(self._close_page(page, close_context=False))
            self._page_pool.clear()
            if self._context_users[retired] <= 0 and retired in self._contexts:
                # Every request of the retired context was already over: close it now.
                self._context_users.pop(retired, None)
                self._schedule(self._close_context(self._contexts.pop(retired)))
        self._render_count += 1
        self._context_users[name] += 1
        meta: dict[str, Any] = {}
        page = self._pooled_page(name)
        if page is not None:
            meta["playwright_page"] = page  # scrapy-playwright navigates this open page again
        return meta | {
            "playwright": True,
            # A failed render is not retried: the static page is analysed instead (auto), and a
            # retry would re-use the broken page object that scrapy-playwright keeps in meta.
            "dont_retry": True,
            "playwright_include_page": True,
            "playwright_context": self._context_name,
            "playwright_page_init_callback": prepare_page,
            "playwright_page_methods": [scrapy_playwright_method(settle)],
        }

    def _pooled_page(self, context_name: str) -> Any:
        """A free open page of the current context, if one is pooled."""
        while self._page_pool:
            page, name = self._page_pool.pop()
            if name == context_name and not page.is_closed():
                return page
            self._schedule(self._close_page(page, close_context=False))
        return None

    def _on_idle(self) -> None:
        """Safety net: if requests vanished without a callback, release their slots and go on."""
        scheduled = False
        for portal_id, frontier in self.frontiers.items():
            frontier.in_flight.clear()
            for request in self._next_requests(portal_id):
                self.crawler.engine.crawl(request)
                scheduled = True
        if scheduled:
            raise DontCloseSpider

    # -- callbacks -----------------------------------------------------------------------------

    def parse_static(self, response: scrapy.http.Response) -> Iterator[Any]:
        yield from self._page_outputs(response, response.meta["pe_portal"], rendered=False)

    async def parse_page(self, response: scrapy.http.Response) -> AsyncIterator[Any]:
        meta = response.meta
        portal_id: str = meta["pe_portal"]
        rendered = "playwright" in response.flags
        if meta.get("playwright"):
            await self._release_page(meta.pop("playwright_page", None), meta.get("playwright_context"))
        for output in self._page_outputs(response, portal_id, rendered):
            yield output

    def _page_outputs(self, response: Any, portal_id: str, rendered: bool) -> Iterator[Any]:
        meta = response.meta
        url: str = meta["pe_url"]
        depth: int = meta["pe_depth"]
        frontier = self.frontiers[portal_id]
        base = {"portal_id": portal_id, "url": url, "final_url": response.url, "depth": depth,
                "http_status": response.status, "rendered": rendered}
        if response.status >= 400:
            yield self._done(PageItem(status="http_error", note=f"HTTP {response.status}", **base))
            yield from self._next_requests(portal_id)
            return
        content_type = response.headers.get(b"Content-Type", b"") or b""
        body = response.body
        if content_type and not content_type.lower().startswith(HTML_TYPES):
            yield self._done(PageItem(status="not_html", note=content_type.decode("latin-1")[:100], **base))
            yield from self._next_requests(portal_id)
            return
        note = None
        if len(body) > self.config.max_page_bytes:
            body = body[: self.config.max_page_bytes]
            note = f"truncated at {self.config.max_page_bytes // (1024 * 1024)} MB of {len(response.body)} bytes"
        headers = {k.decode("latin-1"): v[0].decode("latin-1") for k, v in response.headers.items() if v}
        try:
            page = page_from_bytes(response.url, body, headers, rendered=rendered)
        except InputError as exc:
            yield self._done(PageItem(status="not_html", note=str(exc)[:200], **base))
            yield from self._next_requests(portal_id)
            return
        if self.can_render and not rendered and self.config.render == "auto" and "pe_render_failed" not in meta:
            decision = needs_rendering(page.html)
            if decision.render:
                # Same URL again, through the browser; it stays in flight and in the budget once.
                # The static answer rides along, to be analysed if the browser fails.
                self.crawler.stats.inc_value("portal_evidence/rendered_auto")
                entry = Entry(url, depth, 0, meta.get("pe_source", "link"))
                request = self._page_request(portal_id, entry, render=True)
                request.meta["pe_static"] = (response.url, response.status, dict(headers), body)
                yield request
                return
        links = extract_links(page.html, response.url)
        own_web = self.own_webs[portal_id]
        if links.canonical and links.canonical != url and own_web.contains(links.canonical):
            canonical = canonical_url(links.canonical)
            if canonical != canonical_url(response.url) and frontier.is_known(canonical):
                yield self._done(PageItem(status="duplicate", note=f"canonical {canonical}", title=links.title,
                                          **base))
                yield from self._next_requests(portal_id)
                return
            frontier.add(canonical, depth, score_link(canonical, links.title or "").score)
        outlinks: list[str] = []
        for link in links.links:
            if not self._on_own_web(portal_id, own_web, link.url):
                continue  # offsite: never requested; the detectors record it as evidence if relevant
            outlinks.append(canonical_url(link.url))
            frontier.add(link.url, depth + 1, score_link(link.url, link.text, link.title).score)
        result = detect(page)
        yield self._done(
            PageItem(
                status="ok",
                content_hash=hashlib.sha256(page.html.encode("utf-8", "surrogatepass")).hexdigest(),
                title=links.title,
                language=result.language,
                note=note,
                result=result,
                html=page.html,
                outlinks=outlinks,
                **base,
            )
        )
        yield from self._next_requests(portal_id)

    def _on_own_web(self, portal_id: str, own_web: OwnWeb, url: str) -> bool:
        """`own_web.contains(url)`, remembered: the same links appear on most pages of a portal."""
        key = (portal_id, url)
        known = self._own_link_cache.get(key)
        if known is None:
            if len(self._own_link_cache) >= 32768:
                self._own_link_cache.clear()  # bounded memory on huge portals
            known = self._own_link_cache[key] = own_web.contains(url)
        return known

    async def page_failed(self, failure: Failure) -> AsyncIterator[Any]:
        request = failure.request
        meta = request.meta
        if meta.get("playwright"):
            # A page whose rendering failed may hang again: it is closed, not re-used.
            await self._release_page(meta.pop("playwright_page", None), meta.get("playwright_context"),
                                     reusable=False)
        portal_id = meta.get("pe_portal")
        if portal_id is None:
            return
        status, note = classify_failure(failure)
        static = meta.pop("pe_static", None)
        if static is not None and status not in ("robots_excluded", "offsite_redirect"):
            # Rendering failed (browser crash, timeout): keep the evidence of the static page.
            self.crawler.stats.inc_value("portal_evidence/render_failed")
            static_url, static_status, static_headers, static_body = static
            meta["pe_render_failed"] = note
            response = scrapy.http.HtmlResponse(static_url, status=static_status, headers=static_headers,
                                                body=static_body, request=request)
            for output in self._page_outputs(response, portal_id, rendered=False):
                if isinstance(output, PageItem) and output.status == "ok":
                    output.note = f"rendering failed, static page analysed: {note.splitlines()[0]}"[:300]
                yield output
            return
        if status == "robots_excluded":
            self.crawler.stats.inc_value("portal_evidence/robots_excluded")
            robots = self._robots_middleware()
            if urlsplit(request.url).netloc in getattr(robots, "unreachable", ()):
                note = "robots.txt answered a server error: complete disallow (RFC 9309)"
        final_url = failure.value.url if isinstance(failure.value, OffsiteRedirect) else request.url
        yield self._done(
            PageItem(
                portal_id=portal_id,
                url=meta["pe_url"],
                final_url=final_url,
                status=status,
                depth=meta["pe_depth"],
                rendered=bool(meta.get("playwright")),
                note=note,
            )
        )
        for next_request in self._next_requests(portal_id):
            yield next_request

    def _done(self, item: PageItem) -> PageItem:
        self.frontiers[item.portal_id].finish(item.url)
        self.crawler.stats.inc_value(f"portal_evidence/pages/{item.status}")
        return item

    async def _release_page(self, page: Any, context_name: str | None, reusable: bool = True) -> None:
        """Close a rendered page, and its context once retired and empty, without ever blocking.

        A page whose renderer is busy (a script that never ends) can take long to close; the
        callback must not wait for it, or the crawl's slots fill up with stuck callbacks.
        """
        # A retired context is closed only when every request assigned to it is over: closing it
        # while a request still waits to open its page there leaves that request hanging.
        last_user = False
        if context_name is not None:
            self._context_users[context_name] -= 1
            last_user = self._context_users[context_name] <= 0 and context_name != self._context_name
            if last_user:
                del self._context_users[context_name]
        if page is None:
            if last_user and context_name in self._contexts:
                self._schedule(self._close_context(self._contexts.pop(context_name)))
            return
        if context_name is not None and not last_user:
            self._contexts[context_name] = page.context
        elif last_user:
            self._contexts.pop(context_name, None)
        # Re-use the page for the next rendering (a new page costs a renderer process start,
        # about half of a render): pages of the current context go back to a small pool.
        if (reusable and context_name == self._context_name and not page.is_closed()
                and len(self._page_pool) < self._page_pool_size):
            self._page_pool.append((page, context_name))
            return
        self._schedule(self._close_page(page, last_user))

    def _schedule(self, coroutine: Any) -> None:
        task = asyncio.ensure_future(coroutine)
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)

    async def _close_page(self, page: Any, close_context: bool) -> None:
        context = page.context
        try:
            await asyncio.wait_for(page.close(), timeout=10)
        except Exception as exc:  # a crashed page or browser must not stop the crawl
            self.logger.debug("closing a rendered page failed: %s", exc)
        if close_context:
            await self._close_context(context)

    async def _close_context(self, context: Any) -> None:
        try:
            await asyncio.wait_for(context.close(), timeout=10)
        except Exception as exc:
            self.logger.debug("closing a browser context failed: %s", exc)

    # -- sitemaps ------------------------------------------------------------------------------

    def _sitemap_sources(self, seed: Seed) -> Iterator[scrapy.Request]:
        root = seed.url.split("/", 3)
        origin = "/".join(root[:3])
        self._sitemaps_seen[seed.id] = {f"{origin}/sitemap.xml"}
        meta = {"pe_portal": seed.id, "pe_aux": True}
        yield scrapy.Request(f"{origin}/robots.txt", callback=self.parse_robots, errback=self.aux_failed,
                             meta=meta, priority=100, dont_filter=True)
        yield scrapy.Request(f"{origin}/sitemap.xml", callback=self.parse_sitemap, errback=self.aux_failed,
                             meta=dict(meta), priority=90, dont_filter=True)

    def parse_robots(self, response: Any) -> Iterator[scrapy.Request]:
        portal_id = response.meta["pe_portal"]
        if response.status != 200:
            return
        for line in response.text.splitlines():
            key, _, value = line.partition(":")
            if key.strip().lower() == "sitemap" and value.strip():
                yield from self._sitemap_request(portal_id, response.urljoin(value.strip()))

    def _sitemap_request(self, portal_id: str, url: str) -> Iterator[scrapy.Request]:
        seen = self._sitemaps_seen.setdefault(portal_id, set())
        if url in seen or len(seen) >= 20 or not self.own_webs[portal_id].contains(url):
            return
        seen.add(url)
        yield scrapy.Request(url, callback=self.parse_sitemap, errback=self.aux_failed,
                             meta={"pe_portal": portal_id, "pe_aux": True}, priority=90, dont_filter=True)

    def parse_sitemap(self, response: Any) -> Iterator[scrapy.Request]:
        portal_id = response.meta["pe_portal"]
        if response.status != 200:
            return
        body = response.body
        if body[:2] == b"\x1f\x8b":
            try:
                body = gzip.decompress(body)[: 50 * 1024 * 1024]
            except OSError:
                return
        try:
            sitemap = Sitemap(body)
        except Exception:
            return  # not XML: a missing sitemap answered with an HTML page
        frontier = self.frontiers[portal_id]
        own_web = self.own_webs[portal_id]
        taken = 0
        for entry in sitemap:
            loc = (entry.get("loc") or "").strip()
            if not loc:
                continue
            if sitemap.type == "sitemapindex":
                yield from self._sitemap_request(portal_id, loc)
            elif (
                own_web.contains(loc)
                and taken < self.config.sitemap_max_urls
                # Sitemap URLs have no click depth of their own: they count as the deepest
                # allowed, unless a link reaches them earlier (the frontier keeps the shallower).
                and frontier.add(loc, self.depth_limit, score_link(loc).score, source="sitemap")
            ):
                taken += 1
        yield from self._next_requests(portal_id)

    def aux_failed(self, failure: Failure) -> Iterator[scrapy.Request]:
        portal_id = failure.request.meta.get("pe_portal")
        if portal_id is not None:
            yield from self._next_requests(portal_id)


def scrapy_playwright_method(function: Any) -> Any:
    from scrapy_playwright.page import PageMethod

    return PageMethod(function)


# Scrapy 2.19 wraps transport errors in its own exceptions; older ones raise Twisted's. Names are
# compared so that both work without importing what a version lacks.
_NETWORK_ERRORS = frozenset({
    "DownloadConnectionRefusedError", "CannotResolveHostError", "DownloadFailedError", "ResponseDataLossError",
    "DNSLookupError", "ConnectionRefusedError", "ConnectError", "ConnectionLost", "ConnectionDone",
    "ResponseFailed", "ResponseNeverReceived", "SSLError", "Error",
})


def classify_failure(failure: Failure) -> tuple[str, str]:
    """Page status and note for a request that produced no response."""
    exc = failure.value
    name = type(exc).__name__
    message = f"{name}: {exc}".strip()[:300]
    if isinstance(exc, OffsiteRedirect):
        return "offsite_redirect", str(exc)[:300]
    if isinstance(exc, IgnoreRequest):
        if "robots.txt" in str(exc):
            return "robots_excluded", "forbidden by robots.txt"
        return "error", message
    if "larger than download max size" in str(exc):
        return "error", f"not downloaded: larger than DOWNLOAD_MAXSIZE ({message})"
    if "Timeout" in name or isinstance(exc, TwistedTimeoutError | TCPTimedOutError | TimeoutError):
        return "timeout", message
    if isinstance(exc, DNSLookupError | ConnectionError) or name in _NETWORK_ERRORS:
        return "network_error", message
    module = type(exc).__module__ or ""
    if module.startswith(("twisted.internet.error", "twisted.web._newclient", "OpenSSL")):
        return "network_error", message
    return "error", message
