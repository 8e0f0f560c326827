"""Parse a page once into the structures rules look at: links, forms, fields, meta, assets, text by region.

One iterative walk over the lxml tree (no recursion, so 10,000-deep nesting cannot overflow the
stack) records for every element of interest the page *region* it sits in: `header`, `nav`,
`footer`, `aside`, `cookie` (consent banners) or `main`. Regions let rules tell site chrome
(the organisation's own footer links) from article content (another body's phone number).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import urljoin, urlsplit

from lxml import etree

from detectors.folding import fold, fold_cached, fold_collapsed

REGIONS: tuple[str, ...] = ("main", "header", "nav", "footer", "aside", "cookie")
CHROME_REGIONS = frozenset({"header", "nav", "footer"})

_SKIP_TEXT_TAGS = frozenset({"script", "style", "noscript", "template", "svg", "head", "title", "select"})
_REGION_TAGS = {"header": "header", "nav": "nav", "footer": "footer", "aside": "aside"}
_REGION_ROLES = {
    "banner": "header",
    "navigation": "nav",
    "contentinfo": "footer",
    "complementary": "aside",
    "main": "main",
    "dialog": None,
}
# Class/id tokens that mark chrome in sites that do not use HTML5 landmarks.
_TOKEN_REGIONS = {
    "header": "header", "masthead": "header", "topbar": "header", "kopf": "header", "kopfbereich": "header",
    "cabecera": "header", "encabezado": "header", "cabecalho": "header", "intestazione": "header",
    "naglowek": "header",
    "footer": "footer", "fusszeile": "footer", "fussbereich": "footer", "pied": "footer", "piedpage": "footer",
    "pied-de-page": "footer", "colophon": "footer", "piedepagina": "footer", "pie-de-pagina": "footer",
    "pie-pagina": "footer", "piepagina": "footer", "rodape": "footer", "voettekst": "footer", "stopka": "footer",
    "nav": "nav", "navbar": "nav", "navigation": "nav", "menu": "nav", "mainmenu": "nav",
    "breadcrumb": "nav", "breadcrumbs": "nav", "megamenu": "nav",
    "sidebar": "aside", "aside": "aside",
    "cookie": "cookie", "cookies": "cookie", "consent": "cookie", "cookiebanner": "cookie",
    "tarteaucitron": "cookie", "cookieconsent": "cookie", "gdpr": "cookie", "cmpbox": "cookie", "didomi": "cookie",
    "cookiebot": "cookie",
    # Not "cmp": Bootstrap Italia and Adobe's core components prefix every component with it
    # (cmp-rating, cmp-contacts, cmp-search-input), which would hide page content as a banner.
}
_CONTAINER_TAGS = frozenset({"div", "section", "ul", "ol", "table", "td", "span", "p", "dl", "form"})
_INTERESTING = frozenset({"a", "area", "input", "textarea", "select", "button", "meta", "script", "iframe", "embed",
                          "object", "link"})
_FIELD_TAGS = frozenset({"input", "textarea", "select", "button"})
_HEADING_TAGS = frozenset({"h1", "h2", "h3", "h4", "legend"})
_SPECIAL_TAGS = _INTERESTING | _HEADING_TAGS | {"form"}  # elements read for more than their text
# Caps that bound the work on pathological pages (a 20 MB table of links): rules never need more.
_MAX_LINKS = 10_000
_MAX_ASSETS = 5_000
# A form with more text than this holds page content, not one purpose (see Form.page_wide).
_PAGE_WIDE_FORM_TEXT = 6_000
# Characters of text (before whitespace is collapsed) kept per region, about 10,000 words. A
# statement, a contact block or a feedback widget lies well within it; a region longer than that
# is a list of records or comments (the shared corpus's two longest pages list hundreds of
# ideas sent in by the public), and indexing its every sentence costs time without adding
# evidence. Lowered from 400,000: one evidence item below the threshold, in a comment deep in
# one of those lists, was lost, and a pass over the shared corpus needs 10% fewer instructions.
_MAX_TEXT = 100_000


@dataclass(slots=True)
class Link:
    href: str  # absolute URL ("" when missing)
    raw_href: str
    text: str  # visible text + img alt + title/aria-label, whitespace-collapsed
    folded: str
    region: str
    element: etree._Element
    rel: str = ""
    logo: bool = False  # the link is an image or is marked as the site's logo/brand


@dataclass(slots=True)
class Field:
    tag: str  # input, textarea, select, button
    type: str
    descriptor: str  # folded name/id/placeholder/aria-label/label/value/autocomplete, space-joined
    region: str
    element: etree._Element


@dataclass(slots=True)
class Form:
    action: str  # absolute URL
    method: str
    role: str
    region: str
    fields: list[Field]
    text: str  # visible text of the form incl. legend, labels, buttons
    folded: str
    element: etree._Element
    heading: str = ""  # nearest preceding heading, folded
    # The form wraps the page rather than one purpose (ASP.NET WebForms puts everything in one
    # <form>): its text is the page's text, so words in it say nothing about the form.
    page_wide: bool = False


@dataclass(slots=True)
class Asset:
    tag: str
    url: str
    region: str
    element: etree._Element


@dataclass(slots=True)
class Heading:
    level: int
    text: str
    folded: str
    region: str
    element: etree._Element


@dataclass
class Document:
    url: str
    root: etree._Element | None
    title: str = ""
    lang_declared: str | None = None
    links: list[Link] = field(default_factory=list)
    forms: list[Form] = field(default_factory=list)
    loose_fields: list[Field] = field(default_factory=list)  # inputs outside any form (JS widgets)
    headings: list[Heading] = field(default_factory=list)
    meta: list[tuple[str, str]] = field(default_factory=list)  # (folded name/property, raw content)
    assets: list[Asset] = field(default_factory=list)
    jsonld_types: list[str] = field(default_factory=list)
    itemtypes: list[str] = field(default_factory=list)
    text_by_region: dict[str, str] = field(default_factory=dict)  # raw visible text per region
    base_url: str = ""
    # The bytes given to the parser, ASCII-lower-cased: tag and attribute names are
    # case-insensitive, so `b"<address" in doc.markup` tells cheaply that no rule looking for an
    # <address> element can match (see `detectors.literals.selector_literals`).
    markup: bytes = field(default=b"", repr=False)

    def text(self, regions: frozenset[str] | None = None) -> str:
        if regions is None:
            return " ".join(self.text_by_region.values())
        return " ".join(t for r, t in self.text_by_region.items() if r in regions)


def text_content(el: etree._Element) -> str:
    """All text below an element (what lxml.html's text_content() gives), for plain etree elements.

    Serialised by libxml2 in one call: the same string as `"".join(el.itertext())`, about three
    times faster (itertext yields every text node to Python)."""
    return etree.tostring(el, method="text", encoding="unicode", with_tail=False)


def _clean(text: str) -> str:
    return " ".join(text.split())


# Component frameworks name the parts of a content block "header" and "footer" too (Bootstrap's
# card-header and modal-footer, WordPress's entry-header): those stay in the region around them.
_COMPONENT_PREFIXES = ("card", "modal", "panel", "entry", "post", "article", "widget", "accordion", "dialog",
                       "teaser", "tile", "media", "table", "popup", "offcanvas", "toast")
_TOKEN_RE = re.compile(
    r"(?<![a-z0-9])" + "".join(f"(?<!{prefix}-)" for prefix in _COMPONENT_PREFIXES)
    + r"(" + "|".join(sorted(_TOKEN_REGIONS, key=len, reverse=True)) + r")(?![a-z0-9])"
)
# The values of every itemtype attribute, in document order.
_ITEMTYPES = etree.XPath("//@itemtype", smart_strings=False)
# Tags that may open a region; any other element without a role inherits its parent's region.
_REGION_OPENERS = frozenset(_REGION_TAGS) | {"main"}
_MAIN_OR_ASIDE = frozenset({"main", "aside"})


_UNSEEN = object()  # not yet in a page's cache of id/class regions


def _region_of(el: etree._Element, tag: str, inherited: str) -> str:
    """The region an element with a `role` or a region tag opens, or the inherited one.

    (Plain containers are decided inline in `_collect`, the hot path.)"""
    role = (el.get("role") or "").strip().lower()
    if _REGION_ROLES.get(role):
        return _REGION_ROLES[role]  # type: ignore[return-value]
    if tag == "main":
        return "main"
    if tag in _REGION_TAGS:
        # A <header> inside an <article> is the article's header, not the site banner.
        if tag == "header" and inherited == "main" and _inside_article(el):
            return inherited
        if inherited in ("footer", "cookie"):
            return inherited
        return _REGION_TAGS[tag]
    if tag in _CONTAINER_TAGS and inherited in ("main", "aside"):
        element_id, element_class = el.get("id"), el.get("class")
        if element_id or element_class:
            return _region_of_marks(f"{element_id or ''} {element_class or ''}") or inherited
    return inherited


@lru_cache(maxsize=4096)
def _region_of_marks(marks: str) -> str | None:
    """The region that an id/class string names ("site-footer" -> footer), if any. Cached: the
    same few class strings repeat on every element of a page and across a site's pages."""
    found = _TOKEN_RE.search(marks.lower().replace("_", "-"))
    return _TOKEN_REGIONS[found.group(1)] if found else None


def _inside_article(el: etree._Element) -> bool:
    parent = el.getparent()
    depth = 0
    while parent is not None and depth < 30:
        if parent.tag in ("article", "main"):
            return True
        parent = parent.getparent()
        depth += 1
    return False


def _field_descriptor(el: etree._Element, labels: dict[str, str]) -> str:
    parts = [
        el.get("name"), el.get("id"), el.get("placeholder"), el.get("aria-label"), el.get("title"),
        el.get("autocomplete"), el.get("class"),
    ]
    if el.tag == "button" or (el.get("type") or "").lower() in ("submit", "button"):
        parts.append(el.get("value"))
        parts.append(text_content(el))
    el_id = el.get("id")
    if el_id and el_id in labels:
        parts.append(labels[el_id])
    return fold(" ".join(p for p in parts if p))


def parse(html: str, url: str) -> Document:
    """Parse decoded HTML into a Document. Never raises on malformed markup."""
    doc = Document(url=url, root=None, base_url=url)
    if not html or not html.strip():
        return doc
    # Plain etree elements (not lxml.html's classes): the per-element class lookup of
    # lxml.html doubles the cost of walking the tree.
    # collect_ids=False: libxml2 would otherwise hash every id attribute for getElementById,
    # which nothing here uses (CSS `#x` becomes an XPath attribute test); parsing is ~10% faster.
    parser = etree.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True, huge_tree=True,
                              collect_ids=False)
    data = html.encode("utf-8", "replace")
    try:
        root = etree.fromstring(data, parser=parser)
    except (etree.ParserError, ValueError):
        return doc
    if root is None:
        return doc
    doc.root = root
    doc.markup = data.lower()
    _collect(doc, root)
    return doc


