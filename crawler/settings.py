"""Scrapy settings of the portal crawl, shared by `scrapy crawl portal` and `portal-evidence crawl`.

Polite defaults for real government portals: robots.txt obeyed (Protego, RFC 9309), a named user
agent with a contact URL, two requests at a time per host, a delay with AutoThrottle, bounded
timeouts, sizes, retries and redirects. Our own options carry the prefix PORTAL_EVIDENCE_ and are
parsed once by `crawler.config.CrawlConfig`; the rendering plug-in is wired by
`crawler.addon.PortalEvidenceAddon` because it depends on the browser and the proxy found at run time.

The "fast" profile (environment PORTAL_EVIDENCE_PROFILE=fast) drops the delays for tests and
benchmarks on 127.0.0.1; never use it against real portals.
"""

from __future__ import annotations

import os

from crawler.config import CrawlConfig
from portal_evidence import __version__

BOT_NAME = "portal-evidence"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"
# Our `crawl` command checks the seeds file before Scrapy starts (crawler/commands/crawl.py).
COMMANDS_MODULE = "crawler.commands"

# Identify ourselves: portal webmasters should be able to find out who crawls them and why.
PORTAL_EVIDENCE_CONTACT_URL = os.environ.get(
    "PORTAL_EVIDENCE_CONTACT_URL", "https://github.com/portal-evidence/portal-evidence"
)
USER_AGENT = os.environ.get("PORTAL_EVIDENCE_USER_AGENT") or (
    f"portal-evidence/{__version__} (+{PORTAL_EVIDENCE_CONTACT_URL})"
)

# robots.txt for every host (RFC 9309 with wildcards and `$`), also for sitemap-listed URLs.
ROBOTSTXT_OBEY = True
ROBOTSTXT_PARSER = "scrapy.robotstxt.ProtegoRobotParser"
ROBOTSTXT_USER_AGENT = "portal-evidence"

# Politeness per host.
CONCURRENT_REQUESTS = 16  # across all portals of a run
CONCURRENT_REQUESTS_PER_DOMAIN = 2
# At least half a second between requests to one server, more when it answers slowly
# (AutoThrottle aims at one request in flight per server); about 2 pages/s per portal at best,
# so a 200-page budget takes under 2 minutes and portals are crawled in parallel.
DOWNLOAD_DELAY = 0.5
DOWNLOAD_DELAY_JITTER = 0.5  # +-50 %
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 0.5
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0

# Slow pages get a timeout; the page is then stored with status `timeout`.
DOWNLOAD_TIMEOUT = 20
# Pages above DOWNLOAD_WARNSIZE are logged; above DOWNLOAD_MAXSIZE they are not downloaded at all
# and are stored with status `error` and a note. Between PORTAL_EVIDENCE_MAX_PAGE_BYTES and
# DOWNLOAD_MAXSIZE a page is analysed truncated, with the note "truncated at ...".
DOWNLOAD_WARNSIZE = 8 * 1024 * 1024
DOWNLOAD_MAXSIZE = 32 * 1024 * 1024
PORTAL_EVIDENCE_MAX_PAGE_BYTES = 5 * 1024 * 1024

RETRY_ENABLED = True
RETRY_TIMES = 1  # one retry for 5xx and timeouts; a slow page costs at most two timeouts
REDIRECT_ENABLED = True
REDIRECT_MAX_TIMES = 5  # stops loops; a chain longer than this is stored as an error

# The spider keeps its own best-first frontier with a per-portal budget, depth limit and trap
# filters, and its own duplicate check on canonical URLs; Scrapy's dupefilter would silently
# swallow redirects to seen URLs, and its depth middleware would overwrite our click depths.
DUPEFILTER_CLASS = "scrapy.dupefilters.BaseDupeFilter"
DEPTH_LIMIT = 5  # clicks from the seed; read by the spider, not by DepthMiddleware
SPIDER_MIDDLEWARES = {"scrapy.spidermiddlewares.depth.DepthMiddleware": None}

