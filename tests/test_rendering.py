"""The render decision on static HTML, and the browser's abort predicate."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from crawler.addon import CHROMIUM_ARGS, browser_proxy, chromium_available
from crawler.rendering import abort_request, needs_rendering

ARTICLE = "<p>" + "The city council publishes its agenda and minutes every week. " * 10 + "</p>"


@pytest.mark.parametrize(
    "html",
    [
        '<html><body><div id="root"></div><script src="/static/js/main.js"></script></body></html>',
        '<html><body><div id="app"></div><script src="/app.js"></script></body></html>',
        '<html ng-app="portal"><body><div ng-view></div></body></html>',
        '<html><body><noscript>You need to enable JavaScript to run this app.</noscript>'
        '<div id="shell"></div></body></html>',
        '<html><body><div id="content">Loading…</div><script>'
        'fetch("/api/services").then(r => r.json()).then(d => { document.getElementById("content")'
        '.innerHTML = d.html; });</script></body></html>',
        '<html><body><h1>Portal</h1><script>' + "var x = 1;" * 200 + "</script></body></html>",
        '<html><body><noscript>Veuillez activer JavaScript</noscript><p>Mairie</p></body></html>',
    ],
)
def test_script_built_pages_need_rendering(html: str) -> None:
    assert needs_rendering(html).render


@pytest.mark.parametrize(
    "html",
    [
        f"<html><body><header>City</header><main>{ARTICLE}</main></body></html>",
        # Plenty of server-rendered content with analytics scripts: no need for a browser.
        f'<html><body><div id="app">{ARTICLE}</div><script src="/analytics.js"></script></body></html>',
        f"<html><body>{ARTICLE}<script>fetch('/api/stats')</script>{ARTICLE}</body></html>",
        f"<html><body>{ARTICLE}<noscript>Please enable JavaScript for the map.</noscript></body></html>",
        "<html><body><p>Short page.</p></body></html>",
        "",
    ],
)
def test_static_pages_are_not_rendered(html: str) -> None:
    assert not needs_rendering(html).render


@dataclass
class FakeRequest:
    resource_type: str
    url: str = "http://own.example/"


def test_abort_predicate_blocks_heavy_resources_only() -> None:
    assert abort_request(FakeRequest("image"))
    assert abort_request(FakeRequest("font"))
    assert abort_request(FakeRequest("media"))
    assert not abort_request(FakeRequest("document"))
    assert not abort_request(FakeRequest("script"))
    assert not abort_request(FakeRequest("xhr"))


def test_browser_proxy_follows_the_environment() -> None:
    assert browser_proxy({}) is None
    proxy = browser_proxy({"http": "http://127.0.0.1:3128"})
    assert proxy is not None and proxy["server"] == "http://127.0.0.1:3128"
    # Chromium skips proxies for loopback unless told; plain requests do not: same behaviour.
    assert proxy["bypass"].endswith("<-loopback>")
    proxy = browser_proxy({"http": "http://p:1", "https": "http://p:2", "no": "intranet.gov, .local"})
    assert proxy is not None and proxy["server"] == "http://p:2"
    assert proxy["bypass"].startswith("intranet.gov,.local,")
    assert browser_proxy({"http": "http://p:1", "no": "*"}) is None


def test_abort_predicate_applies_the_browser_policy() -> None:
    from crawler.rendering import BrowserPolicy, set_browser_policy

    set_browser_policy(BrowserPolicy(lambda url: url.startswith("http://own.example/")))
    try:
        assert not abort_request(FakeRequest("script", "http://own.example/app.js"))
        assert abort_request(FakeRequest("script", "https://cdn.example/lib.js"))
        assert not abort_request(FakeRequest("script", "data:text/javascript,1"))
    finally:
        set_browser_policy(None)
    assert not abort_request(FakeRequest("script", "https://cdn.example/lib.js"))


CHAINED_FETCH_PAGE = """<html><body><div id="content">Loading</div><script>
fetch("/first.json").then(r => r.json()).then(() => fetch("/second.json")).then(r => r.json())
  .then(d => { document.getElementById("content").textContent = d.text; });