def _collect(doc: Document, root: etree._Element) -> None:
    base = doc.url
    base_el = root.find(".//base[@href]")
    if base_el is not None:
        base = urljoin(doc.url, base_el.get("href", "").strip())
    doc.base_url = base
    resolve = UrlResolver(base)
    doc.lang_declared = root.get("lang") or root.get("{http://www.w3.org/XML/1998/namespace}lang")

    labels: dict[str, str] = {}
    for label in root.iter("label"):
        target = label.get("for")
        if target:
            labels[target] = _clean(text_content(label))

    texts: dict[str, list[str]] = {r: [] for r in REGIONS}
    # One pass in document order. An element's text belongs to its own region and is read when
    # the element is reached; its tail (the text after it) belongs to its parent's region and
    # is read when the element closes, after the text of its descendants, so a region's text
    # keeps the reading order ("<a><b>Pay</b></a> online" reads "Pay online"). The two stacks
    # hold, for every open element, the element and its region ("" marks text that is not
    # shown: script, style, ...); the bottom entries stand for the document itself, so they are
    # never empty. An element closes when the next element reached is not its child.
    open_elements: list[etree._Element | None] = [None]
    open_regions: list[str] = ["main"]
    add_text = {region: chunks.append for region, chunks in texts.items()}
    forms_by_element: dict[etree._Element, Form] = {}
    last_heading = ""
    interesting = _INTERESTING
    skip_tags = _SKIP_TEXT_TAGS
    special = _SPECIAL_TAGS
    marks_regions: dict[str, str | None] = {}  # id/class strings seen on this page -> region

    openers, containers = _REGION_OPENERS, _CONTAINER_TAGS
    # The body of this loop runs for every element of the page: it is the hot path of the
    # detectors, so the common cases are inlined (no call for an element that inherits its
    # parent's region, none to append text). root.iter(etree.Element) leaves out entities and
    # the like in C, and yields each element once (an iterwalk would yield it twice).
    for el in root.iter(etree.Element):
        parent = el.getparent()
        while open_elements[-1] is not parent:  # close the elements that ended before this one
            closed = open_elements.pop()
            open_regions.pop()
            inherited = open_regions[-1]
            if inherited:
                chunk = closed.tail
                if chunk:
                    add_text[inherited](chunk)
        tag = el.tag
        inherited = open_regions[-1]
        if inherited == "" or tag in skip_tags:
            region = ""
        elif el.get("role") is not None or tag in openers:
            region = _region_of(el, tag, inherited)
        elif tag in containers and inherited in _MAIN_OR_ASIDE:
            # A <div class="site-footer"> inside main content: the class names the region.
            element_id, element_class = el.get("id"), el.get("class")
            if element_id or element_class:
                marks = f"{element_id or ''} {element_class or ''}"
                found = marks_regions.get(marks, _UNSEEN)
                if found is _UNSEEN:  # a page-local dict: cheaper than the call to the lru cache
                    found = marks_regions[marks] = _region_of_marks(marks)
                region = found or inherited
            else:
                region = inherited
        else:
            region = inherited
        open_elements.append(el)
        open_regions.append(region)
        if region:
            chunk = el.text
            if chunk:
                add_text[region](chunk)
        if tag not in special or (not region and tag not in interesting):
            continue  # most elements: their text is all that is read
        if tag == "form":
            form = Form(
                action=resolve(el.get("action") or ""), method=(el.get("method") or "get").lower(),
                role=(el.get("role") or "").lower(), region=region, fields=[], text="", folded="",
                element=el, heading=last_heading,
            )
            doc.forms.append(form)
            forms_by_element[el] = form
        elif tag in interesting:
            form = _enclosing_form(el, forms_by_element) if tag in _FIELD_TAGS and forms_by_element else None
            _visit(doc, el, tag, region or inherited or "main", form, resolve, labels)
        else:  # a heading
            text = _clean(text_content(el))
            if text:
                last_heading = fold_collapsed(text)
                if tag != "legend":
                    doc.headings.append(Heading(int(tag[1]), text, last_heading, region, el))
    while len(open_elements) > 1:  # the elements still open at the end of the document
        closed = open_elements.pop()
        open_regions.pop()
        inherited = open_regions[-1]
        if inherited:
            chunk = closed.tail
            if chunk:
                add_text[inherited](chunk)
    if b"itemtype" in doc.markup:  # on few pages; the XPath walks the whole tree
        doc.itemtypes.extend(_ITEMTYPES(root))

    doc.text_by_region = {r: _clean(" ".join(_capped(chunks))) for r, chunks in texts.items() if chunks}
    for form in doc.forms:
        # Text nodes joined with spaces: the options of a <select> and adjacent labels are
        # separate words ("Istek", "Şikayet", "Öneri"), not one run-together string.
        text = _clean(" ".join(form.element.itertext()))
        if len(text) > _PAGE_WIDE_FORM_TEXT:
            form.page_wide = True
        form.text = text[:2000]
        form.folded = fold(form.text)
    title_el = root.find(".//title")
    if title_el is not None:
        doc.title = _clean(text_content(title_el))


