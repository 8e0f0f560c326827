"""Deciding whether a page needs JavaScript to show its content, and what the browser may skip.

`needs_rendering` is a pure function over the static HTML: rendering costs about 20 times a plain
fetch (docs ENVIRONMENT.md section 3), so only script-built pages go to the browser: app shells
with an empty root element, pages with little visible text but many or large scripts, `noscript`
warnings asking for JavaScript, and pages whose content is fetched by scripts.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import lxml.html
from lxml import etree

# Empty mount points of the common front-end frameworks.
_APP_ROOT_IDS = frozenset({"root", "app", "__next", "__nuxt", "main-app", "application", "svelte", "q-app"})
_NOSCRIPT_WORDS = re.compile(
    r"javascript|enable js|activez|activer|aktivieren|habilit|attiva|включите|جافا|脚本|启用",
    re.IGNORECASE,
)
_DATA_LOADING = re.compile(
    r"\bfetch\s*\(|XMLHttpRequest|\$\.(?:ajax|get|getJSON)\s*\(|axios\.|\.innerHTML\s*=|"
    r"document\.write\s*\(|createElement\s*\(|insertAdjacentHTML|appendChild\s*\(",
)
_SPACE = re.compile(r"\s+")
# Decoded text is re-encoded as UTF-8 for lxml, so tell the parser (it would guess latin-1).
_PARSER = lxml.html.HTMLParser(encoding="utf-8")
_RESOURCE_TYPES_TO_ABORT = frozenset({"image", "media", "font"})


@dataclass(frozen=True)
class RenderDecision:
    render: bool
    reason: str


def needs_rendering(html: str) -> RenderDecision:
    """Whether the static `html` looks like a page whose content is built by JavaScript."""
    try:
        root = lxml.html.document_fromstring(html.encode("utf-8", "replace"), parser=_PARSER)
    except (etree.ParserError, ValueError):
        return RenderDecision(False, "unparsable")
    body = root.find("body")
    scripts = root.xpath("//script")
    inline_js = "\n".join(s.text or "" for s in scripts if not s.get("src"))
    external = sum(1 for s in scripts if s.get("src"))
    text = _visible_text(body) if body is not None else ""

    for element in root.xpath("//*[@id or @ng-app or @data-reactroot or @data-server-rendered]"):
        element_id = (element.get("id") or "").lower()
        is_root = element_id in _APP_ROOT_IDS or element.get("ng-app") is not None
        if is_root and len(_visible_text(element)) < 40:
            return RenderDecision(True, f"empty app root #{element_id or 'ng-app'}")
    if root.xpath("//script[@id='__NEXT_DATA__' or @id='__NUXT_DATA__']") and len(text) < 200:
        return RenderDecision(True, "framework data without content")
    for noscript in root.xpath("//noscript"):
        warning = _SPACE.sub(" ", noscript.text_content() or "").strip()
        if _NOSCRIPT_WORDS.search(warning) and len(text) - len(warning) < 300:
            return RenderDecision(True, "noscript asks for JavaScript")
    script_weight = len(inline_js) + 2000 * external
    if len(text) < 150 and script_weight > 1000:
        return RenderDecision(True, "little text, much script")
    if _DATA_LOADING.search(inline_js) and len(text) < 600:
        return RenderDecision(True, "content loaded by script")
    return RenderDecision(False, "static content")


def _visible_text(element: lxml.html.HtmlElement) -> str:
    parts = element.xpath(
        ".//text()[not(ancestor::script) and not(ancestor::style) and not(ancestor::noscript)]"
    )
    return _SPACE.sub(" ", " ".join(parts)).strip()


@dataclass(frozen=True)
class BrowserPolicy:
    """What a rendered page may load: own-web URLs that robots.txt allows (`allows(url)`)."""

    allows: Callable[[str], bool]


_policy: BrowserPolicy | None = None


def set_browser_policy(policy: BrowserPolicy | None) -> None:
    """Installed by the spider: the abort predicate is a plain function named in the settings."""
    global _policy
    _policy = policy


def abort_request(request: object) -> bool:
    """PLAYWRIGHT_ABORT_REQUEST predicate: skip images, media and fonts, and anything the policy refuses.

    A rendered page's scripts, styles and data requests to other hosts (CDNs, trackers) or to
    paths robots.txt forbids are aborted in the browser, so they never reach the network.
    """
    if getattr(request, "resource_type", "") in _RESOURCE_TYPES_TO_ABORT:
        return True
    url = str(getattr(request, "url", ""))
    if url.startswith(("data:", "blob:", "about:")):
        return False
    return _policy is not None and not _policy.allows(url)


# Installed in every rendered page before its scripts run: counts fetch/XHR requests in flight.
# The decrement waits one macrotask, so a request chained in a `.then` is counted before the
# previous one is let go.
PENDING_REQUESTS_JS = """
(() => {
  if (window.__pePending !== undefined) return;
  window.__pePending = 0;
  const done = () => setTimeout(() => { window.__pePending -= 1; }, 0);
  const originalFetch = window.fetch;
  if (originalFetch) {
    window.fetch = function (...args) {
      window.__pePending += 1;
      return originalFetch.apply(this, args).finally(done);
    };
  }
  const originalSend = XMLHttpRequest.prototype.send;
  XMLHttpRequest.prototype.send = function (...args) {
    window.__pePending += 1;
    this.addEventListener("loadend", done);
    return originalSend.apply(this, args);
  };
  // The rendered HTML as Playwright's page.content() gives it, with the browser's own serializers
  // taken before any page script runs (a page cannot change what this returns).
  const outerHTML = Object.getOwnPropertyDescriptor(Element.prototype, "outerHTML").get;
  const serializer = new XMLSerializer();
  const serialize = XMLSerializer.prototype.serializeToString;
  Object.defineProperty(window, "__peHtml", {
    value: () => (document.doctype ? serialize.call(serializer, document.doctype) : "") +
      (document.documentElement ? outerHTML.call(document.documentElement) : ""),
  });
})();
"""


async def prepare_page(page: Any, request: Any) -> None:
    """playwright_page_init_callback: install the request counter once per (re-used) page."""
    # HTML captured by `settle` belongs to one navigation only (see _serve_content_once).
    vars(page).pop("content", None)
    if not getattr(page, "_pe_prepared", False):
        await page.add_init_script(PENDING_REQUESTS_JS)
        page._pe_prepared = True


# Resolves once no fetch/XHR has been in flight for QUIET_MS (sampled every 25 ms), or after the
# timeout. Run with one `page.evaluate` in the page's own world: Playwright's wait_for_function
# would first install its large injected script into every new document and poll from the driver,
# which measured about a third of a rendered page's time in the browser.
SETTLE_JS = """
([timeout, quietMs]) => new Promise((resolve) => {
  const start = Date.now();
  let quietSince = null;
  const tick = () => {
    const now = Date.now();
    if ((window.__pePending || 0) <= 0) {
      if (quietSince === null) quietSince = now;
      if (now - quietSince >= quietMs) return resolve(true);
    } else {
      quietSince = null;
    }
    if (now - start >= timeout) return resolve(false);
    setTimeout(tick, 25);
  };
  tick();
}).then(() => (window.__peHtml ? window.__peHtml() : null))
"""
QUIET_MS = 100


async def settle(page: Any, timeout_ms: int = 3000) -> None:
    """Page method run after the load event: wait until script-started requests have answered.

    Cheaper than Playwright's "networkidle" (which always waits 500 ms of silence): a static
    page settles after QUIET_MS, a page that fetches its content settles when the data is in and
    nothing new was asked for during QUIET_MS. Timers that build content later than that after
    the last request are not waited for.
    """
    try:
        # The script ends by itself at the timeout; the outer bound covers a page whose main
        # thread never returns to its event loop.
        html = await asyncio.wait_for(page.evaluate(SETTLE_JS, [timeout_ms, QUIET_MS]),
                                      timeout=timeout_ms / 1000 + 1)
    except Exception:  # navigation during the wait, a crashed page, the outer timeout: keep what rendered
        return
    if isinstance(html, str):
        _serve_content_once(page, html)


def _serve_content_once(page: Any, html: str) -> None:
    """Make the next `page.content()` return `html`, taken by `settle` in the same evaluation.

    scrapy-playwright reads the rendered page with `page.content()` right after the page methods;
    Playwright runs that in a separate isolated world, which it must first create in every new
    document (about a fifth of a rendered page's time here). The HTML returned by settle's
    evaluation is the same serialization, so the call is answered from it once; the next
    navigation of a pooled page clears it (prepare_page) in case it was never asked for.
    """

    async def content() -> str:
        vars(page).pop("content", None)  # back to Playwright's own method
        return html

    page.content = content