</script></body></html>"""


@pytest.mark.skipif(not chromium_available("/usr/bin/chromium"), reason="Chromium is not installed")
def test_settle_waits_for_chained_script_requests() -> None:
    """Content fetched by two requests in a row, each answered slowly, is in the DOM after settle,
    and the HTML settle hands to scrapy-playwright is exactly Playwright's page.content()."""
    import asyncio

    from playwright.async_api import async_playwright

    from crawler.rendering import prepare_page, settle

    async def slow_json(route) -> None:
        await asyncio.sleep(0.3)
        await route.fulfill(status=200, content_type="application/json", body='{"text": "Online services"}')

    async def render() -> str:
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path="/usr/bin/chromium", args=list(CHROMIUM_ARGS))
            try:
                page = await browser.new_page()
                await page.route("http://portal.test/", lambda route: route.fulfill(
                    status=200, content_type="text/html", body=CHAINED_FETCH_PAGE))
                await page.route("http://portal.test/*.json", slow_json)
                await prepare_page(page, None)
                await page.goto("http://portal.test/")
                await settle(page)
                served = await page.content()  # the HTML taken by settle's own evaluation
                assert served == await page.content()  # Playwright's serialization, asked again
                return await page.inner_text("#content")
            finally:
                await browser.close()

    assert asyncio.run(render()) == "Online services"


def _launched_switches(args: list[str]) -> dict[str, str]:
    """Start Chromium through Playwright with `args` and read the browser process's command line
    (the last occurrence of a switch is the one Chromium uses)."""
    import asyncio
    import os
    import uuid

    from playwright.async_api import async_playwright

    marker = f"--pe-test-marker={uuid.uuid4().hex}"  # unknown switches are ignored by Chromium

    def command_line() -> list[str]:
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as file:
                    argv = file.read().decode().split("\0")
            except OSError:
                continue
            if marker in argv and not any(arg.startswith("--type=") for arg in argv):
                return argv
        raise AssertionError("browser process not found")

    async def launch() -> list[str]:
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path="/usr/bin/chromium", args=[*args, marker])
            try:
                return command_line()
            finally:
                await browser.close()

    return dict(arg[2:].partition("=")[::2] for arg in asyncio.run(launch()) if arg.startswith("--"))


def _crawl_launch_args() -> list[str]:
    from crawler.addon import rendering_settings
    from crawler.config import CrawlConfig

    return rendering_settings(CrawlConfig(), 3, None)["PLAYWRIGHT_LAUNCH_OPTIONS"]["args"]


@pytest.mark.skipif(not chromium_available("/usr/bin/chromium"), reason="Chromium is not installed")
def test_speed_flags_extend_playwrights_own_switch_lists() -> None:
    """Chromium keeps only the last --disable-features / --blink-settings: ours must still carry
    every value Playwright passes (else e.g. its interception fixes silently go away)."""
    default = _launched_switches([])
    ours = _launched_switches(_crawl_launch_args())
    for switch in ("disable-features", "blink-settings"):
        assert set(default[switch].split(",")) <= set(ours[switch].split(",")), switch
    assert "RenderDocument" in ours["disable-features"].split(",")
    assert "imagesEnabled=false" in ours["blink-settings"].split(",")


IMAGES_AND_FETCH_PAGE = """<html><head><style>body { background: url(/bg.png); }</style></head>
<body><img src="/logo.png"><picture><source srcset="/logo.webp"><img src="/logo.jpg"></picture>
<div id="content">Loading</div><script>
fetch("/data.json").then(r => r.json()).then(d => { document.getElementById("content").textContent = d.text; });
</script></body></html>"""


@pytest.mark.skipif(not chromium_available("/usr/bin/chromium"), reason="Chromium is not installed")
def test_crawl_browser_requests_no_images_and_still_runs_scripts() -> None:
    """With the crawl's launch flags a rendered page asks for no image at all (not even one for
    the abort predicate to refuse), while its scripts still fetch and build the content."""
    import asyncio

    from playwright.async_api import async_playwright

    from crawler.rendering import prepare_page, settle

    async def render() -> tuple[str, list[str]]:
        requested: list[str] = []
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path="/usr/bin/chromium", args=_crawl_launch_args())
            try:
                page = await browser.new_page()
                page.on("request", lambda request: requested.append(request.url))
                await page.route("http://portal.test/", lambda route: route.fulfill(
                    status=200, content_type="text/html", body=IMAGES_AND_FETCH_PAGE))
                await page.route("http://portal.test/data.json", lambda route: route.fulfill(
                    status=200, content_type="application/json", body='{"text": "Online services"}'))
                await page.route("**/*.{png,jpg,webp}", lambda route: route.fulfill(status=404))
                await prepare_page(page, None)
                await page.goto("http://portal.test/")
                await settle(page)
                return await page.inner_text("#content"), requested
            finally:
                await browser.close()

    text, requested = asyncio.run(render())
    assert text == "Online services"
    assert requested == ["http://portal.test/", "http://portal.test/data.json"]