def _capped(chunks: list[str]) -> list[str]:
    """The chunks up to the one that brings the text to _MAX_TEXT characters (that one kept)."""
    if sum(map(len, chunks)) < _MAX_TEXT:
        return chunks  # every real page
    size = 0
    for index, chunk in enumerate(chunks):
        size += len(chunk)
        if size >= _MAX_TEXT:
            return chunks[: index + 1]
    return chunks


def _enclosing_form(el: etree._Element, forms: dict[etree._Element, Form]) -> Form | None:
    node = el.getparent()
    depth = 0
    while node is not None and depth < 40:
        form = forms.get(node)
        if form is not None:
            return form
        node = node.getparent()
        depth += 1
    return None


_NO_JOIN = ("http://", "https://", "mailto:", "tel:", "javascript:", "data:")


class UrlResolver:
    """Resolve a page's hrefs against its base URL, as `urljoin` does, without calling it for the
    common shapes (absolute, fragment, query, root-relative and plain relative paths): a page has
    hundreds of links and `urljoin` is the slowest part of reading one."""

    def __init__(self, base: str) -> None:
        self.base = base
        try:
            parts = urlsplit(base)
        except ValueError:
            parts = None
        # Shortcuts only for a plain http(s) base; anything odd goes to urljoin.
        self.simple = bool(
            parts and ((parts.scheme in ("http", "https") and parts.netloc) or parts.scheme == "file")
            and ";" not in parts.path and "//" not in parts.path
        )
        if self.simple:
            origin = f"{parts.scheme}://{parts.netloc}"
            path = parts.path or "/"
            self.origin = origin
            self.directory = origin + path[: path.rfind("/") + 1]
            self.without_query = origin + parts.path
        self.without_fragment = base.split("#", 1)[0]
        self.bare_fragment = self._join("#")  # href="#", on many pages for script-driven links

    def __call__(self, href: str) -> str:
        href = href.strip()
        if not href:
            return ""
        if href == "#":
            return self.bare_fragment
        if href[-1] in "?#" or "?#" in href or ";" in href:
            return self._join(href)  # urljoin drops an empty query or fragment, splits params
        if href.startswith(_NO_JOIN):  # absolute (case-sensitive: urljoin lower-cases a scheme)
            return href
        if href[0] == "#":
            return self.without_fragment + href
        # Dot segments ("./", "../"), empty segments ("a//b", which urljoin removes) and
        # scheme-like prefixes ("sms:") need the full algorithm.
        if self.simple and "/." not in "/" + href and "//" not in href and "\\" not in href:
            first = href[0]
            if first == "/":
                return self.origin + href
            elif first == "?":
                return self.without_query + href
            elif ":" not in href.split("/", 1)[0]:
                return self.directory + href
        return self._join(href)

    def _join(self, href: str) -> str:
        try:
            return urljoin(self.base, href)
        except ValueError:
            return ""


