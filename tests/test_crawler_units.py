"""Crawler components without a crawl: the settings parser, the frontier, the own-web guard."""

from __future__ import annotations

import os
from datetime import date

import pytest
from scrapy import Request
from scrapy.settings import Settings
from scrapy.utils.test import get_crawler

from crawler.config import ConfigError, CrawlConfig
from crawler.frontier import Frontier
from crawler.middlewares import OffsiteRedirect, OwnWebGuardMiddleware
from seeds.ownweb import OwnWeb


def test_config_defaults_and_parsing() -> None:
    assert CrawlConfig.from_settings({}) == CrawlConfig()
    config = CrawlConfig.from_settings(
        Settings({"PORTAL_EVIDENCE_MAX_PAGES": "12", "PORTAL_EVIDENCE_RENDER": "Never",
                  "PORTAL_EVIDENCE_RESUME": "yes", "PORTAL_EVIDENCE_USE_SITEMAPS": "0"})
    )
    assert (config.max_pages, config.render, config.resume, config.use_sitemaps) == (12, "never", True, False)


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("RENDER", "sometimes", "PORTAL_EVIDENCE_RENDER must be one of auto, never, always"),
        ("MAX_PAGES", "lots", "PORTAL_EVIDENCE_MAX_PAGES must be an integer"),
        ("MAX_PAGES", "0", "PORTAL_EVIDENCE_MAX_PAGES must be at least 1"),
        ("RESUME", "maybe", "PORTAL_EVIDENCE_RESUME must be true or false"),
    ],
)
def test_config_refuses_bad_values(name: str, value: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        CrawlConfig.from_settings({f"PORTAL_EVIDENCE_{name}": value})


def test_project_settings_are_polite() -> None:
    if os.environ.get("PORTAL_EVIDENCE_PROFILE") == "fast":
        pytest.skip("the fast test profile is active in this environment")
    settings = Settings()
    settings.setmodule("crawler.settings")
    assert settings.getbool("ROBOTSTXT_OBEY")
    assert settings["ROBOTSTXT_PARSER"].endswith("ProtegoRobotParser")
    assert settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN") == 2
    assert settings.getfloat("DOWNLOAD_DELAY") >= 0.5 and settings.getbool("AUTOTHROTTLE_ENABLED")
    assert settings["USER_AGENT"].startswith("portal-evidence/") and "+http" in settings["USER_AGENT"]
    assert list(settings.getdict("ITEM_PIPELINES")) == [
        "pipelines.validate.ValidatePagePipeline",
        "pipelines.dedupe.DuplicateContentPipeline",
        "pipelines.store.StorePipeline",
    ]


def frontier(**kwargs) -> Frontier:
    options = {"budget": 10, "depth_limit": 3, "window": 2, "today": date(2026, 11, 23)}
    options.update(kwargs)
    return Frontier("p", **options)


def test_frontier_is_best_first_within_budget_and_window() -> None:
    f = frontier(budget=3)
    f.add("http://h/", 0, source="seed")
    assert f.pop().url == "http://h/"
    f.add("http://h/news", 1, score=0)
    f.add("http://h/accessibility", 1, score=3)
    f.add("http://h/contact", 1, score=2)
    assert f.pop().url == "http://h/accessibility"
    assert f.pop() is None  # window of 2 in flight is full
    f.finish("http://h/")
    assert f.pop().url == "http://h/contact"
    f.finish("http://h/accessibility")
    assert f.pop() is None  # budget of 3 spent
    assert f.exhausted is False and f.used == 3


def test_frontier_refuses_known_deep_and_trap_urls() -> None:
    f = frontier()
    assert f.add("http://h/a?utm_source=x", 1)
    assert not f.add("http://h/a", 1)  # same canonical URL
    assert not f.add("http://h/deep", 4)
    assert not f.add("http://h/events?month=2031-05", 1)
    assert not f.add("http://h/x/y/x/y/", 1)
    assert f.refused == {"depth": 1, "calendar": 1, "repeated_path": 1}


def test_frontier_keeps_the_shallowest_route() -> None:
    f = frontier()
    f.add("http://h/page", 3, source="sitemap")
    f.add("http://h/page", 1)
    entry = f.pop()
    assert (entry.url, entry.depth, entry.source) == ("http://h/page", 1, "link")
    assert f.pop() is None


def test_resumed_urls_count_against_budget_and_are_not_queued_again() -> None:
    f = frontier(budget=2)
    f.mark_done("http://h/")
    assert not f.add("http://h/", 0, source="seed")
    f.add("http://h/b", 1)
    f.add("http://h/c", 1)
    assert f.pop().url == "http://h/b"
    assert f.pop() is None


class _Spider:
    def __init__(self) -> None:
        self.own_webs = {"p": OwnWeb.for_url("http://127.0.0.1:8001/")}


def test_own_web_guard_stops_requests_leaving_the_portal() -> None:
    crawler = get_crawler(settings_dict={})
    crawler.spider = _Spider()
    guard = OwnWebGuardMiddleware.from_crawler(crawler)
    assert guard.process_request(Request("http://127.0.0.1:8001/x", meta={"pe_portal": "p"})) is None
    with pytest.raises(OffsiteRedirect) as raised:
        guard.process_request(Request("http://127.0.0.1:8002/data", meta={"pe_portal": "p"}))
    assert raised.value.url == "http://127.0.0.1:8002/data"
    # Requests that are not a portal's (robots.txt of Scrapy's middleware) pass.
    assert guard.process_request(Request("http://elsewhere.example/robots.txt")) is None


@pytest.mark.parametrize(("status", "allowed"), [(200, True), (404, True), (503, False), (500, False)])
def test_robots_server_error_means_disallow_all(status: int, allowed: bool) -> None:
    import asyncio

    from scrapy.http import TextResponse
    from twisted.internet.defer import Deferred

    from crawler.middlewares import Rfc9309RobotsTxtMiddleware

    crawler = get_crawler(settings_dict={"ROBOTSTXT_OBEY": True,
                                         "ROBOTSTXT_PARSER": "scrapy.robotstxt.ProtegoRobotParser"})
    middleware = Rfc9309RobotsTxtMiddleware.from_crawler(crawler)
    middleware._parsers["h"] = Deferred()
    body = b"User-agent: *\nDisallow: /private/\n" if status == 200 else b"<html>error</html>"
    response = TextResponse("http://h/robots.txt", status=status, body=body)
    asyncio.run(middleware._parse_robots(response, "h", Request("http://h/page")))
    assert middleware._parsers["h"].allowed("http://h/page", "portal-evidence") is allowed
