"""Links, `<base href>`, canonical link and title of a decoded HTML page (pure, lxml only).

Relative links are resolved against `<base href>` when the page has one (as browsers and
Scrapy's `response.urljoin` do), otherwise against the page URL. Only http(s) links are kept,
without fragments.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urldefrag, urljoin

import lxml.html
from lxml import etree

_SPACE = re.compile(r"\s+")
# Decoded text is re-encoded as UTF-8 for lxml, so tell the parser (it would guess latin-1).
_PARSER = lxml.html.HTMLParser(encoding="utf-8")


@dataclass(frozen=True)
class Link:
    url: str
    text: str
    title: str


@dataclass(frozen=True)
class PageLinks:
    base_url: str
    links: tuple[Link, ...]
    canonical: str | None
    title: str | None


def extract_links(html: str, url: str) -> PageLinks:
    try:
        root = lxml.html.document_fromstring(html.encode("utf-8", "replace"), parser=_PARSER)
    except (etree.ParserError, ValueError):
        return PageLinks(url, (), None, None)
    base_url = url
    for base in root.xpath("//base[@href]"):
        href = (base.get("href") or "").strip()
        if href:
            base_url = urljoin(url, href)
        break
    links: list[Link] = []
    seen: set[str] = set()
    for element in root.xpath("//a[@href] | //area[@href]"):
        target = _resolve(base_url, element.get("href"))
        if target is None or target in seen:
            continue
        seen.add(target)
        text = _SPACE.sub(" ", element.text_content() or "").strip()
        if not text:
            text = " ".join(img.get("alt") or "" for img in element.xpath(".//img[@alt]")).strip()
        links.append(Link(target, text[:200], (element.get("title") or element.get("aria-label") or "")[:200]))
    canonical = None
    for link in root.xpath("//link[@href]"):
        if "canonical" in (link.get("rel") or "").lower().split():
            canonical = _resolve(base_url, link.get("href"))
            break
    title_el = root.find(".//title")
    title = _SPACE.sub(" ", title_el.text_content()).strip()[:300] if title_el is not None else None
    return PageLinks(base_url, tuple(links), canonical, title or None)


def _resolve(base_url: str, href: str | None) -> str | None:
    href = (href or "").strip()
    if not href or href.startswith("#"):
        return None
    scheme, sep, rest = base_url.partition("://")
    if sep and href.startswith("/") and not href.startswith("//"):
        # A root-relative link resolves the same against every page of a host: navigation links
        # repeat on every page, so they are resolved once per host (urljoin is the costly part).
        return _resolve_absolute(f"{scheme}://{rest.split('/', 1)[0]}", href)
    return _resolve_absolute(base_url, href)


@lru_cache(maxsize=16384)
def _resolve_absolute(base_url: str, href: str) -> str | None:
    try:
        absolute = urldefrag(urljoin(base_url, href))[0]
    except ValueError:
        return None
    if not absolute.lower().startswith(("http://", "https://")):
        return None  # mailto:, tel:, javascript:, data:, ...
    return absolute
