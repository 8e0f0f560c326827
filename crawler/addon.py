"""Scrapy add-on that wires headless Chromium rendering (scrapy-playwright) when it can work.

It runs for `scrapy crawl portal` and `portal-evidence crawl` alike (settings ADDONS). Rendering is
installed only if the render mode is not `never`, scrapy-playwright imports and the Chromium
executable exists; otherwise `PORTAL_EVIDENCE_RENDER_AVAILABLE` is False and the spider fetches
statically (with a warning in `auto` and `always` mode) instead of crashing.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import urllib.request
from typing import Any

from crawler.config import CrawlConfig

logger = logging.getLogger(__name__)

# Flags measured on this platform (docs ENVIRONMENT.md section 2): no sandbox as root, no GPU,
# no background traffic of the browser's own.
CHROMIUM_ARGS: tuple[str, ...] = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
)


# Chromium calls home on its own (component updates, account, time and autofill checks), also
# through the proxy. These hosts bypass the proxy and resolve to nothing, so such requests fail
# locally and never reach the network or the user's proxy log.
BROWSER_SERVICE_HOSTS: tuple[str, ...] = (
    "*.google.com", "*.googleapis.com", "*.gvt1.com", "*.gvt2.com", "*.gstatic.com",
    "*.googleusercontent.com", "*.google", "*.chromium.org",
)
BLOCK_SERVICES_ARG = "--host-resolver-rules=" + ", ".join(f"MAP {h} ~NOTFOUND" for h in BROWSER_SERVICE_HOSTS)


# Playwright starts Chromium with its own --disable-features and --blink-settings lists, and
# Chromium keeps only the last occurrence of a switch: a list of ours alone would silently drop
# Playwright's (one of them keeps request interception working on redirects). These are
# Playwright 1.65's values, repeated; tests/test_rendering.py compares them with the command line
# of a browser Playwright starts, so an upgrade that changes them fails a test, not a crawl.
PLAYWRIGHT_DISABLED_FEATURES: tuple[str, ...] = (
    "AvoidUnnecessaryBeforeUnloadCheckSync", "DestroyProfileOnBrowserClose", "HttpsUpgrades",
    "HttpsFirstBalancedModeAutoEnable", "LensOverlay", "MediaRouter", "PaintHolding",
    "ThirdPartyStoragePartitioning", "AvoidCorsURLLoaderRestartOnRedirect", "TcpPortRandomizationWin",
    "OptimizationHints", "NetworkTimeServiceQuerying", "AimEnabled", "PreconnectToSearch",
    "msForceBrowserSignIn", "msEdgeUpdateLaunchServicesPreferredVersion",
)
PLAYWRIGHT_BLINK_SETTINGS: tuple[str, ...] = (
    "primaryHoverType=2", "availableHoverTypes=2", "primaryPointerType=4", "availablePointerTypes=4",
)

# Crawl-only flags that cut the browser's work per rendered page (benchmarks/crawl_throughput.py,
# interleaved runs on 2 cores; see the commit that added them for the numbers).
RENDER_SPEED_ARGS: tuple[str, ...] = (
    # With RenderDocument every navigation builds a new renderer frame (frame, widget, compositor)
    # even on the same site; without it a re-used page keeps its frame: about 40 % less renderer
    # CPU and 20 % less browser-process CPU per page. Page behaviour is the same.
    "--disable-features=" + ",".join([*PLAYWRIGHT_DISABLED_FEATURES, "RenderDocument"]),
    # Images are never requested, instead of being routed through the driver and our abort
    # predicate one by one (the predicate still refuses them, should one be asked for anyway).
    "--blink-settings=" + ",".join([*PLAYWRIGHT_BLINK_SETTINGS, "imagesEnabled=false"]),
)


def browser_proxy(env_proxies: dict[str, str] | None = None) -> dict[str, str] | None:
    """The Playwright `proxy` launch option equivalent to http(s)_proxy/no_proxy, or None.

    Chromium has one proxy for all schemes; https_proxy wins over http_proxy as pages are
    mostly https. Chromium never proxies loopback by default, while Scrapy does unless no_proxy
    says so: `<-loopback>` makes the browser behave like plain requests.
    """
    proxies = urllib.request.getproxies() if env_proxies is None else env_proxies
    server = proxies.get("https") or proxies.get("http")
    if not server:
        return None
    bypass = [part.strip() for part in proxies.get("no", "").split(",") if part.strip()]
    if "*" in bypass:
        return None
    return {"server": server, "bypass": ",".join([*bypass, *BROWSER_SERVICE_HOSTS, "<-loopback>"])}


def rendering_settings(config: CrawlConfig, timeout_s: float, proxy: dict[str, str] | None) -> dict[str, Any]:
    launch: dict[str, Any] = {
        "executable_path": config.chromium,
        "headless": True,
        "args": [*CHROMIUM_ARGS, *RENDER_SPEED_ARGS, BLOCK_SERVICES_ARG],
    }
    if proxy:
        launch["proxy"] = proxy
    return {
        "DOWNLOAD_HANDLERS": {
            "http": "scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler",
            "https": "scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler",
        },
        "PLAYWRIGHT_BROWSER_TYPE": "chromium",
        "PLAYWRIGHT_LAUNCH_OPTIONS": launch,
        "PLAYWRIGHT_ABORT_REQUEST": "crawler.rendering.abort_request",
        # Contexts are recycled by the spider (a new one every PORTAL_EVIDENCE_CONTEXT_PAGES pages,
        # the old one closed when its last page closes), so memory stays flat.
        # Pages are pooled and re-used by the spider; creating one must never wait for a free
        # slot (Scrapy's CONCURRENT_REQUESTS bounds how many render at once).
        "PLAYWRIGHT_MAX_PAGES_PER_CONTEXT": 64,
        "PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT": int(timeout_s * 1000),
    }


def chromium_available(path: str) -> bool:
    return os.path.isfile(path) and os.access(path, os.X_OK)


class PortalEvidenceAddon:
    def update_settings(self, settings: Any) -> None:
        config = CrawlConfig.from_settings(settings)
        available = False
        if config.render != "never":
            if importlib.util.find_spec("scrapy_playwright") is None:
                logger.warning("scrapy-playwright is not installed: pages are fetched without rendering")
            elif not chromium_available(config.chromium):
                logger.warning(
                    "Chromium not found at %s: pages are fetched without rendering "
                    "(install it with `apt-get install chromium` or set PORTAL_EVIDENCE_CHROMIUM)",
                    config.chromium,
                )
            else:
                available = True
                timeout = settings.getfloat("DOWNLOAD_TIMEOUT", 30)
                for name, value in rendering_settings(config, timeout, browser_proxy()).items():
                    settings.set(name, value, priority="addon")
        settings.set("PORTAL_EVIDENCE_RENDER_AVAILABLE", available, priority="addon")