def _visit(doc: Document, el: etree._Element, tag: str, region: str, form: Form | None,
           resolve: UrlResolver, labels: dict[str, str]) -> None:
    if tag == "a" or tag == "area":
        links = doc.links
        if len(links) >= _MAX_LINKS:
            return
        get = el.get  # about ten attributes are read per link, on every page's hottest element
        raw = (get("href") or "").strip()
        if tag != "a":
            alts, visible = [], ""
        elif len(el):  # a link with children: its text is spread over them, maybe an image
            alts = [img.get("alt") or "" for img in el.iter("img")]
            visible = text_content(el)
        else:  # the common case, a link holding only text
            alts, visible = [], el.text or ""
        title, label, alt = get("title"), get("aria-label"), get("alt")
        if alts or title or label or alt:
            # A title is read only when nothing else names the link (as in the accessible-name
            # computation): "Pay Now" titled "External link - opens in new window" stays a
            # two-word link.
            named = visible.strip() or any(alts) or label or alt
            text = _clean(" ".join(filter(None, [visible, *alts, None if named else title, label, alt])))
        else:  # the common case: only the visible text
            text = _clean(visible)
        rel = get("rel")
        if alts:
            logo = True  # an image link
        else:
            element_class, element_id = get("class"), get("id")
            logo = (element_class is not None or element_id is not None) and _names_logo(
                f"{element_class or ''} {element_id or ''}"
            )
        links.append(Link(resolve(raw), raw, text, fold_collapsed(text), region, el, rel.lower() if rel else "", logo))
    elif tag in ("input", "textarea", "select", "button"):
        ftype = (el.get("type") or ("text" if tag == "input" else tag)).lower()
        if ftype == "hidden":
            if form is not None and el.get("name") == "__VIEWSTATE":
                form.page_wide = True
            return
        fld = Field(tag, ftype, _field_descriptor(el, labels), region, el)
        if form is not None:
            form.fields.append(fld)
        else:
            doc.loose_fields.append(fld)
    elif tag == "meta":
        name = el.get("name") or el.get("property") or el.get("http-equiv") or el.get("itemprop") or ""
        if name:
            doc.meta.append((fold_cached(name), el.get("content") or ""))  # the same few names on every page
    elif len(doc.assets) >= _MAX_ASSETS:
        return
    elif tag in ("script", "iframe", "embed", "object"):  # images carry no evidence rules look for
        src = el.get("src") or el.get("data") or el.get("data-src") or ""
        if src:
            doc.assets.append(Asset(tag, resolve(src), region, el))
        if tag == "script" and (el.get("type") or "").lower() == "application/ld+json":
            doc.jsonld_types.extend(_jsonld_types(el.text or ""))
    elif tag == "link":
        href = el.get("href")
        if href:
            doc.assets.append(Asset("link:" + (el.get("rel") or "").lower(), resolve(href), region, el))


