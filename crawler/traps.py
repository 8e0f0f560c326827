"""Crawler-trap filters: pure functions and one small counter, no Scrapy.

A government portal can generate endless URLs: event calendars that page month after month,
paginations, session ids and print/version variants of every page, relative links that pile up
path segments. `canonical_url` folds the harmless variants into one URL; `trap_reason` names the
kind of trap a URL belongs to (or None); `PatternCap` caps URLs of one shape (digits replaced).
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import date
from functools import lru_cache
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

# Query parameters that only carry a session, tracking or presentation variant of the same page.
DROP_PARAMS: frozenset[str] = frozenset(
    {
        "sessionid", "session_id", "sid", "jsessionid", "phpsessid", "aspsessionid", "cfid", "cftoken",
        "print", "printable", "printview", "format_print", "version", "ver", "v", "replytocom", "share",
        "fbclid", "gclid", "msclkid", "mc_cid", "mc_eid", "_ga", "ref", "source", "output",
    }
)
DROP_PREFIXES: tuple[str, ...] = ("utm_", "pk_", "mtm_")

_DEFAULT_PORTS = {"http": 80, "https": 443}
_PATH_PARAM = re.compile(r";(jsessionid|sid|phpsessid)=[^/?#]*", re.IGNORECASE)

# Calendar: query keys that take a date, and date-looking values.
_CAL_KEYS = frozenset(
    {"month", "year", "date", "day", "week", "cal", "calendar", "from", "to", "start_date", "end_date",
     "d", "m", "y", "ym", "tx_cal", "mois", "annee", "monat", "jahr", "mes", "ano", "fecha", "datum"}
)
_YEAR = re.compile(r"^(19[7-9]\d|20\d\d|21\d\d)$")
_DATE_VALUE = re.compile(r"^(19[7-9]\d|20\d\d|21\d\d)(?:[-/._]?(\d{1,2}))?(?:[-/._]?(\d{1,2}))?$")
_PAGE_KEYS = frozenset({"page", "p", "pg", "paged", "pagina", "seite", "start", "offset", "pageno", "page_num"})
_PAGE_SEGMENT = re.compile(r"^(page|seite|pagina|pagina|p)$", re.IGNORECASE)
_DIGITS = re.compile(r"\d+")


# Links repeat on every page of a portal (navigation, footers) and each is canonicalised more than
# once (outlinks, frontier): the pure result is cached.
@lru_cache(maxsize=16384)
def canonical_url(url: str) -> str:
    """The URL with fragment, default port, session/tracking/print parameters removed, query sorted.

    Two URLs with the same canonical form are the same page for the crawl.
    """
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower().rstrip(".")
    port = parts.port
    netloc = host if port is None or _DEFAULT_PORTS.get(scheme) == port else f"{host}:{port}"
    if parts.username:
        netloc = f"{parts.username}@{netloc}"
    path = _PATH_PARAM.sub("", parts.path) or "/"
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if k.lower() not in DROP_PARAMS and not k.lower().startswith(DROP_PREFIXES)
    ]
    query.sort()
    return urlunsplit((scheme, netloc, path, urlencode(query, doseq=True), ""))


def url_shape(url: str) -> str:
    """Host, path and query keys with every digit run replaced: the "pattern" a URL belongs to."""
    parts = urlsplit(url)
    keys = sorted({k for k, _ in parse_qsl(parts.query, keep_blank_values=True)})
    return f"{parts.netloc}{_DIGITS.sub('0', parts.path)}?{'&'.join(keys)}"


def is_calendar(url: str) -> bool:
    """True for calendar-like listings: date query parameters or a path ending in a date."""
    parts = urlsplit(url)
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        if key.lower() in _CAL_KEYS and _DATE_VALUE.match(value.strip()):
            return True
    segments = [s for s in parts.path.split("/") if s]
    # /events/2031/01/ or /agenda/2031-01-05: a date at the end of the path, no slug after it.
    tail = segments[-3:]
    for i, segment in enumerate(tail):
        if _YEAR.match(segment) or (_DATE_VALUE.match(segment) and "-" in segment):
            rest = tail[i + 1 :]
            if all(s.isdigit() and len(s) <= 2 for s in rest):
                return True
    return False


def _years(url: str) -> list[int]:
    parts = urlsplit(url)
    values = [v for k, v in parse_qsl(parts.query) if k.lower() in _CAL_KEYS]
    values += [s for s in parts.path.split("/") if s]
    years = []
    for value in values:
        match = _DATE_VALUE.match(value.strip())
        if match:
            years.append(int(match.group(1)))
    return years


def trap_reason(url: str, today: date | None = None, pagination_cap: int = 5) -> str | None:
    """Why `url` is a trap ("calendar", "pagination", "repeated_path", "too_long"), or None."""
    today = today or date.today()
    if len(url) > 400:
        return "too_long"
    parts = urlsplit(url)
    segments = [s for s in parts.path.split("/") if s]
    if _repeats(segments):
        return "repeated_path"
    if len(segments) > 12:
        return "too_long"
    if is_calendar(url) and any(abs(year - today.year) > 1 for year in _years(url)):
        return "calendar"
    for key, value in parse_qsl(parts.query):
        if key.lower() in _PAGE_KEYS and value.isdigit():
            limit = pagination_cap * (50 if key.lower() in ("start", "offset") else 1)
            if int(value) > limit:
                return "pagination"
    for i, segment in enumerate(segments[:-1]):
        nxt = segments[i + 1]
        if _PAGE_SEGMENT.match(segment) and nxt.isdigit() and int(nxt) > pagination_cap:
            return "pagination"
    return None


def _repeats(segments: list[str]) -> bool:
    """A segment three times, or a run of segments repeated back to back (/a/b/a/b)."""
    counts = Counter(segments)
    if counts and max(counts.values()) >= 3:
        return True
    n = len(segments)
    for size in range(1, n // 2 + 1):
        for start in range(n - 2 * size + 1):
            if segments[start : start + size] == segments[start + size : start + 2 * size]:
                return True
    return False


class PatternCap:
    """Counts URLs per shape; `allow` says no once a shape reached its cap (calendars get a smaller one)."""

    def __init__(self, cap: int, calendar_cap: int) -> None:
        self.cap = cap
        self.calendar_cap = calendar_cap
        self.counts: Counter[str] = Counter()

    def allow(self, url: str) -> bool:
        shape = url_shape(url)
        cap = self.calendar_cap if is_calendar(url) else self.cap
        if self.counts[shape] >= cap:
            return False
        self.counts[shape] += 1
        return True