DOWNLOADER_MIDDLEWARES = {
    # Before RobotsTxtMiddleware (100): a request of a portal outside its own web (a redirect or
    # meta refresh leaving it) is stopped before anything is fetched, and stored as offsite_redirect.
    "crawler.middlewares.OwnWebGuardMiddleware": 50,
    # robots.txt answered with a server error means "disallow all" (RFC 9309), not "allow all".
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "crawler.middlewares.Rfc9309RobotsTxtMiddleware": 100,
    # Scrapy's proxy middleware, minus a scan of the whole environment for every request when
    # only no_proxy is set (see crawler.middlewares.EnvProxyMiddleware).
    "scrapy.downloadermiddlewares.httpproxy.HttpProxyMiddleware": None,
    "crawler.middlewares.EnvProxyMiddleware": 750,
}

# Proxies: the proxy middleware reads http_proxy/https_proxy/no_proxy from the
# environment (enabled by default); the add-on copies the same values into the browser.
HTTPPROXY_ENABLED = True

COOKIES_ENABLED = True
TELNETCONSOLE_ENABLED = False
# Outputs of one callback processed at once. Ours yield one item and a few requests per page, and
# with the asyncio reactor Scrapy starts this many worker tasks for every response: the default
# (100) made task bookkeeping about a tenth of a fast crawl's CPU time.
CONCURRENT_ITEMS = 4
LOG_LEVEL = "INFO"
REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
FEED_EXPORT_ENCODING = "utf-8"

# Items flow spider -> validate -> dedupe -> store; one place for all order numbers.
ITEM_PIPELINES = {
    "pipelines.validate.ValidatePagePipeline": 100,  # drop malformed items with a reason
    "pipelines.dedupe.DuplicateContentPipeline": 200,  # same content hash in a run+portal -> duplicate
    "pipelines.store.StorePipeline": 300,  # pages, evidence, candidates (close_spider) in SQL
}

EXTENSIONS = {
    "crawler.progress.ProgressExtension": 500,  # per-portal progress on a terminal (PORTAL_EVIDENCE_PROGRESS)
}

# Rendering (scrapy-playwright with Debian's Chromium) is switched on by this add-on only when
# the render mode allows it and a browser is installed.
ADDONS = {"crawler.addon.PortalEvidenceAddon": 0}
PORTAL_EVIDENCE_RENDER = "auto"
PORTAL_EVIDENCE_CHROMIUM = os.environ.get("PORTAL_EVIDENCE_CHROMIUM", "/usr/bin/chromium")
# Pages per write transaction (pipelines/store.py); smaller batches show progress in the database
# sooner, at some cost in speed.
PORTAL_EVIDENCE_STORE_BATCH = int(os.environ.get("PORTAL_EVIDENCE_STORE_BATCH", "50"))
# Rendered pages per browser context before a fresh one replaces it (the spider closes the old one):
# this bounds what a portal's scripts can pile up in one context (caches, storage, leaks), while each
# recycling costs new renderer processes for the pooled pages (about 3 CPU seconds). Measured on
# 600 rendered pages: every 200 pages gives 13-17 pages/s with Chromium at a peak PSS of 690 MB
# (scrapy-playwright's defaults: 5-6 pages/s, 800 MB); every 100: 13 pages/s, 610 MB.
PORTAL_EVIDENCE_CONTEXT_PAGES = CrawlConfig.context_pages  # the one default, kept in crawler/config.py

if os.environ.get("PORTAL_EVIDENCE_PROFILE") == "fast":
    # Tests and benchmarks against 127.0.0.1 only.
    DOWNLOAD_DELAY = 0
    DOWNLOAD_DELAY_JITTER = 0
    AUTOTHROTTLE_ENABLED = False
    CONCURRENT_REQUESTS = 32
    CONCURRENT_REQUESTS_PER_DOMAIN = 8
    DOWNLOAD_TIMEOUT = int(os.environ.get("PORTAL_EVIDENCE_TIMEOUT", "3"))
    RETRY_TIMES = 1
    LOG_LEVEL = "WARNING"
