"""The crawler's own settings (all prefixed `PORTAL_EVIDENCE_`), parsed once into a frozen value.

Scrapy settings are a loose mapping of strings; the spider, the middlewares and the CLI read
our options through `CrawlConfig.from_settings` so that every default, type and allowed value
is written down here, in one place, and a bad value is refused with a clear message.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

RENDER_MODES: tuple[str, ...] = ("auto", "never", "always")


class ConfigError(ValueError):
    """A PORTAL_EVIDENCE_* setting has a value we cannot use."""


@dataclass(frozen=True)
class CrawlConfig:
    max_pages: int = 200  # page budget per portal (every URL tried counts)
    depth_limit: int = 5  # clicks from the seed page
    render: str = "auto"  # auto | never | always
    pattern_cap: int = 40  # URLs per URL shape (digits replaced) and portal
    calendar_cap: int = 3  # calendar-like URLs per shape and portal
    pagination_cap: int = 5  # highest page number followed in a paginated list
    max_page_bytes: int = 5 * 1024 * 1024  # bodies beyond this are analysed truncated, with a note
    context_pages: int = 200  # rendered pages per browser context before it is recycled
    use_sitemaps: bool = True
    sitemap_max_urls: int = 2000  # URLs taken from one portal's sitemaps
    chromium: str = "/usr/bin/chromium"
    resume: bool = False
    progress: bool = False  # rich progress display (the CLI switches it on for a terminal)

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any] | Any) -> CrawlConfig:
        """Read our options from Scrapy `Settings` (or any mapping); unknown values are refused."""

        def get(name: str, default: Any) -> Any:
            value = settings.get(f"PORTAL_EVIDENCE_{name}")
            return default if value is None or value == "" else value

        defaults = cls()
        config = cls(
            max_pages=_int(get("MAX_PAGES", defaults.max_pages), "MAX_PAGES", minimum=1),
            depth_limit=_int(get("DEPTH_LIMIT", defaults.depth_limit), "DEPTH_LIMIT", minimum=0),
            render=str(get("RENDER", defaults.render)).strip().lower(),
            pattern_cap=_int(get("PATTERN_CAP", defaults.pattern_cap), "PATTERN_CAP", minimum=1),
            calendar_cap=_int(get("CALENDAR_CAP", defaults.calendar_cap), "CALENDAR_CAP", minimum=0),
            pagination_cap=_int(get("PAGINATION_CAP", defaults.pagination_cap), "PAGINATION_CAP", minimum=1),
            max_page_bytes=_int(get("MAX_PAGE_BYTES", defaults.max_page_bytes), "MAX_PAGE_BYTES", minimum=1024),
            context_pages=_int(get("CONTEXT_PAGES", defaults.context_pages), "CONTEXT_PAGES", minimum=1),
            use_sitemaps=_bool(get("USE_SITEMAPS", defaults.use_sitemaps), "USE_SITEMAPS"),
            sitemap_max_urls=_int(get("SITEMAP_MAX_URLS", defaults.sitemap_max_urls), "SITEMAP_MAX_URLS", minimum=0),
            chromium=str(get("CHROMIUM", defaults.chromium)),
            resume=_bool(get("RESUME", defaults.resume), "RESUME"),
            progress=_bool(get("PROGRESS", defaults.progress), "PROGRESS"),
        )
        if config.render not in RENDER_MODES:
            raise ConfigError(
                f"PORTAL_EVIDENCE_RENDER must be one of {', '.join(RENDER_MODES)}, not {config.render!r}"
            )
        return config


def _int(value: Any, name: str, minimum: int) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ConfigError(f"PORTAL_EVIDENCE_{name} must be an integer, not {value!r}") from None
    if number < minimum:
        raise ConfigError(f"PORTAL_EVIDENCE_{name} must be at least {minimum}, not {number}")
    return number


def _bool(value: Any, name: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"PORTAL_EVIDENCE_{name} must be true or false, not {value!r}")
