"""Crawler-trap filters: canonical URLs, calendars, paginations, repeated paths, pattern caps."""

from __future__ import annotations

from datetime import date

import pytest

from crawler.traps import PatternCap, canonical_url, is_calendar, trap_reason, url_shape

TODAY = date(2026, 11, 23)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("HTTP://Example.GOV:80/a?b=2&a=1#top", "http://example.gov/a?a=1&b=2"),
        ("https://x.gov/p?PHPSESSID=abc&id=3", "https://x.gov/p?id=3"),
        ("https://x.gov/p;jsessionid=ABC123?x=1", "https://x.gov/p?x=1"),
        ("https://x.gov/p?utm_source=tw&utm_medium=s&print=1", "https://x.gov/p"),
        ("https://x.gov/p?replytocom=5&version=2", "https://x.gov/p"),
        ("http://127.0.0.1:8001/", "http://127.0.0.1:8001/"),
        ("https://x.gov", "https://x.gov/"),
    ],
)
def test_canonical_url(url: str, expected: str) -> None:
    assert canonical_url(url) == expected


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("https://x.gov/events/2031/01/", "calendar"),
        ("https://x.gov/agenda?month=2031-01", "calendar"),
        ("https://x.gov/agenda?year=1999&month=3", "calendar"),
        ("https://x.gov/cal/2019-04-05", "calendar"),
        ("https://x.gov/events/2026/12/", None),  # near today: allowed (the pattern cap limits it)
        ("https://x.gov/news/2019/03/new-library-opens", None),  # an article, not a calendar
        ("https://x.gov/news?page=3", None),
        ("https://x.gov/news?page=40", "pagination"),
        ("https://x.gov/news/page/99", "pagination"),
        ("https://x.gov/news/page/2", None),
        ("https://x.gov/a/b/a/b/", "repeated_path"),
        ("https://x.gov/x/x/", "repeated_path"),
        ("https://x.gov/a/b/c/a/d/a", "repeated_path"),
        ("https://x.gov/en/services/contact", None),
        ("https://x.gov/" + "seg/" * 14, "repeated_path"),
        ("https://x.gov/" + "/".join(f"s{i}" for i in range(14)), "too_long"),
    ],
)
def test_trap_reason(url: str, reason: str | None) -> None:
    assert trap_reason(url, today=TODAY) == reason


def test_calendar_detection_is_about_dates() -> None:
    assert is_calendar("https://x.gov/events?date=2026-11-01")
    assert is_calendar("https://x.gov/events/2026/11")
    assert not is_calendar("https://x.gov/news/2026/11/road-works")
    assert not is_calendar("https://x.gov/forms?id=2026")


def test_pattern_cap_counts_shapes() -> None:
    cap = PatternCap(cap=3, calendar_cap=2)
    assert url_shape("http://h/news/12?id=4&x=1") == url_shape("http://h/news/99?x=7&id=1")
    allowed = [cap.allow(f"http://h/news/{i}") for i in range(6)]
    assert allowed == [True, True, True, False, False, False]
    months = [cap.allow(f"http://h/events/2026/{m:02d}/") for m in range(1, 6)]
    assert months == [True, True, False, False, False]
    assert cap.allow("http://h/about")