def _names_logo(marks: str | None) -> bool:
    """Whether a class or id value marks the site's logo or brand."""
    if not marks:
        return False
    marks = marks.lower()
    return "logo" in marks or "brand" in marks


def _jsonld_types(raw: str) -> list[str]:
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):
        return []
    found: list[str] = []
    stack = [data]
    seen = 0
    while stack and seen < 5000:
        item = stack.pop()
        seen += 1
        if isinstance(item, dict):
            kind = item.get("@type")
            if isinstance(kind, str):
                found.append(kind)
            elif isinstance(kind, list):
                found.extend(k for k in kind if isinstance(k, str))
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found


def host_of(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


_CSS_ID = re.compile(r"[A-Za-z][\w\-]*")


def css_path(el: etree._Element, max_depth: int = 12) -> str:
    """A short CSS selector locating an element: up to the nearest id, or `max_depth` steps."""
    parts: list[str] = []
    node: etree._Element | None = el
    while node is not None and isinstance(node.tag, str) and len(parts) < max_depth:
        tag = node.tag
        node_id = node.get("id")
        if node_id and _CSS_ID.fullmatch(node_id):
            parts.append(f"{tag}#{node_id}")
            break
        parent = node.getparent()
        if parent is None:
            parts.append(tag)
            break
        same = list(parent.iterchildren(tag))  # siblings of the same tag, picked in C
        parts.append(tag if len(same) == 1 else f"{tag}:nth-of-type({same.index(node) + 1})")
        node = parent
    return " > ".join(reversed(parts))
