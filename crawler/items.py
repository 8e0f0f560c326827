"""What the spider hands to the item pipelines: one `PageItem` per page it tried to fetch.

A page that could not be fetched (HTTP error, timeout, robots exclusion, ...) is still an item,
with its status, so that "not reached" never turns into "absent" downstream.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from detectors.model import PageResult

# Page statuses. Only `ok` pages carry a detector result.
PAGE_STATUSES: tuple[str, ...] = (
    "ok",  # fetched, HTML, detectors ran
    "http_error",  # 4xx/5xx answer
    "timeout",  # no answer in time
    "network_error",  # DNS, refused connection, TLS, ...
    "robots_excluded",  # robots.txt forbids it (never requested)
    "not_html",  # a PDF, image, ... (recorded, not analysed)
    "duplicate",  # same content as another page of the same run and portal
    "offsite_redirect",  # redirected out of the portal's own web (not followed)
    "error",  # anything else; `note` says what
)


@dataclass
class PageItem:
    portal_id: str
    url: str  # the URL as requested
    final_url: str  # after redirects
    status: str
    depth: int  # clicks from the seed page
    http_status: int | None = None
    rendered: bool = False
    content_hash: str | None = None  # sha256 of the decoded text, for duplicates
    title: str | None = None
    language: str | None = None
    note: str | None = None  # e.g. "truncated at 5 MB", the error text
    result: PageResult | None = None  # detector output for `ok` pages
    html: str | None = None  # decoded text, stored compressed for audit and resume
    outlinks: list[str] = field(default_factory=list)  # own-web links found (for resume)
    fetched_at: datetime = field(default_factory=lambda: datetime.now(UTC))
