"""The detector engine: run compiled rules over a parsed page and score each indicator.

Pure: no I/O, no global mutable state (the compiled rule set is immutable and cached), so the
same function serves `portal-evidence detect`, the crawl's spider and the evaluation scripts.

Scoring: every rule that fires contributes its weight once. Positive weights combine as a
noisy-OR (two medium signals outweigh one weak one); negative weights are counter-evidence
that scales the result down. An indicator is present when the combined confidence reaches
its threshold. Every positive hit becomes an Evidence record, present or not, so assessors
see candidates below the threshold too.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from itertools import compress, count
from operator import attrgetter
from urllib.parse import urlsplit

from detectors.document import Document, css_path, host_of, parse, text_content
from detectors.folding import TokenView, fold, fold_cached, token_set
from detectors.language import content_language_header, declared_language, page_language
from detectors.model import Evidence, IndicatorResult, Page, PageResult
from detectors.rules import Rule, RuleSet, default_rules
from detectors.textindex import RegionText, line_starts, lines_containing

SNIPPET_CHARS = 200
MAX_EVIDENCE_PER_INDICATOR = 12
_URL_SEPARATORS = re.compile(r"[/\-_.?=&+%#:]+")


@dataclass
class Hit:
    snippet: str
    locator: str
    target_url: str | None


_HREF, _FOLDED, _LOGO, _URL = attrgetter("href"), attrgetter("folded"), attrgetter("logo"), attrgetter("url")
_RESERVED_TLDS = frozenset({"example", "test", "invalid", "localhost"})
# Host labels that name no particular organisation (see `_Context.site_names`).
_GENERIC_HOST_WORDS = frozenset({
    "admin", "ayuntamiento", "bundesland", "cityof", "comune", "council", "county", "example", "gemeente",
    "gmina", "gouv", "kommun", "kommune", "mairie", "miasto", "municipio", "online", "portal", "prefeitura",
    "region", "service", "services", "stadt", "state", "info", "ville", "gemeinde", "municipal", "municipality",
    "district", "government",
})


@dataclass
class _Context:
    """Per-page caches shared by all rules (folded text chunks, own host)."""

    doc: Document
    own_host: str
    regions: dict[str, RegionText] = field(default_factory=dict)
    tokens: dict[str, TokenView] = field(default_factory=dict)
    _href_blob: str | None = None
    _link_text_blob: str | None = None
    _asset_blob: str | None = None
    _found: dict[int, dict] = field(default_factory=dict)  # has_literals answers, by haystack id
    _line_starts: dict[str, list[int]] = field(default_factory=dict)
    _logo_links: set[int] | None = None

    @property
    def href_blob(self) -> str:
        """Every link's lower-cased URL, one per line, in document order."""
        if self._href_blob is None:
            # A newline inside a URL becomes a space, so that each link keeps one line.
            self._href_blob = "\n".join(href.replace("\n", " ") for href in map(_HREF, self.doc.links)).lower()
        return self._href_blob

    @property
    def asset_blob(self) -> str:
        """Every asset's lower-cased URL, one per line."""
        if self._asset_blob is None:
            self._asset_blob = "\n".join(map(_URL, self.doc.assets)).lower()
        return self._asset_blob

    @property
    def link_text_blob(self) -> str:
        """Every link's folded text, one per line, in document order."""
        if self._link_text_blob is None:
            self._link_text_blob = "\n".join(map(_FOLDED, self.doc.links))  # folded text has no newline
        return self._link_text_blob

    def blob(self, blob_name: str) -> str:
        """The links' blob a rule scans: "href" (their URLs) or "text" (their folded texts)."""
        return self.href_blob if blob_name == "href" else self.link_text_blob

    @cached_property
    def heading_blob(self) -> str:
        """Every heading's folded text, one per line."""
        return "\n".join(heading.folded for heading in self.doc.headings)

    @cached_property
    def main_heading_count(self) -> int:
        """How many <h1> headings the page has outside navigation, footer and banners."""
        return sum(1 for h in self.doc.headings if h.level == 1 and h.region not in ("nav", "footer", "cookie"))

    @property
    def site_names(self) -> tuple[str, ...]:
        """Distinctive names in the page's own host ("saobentodovale", "lipowiec", "koeln" from
        stadt-koeln.de): the labels and hyphen parts of five letters or more that are not generic
        words of government hosts."""
        names = []
        labels = self.own_host.split(".")
        if labels[-1] in _RESERVED_TLDS:  # RFC 2606 names stand in for a real domain in tests and demos
            labels = labels[:-1]
        for label in labels:
            for part in label.split("-"):
                if len(part) >= 5 and part.isalnum() and part not in _GENERIC_HOST_WORDS:
                    names.append(part)
        return tuple(names)

    @property
    def logo_links(self) -> set[int]:
        """Indexes of the links that are an image or marked as the site's logo or brand."""
        if self._logo_links is None:
            self._logo_links = set(compress(count(), map(_LOGO, self.doc.links)))
        return self._logo_links

    def matching_links(self, regex: re.Pattern[str], blob_name: str) -> set[int]:
        """Indexes of the links whose line in a blob has a match of `regex`.

        One C-level scan per matching line instead of a Python loop over every link: after a
        match the search resumes at the next line, so each line is tested from its start.
        """
        blob = self.blob(blob_name)
        starts = self._starts(blob_name)
        found: set[int] = set()
        pos = 0
        while True:
            match = regex.search(blob, pos)
            if match is None:
                return found
            line = bisect.bisect_right(starts, match.start()) - 1
            found.add(line)
            if line + 1 >= len(starts):
                return found
            pos = starts[line + 1]

    def has_literals(self, required: Sequence[Collection] | None, haystacks: Sequence[str] | Sequence[bytes]) -> bool:
        """Whether the haystacks hold a string of each required set (see `detectors.literals`).

        Rules of one family ask for the same strings (every social-media rule for
        "facebook.com", ...), and a string that is absent costs a scan of the whole haystack, so
        each answer is kept for the page. The haystacks are the context's own (blobs, region
        texts, markup), alive as long as it is, so their identity is a sound key."""
        if not required:
            return True
        pairs = [(haystack, self._answers(haystack)) for haystack in haystacks]
        for choices in required:
            for literal in choices:
                for haystack, answers in pairs:
                    present = answers.get(literal)
                    if present is None:
                        present = answers[literal] = literal in haystack
                    if present:
                        break
                else:
                    continue
                break  # this set is satisfied
            else:
                return False  # no string of this set anywhere
        return True

    def contains(self, haystack: str, literal: str) -> bool:
        """Whether `literal` is in `haystack` (one of the context's own strings), kept for the
        page with the answers of `has_literals` (whose loop asks the same way, inlined)."""
        answers = self._answers(haystack)
        present = answers.get(literal)
        if present is None:
            present = answers[literal] = literal in haystack
        return present

    def _answers(self, haystack: str | bytes) -> dict:
        """The literals asked of one haystack so far, with whether it holds them."""
        answers = self._found.get(id(haystack))
        if answers is None:
            answers = self._found[id(haystack)] = {}
        return answers

    def lines_with(self, needles: Iterable[str], blob_name: str) -> set[int] | None:
        """Indexes of the links whose line in a blob contains one of `needles`, found with
        `str.find` (far faster than a regex scan); None when that is not a small share of the
        links, where the caller's regex scan of the blob narrows better."""
        needles = tuple(needles)
        if any("\n" in needle for needle in needles):  # cannot be told from a line; never in real rules
            return None
        blob = self.blob(blob_name)
        return lines_containing(blob, self._starts(blob_name), needles, max(_FEW_LINES, len(self.doc.links) // 8))

    def _starts(self, blob_name: str) -> list[int]:
        """Offset of each line of a blob (built once per page and blob)."""
        starts = self._line_starts.get(blob_name)
        if starts is None:
            blob = self.blob(blob_name)
            starts = self._line_starts[blob_name] = line_starts(blob)
        return starts

    def region_texts(self, regions: frozenset[str]) -> list[RegionText]:
        """The indexed text of each of these regions (built once per page and region)."""
        out = []
        for region in sorted(regions):
            if region not in self.regions:
                self.regions[region] = RegionText.build(self.doc.text_by_region.get(region, ""))
            out.append(self.regions[region])
        return out

    def token_view(self, key: str, texts: list[RegionText] | None = None, blob: str = "") -> TokenView:
        """The tokens of some regions (or of a blob), cached under `key`."""
        view = self.tokens.get(key)
        if view is None:
            if texts is not None:
                found = texts[0].tokens if len(texts) == 1 else frozenset().union(*(t.tokens for t in texts))
            else:
                found = token_set(blob)
            view = self.tokens[key] = TokenView(found)
        return view


def _snip(text: str, limit: int = SNIPPET_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _text_ok(rule: Rule, folded: str) -> bool:
    if rule.words is not None and not rule.words.search(folded):
        return False
    pattern = rule.regex.get("pattern")
    if pattern is not None and not pattern.search(folded):
        return False
    if rule.words_not is not None and rule.words_not.search(folded):
        return False
    pattern_not = rule.regex.get("pattern_not")
    return not (pattern_not is not None and pattern_not.search(folded))


def _region_ok(rule: Rule, region: str) -> bool:
    if rule.regions is not None and region not in rule.regions:
        return False
    return region not in rule.regions_not


def _strip_www(host: str) -> str:
    return host[4:] if host.startswith("www.") else host


def _is_offsite(own_host: str, url: str) -> bool:
    scheme = urlsplit(url).scheme if url else ""
    if scheme not in ("http", "https"):
        return False
    host = _strip_www(host_of(url))
    if not own_host:
        return True
    return not (host == own_host or host.endswith("." + own_host))


# A blob's lines found by literal are used as candidates up to this many (or an eighth of the links).
_FEW_LINES = 64
# Each literal is one `str.find` scan of the blob: for more literals present on the page than
# this, one scan by the regex (which skips to its first character in C) is faster.
_FEW_LITERALS = 9


def _candidate_lines(
    ctx: _Context, literals: Sequence[Collection[str]] | None, blob_regex: re.Pattern[str], blob_name: str
) -> set[int]:
    """The lines of a blob holding a literal that every match contains, when the literals present
    on the page and those lines are few; else the lines where the blob twin of the regex matches.

    Whether each literal is in the blob is asked through `has_literals`, whose answers the rules
    of a family share (every social-media rule asks for "facebook.com"): a page holds two or
    three of a family's thirty domains, and finding their lines is cheaper than running the
    regex, which tries its alternatives on every link."""
    if literals:
        blob = ctx.blob(blob_name)
        present = [literal for literal in literals[0] if ctx.contains(blob, literal)]
        if len(present) <= _FEW_LITERALS:
            found = ctx.lines_with(present, blob_name)
            if found is not None:
                return found
    return ctx.matching_links(blob_regex, blob_name)


def _match_links(rule: Rule, ctx: _Context) -> Iterator[Hit]:
    href_re, href_not = rule.regex.get("href"), rule.regex.get("href_not")
    # Whole-page prefilters (no false negatives): most link rules match no link on most pages,
    # and where they do, only the links on matching lines of the blobs need the full checks.
    candidates: set[int] | None = None
    logo_only = rule.options.get("logo_only", False)
    if logo_only:  # a handful of links at most: cheaper to start from them than to scan blobs
        candidates = ctx.logo_links
        if not candidates:
            return
    if not ctx.has_literals(rule.options.get("href_literals"), (ctx.href_blob,)):
        return
    if not ctx.has_literals(rule.options.get("text_literals"), (ctx.link_text_blob,)):
        return
    # Candidate links: the lines of a blob holding a literal that every match contains, when
    # those are few; else the lines where the blob twin of the regex matches. Either is a
    # superset of the links that match; every candidate is checked in full below.
    if href_re is not None:
        found = _candidate_lines(ctx, rule.options.get("href_literals"), rule.regex["href_blob"], "href")
        candidates = found if candidates is None else candidates & found
        if not candidates:
            return
    if rule.words is not None:
        index = rule.words_index
        needles = None
        if index is not None:
            needles = index.needles(ctx.token_view("links", blob=ctx.link_text_blob),
                                    haystacks=(ctx.link_text_blob,))
            if needles is None:
                return  # none of the words can occur in any link text
        found = ctx.lines_with(needles, "text") if needles is not None else None
        if found is None:
            found = ctx.matching_links(rule.words, "text")
        candidates = found if candidates is None else candidates & found
        if not candidates:
            return
    if "pattern_blob" in rule.regex:
        found = _candidate_lines(ctx, rule.options.get("text_literals"), rule.regex["pattern_blob"], "text")
        candidates = found if candidates is None else candidates & found
        if not candidates:
            return
    offsite = rule.options.get("offsite")
    max_words = rule.options.get("max_words")
    site_names = ctx.site_names if rule.options.get("package_names_site") else None
    if site_names is not None and not site_names:
        return  # no distinctive name in the page's host (or no URL): nothing to look for
    links = ctx.doc.links
    for position in sorted(candidates) if candidates is not None else range(len(links)):
        link = links[position]
        if not _region_ok(rule, link.region) or (logo_only and not link.logo):
            continue
        href = link.href.lower()
        if href_re is not None and not href_re.search(href):
            continue
        if href_not is not None and href_not.search(href):
            continue
        if offsite is not None and _is_offsite(ctx.own_host, link.href) != offsite:
            continue
        if max_words is not None and len(link.folded.split()) > max_words:
            continue
        if site_names is not None and not _package_names_site(href, site_names):
            continue
        if not _text_ok(rule, link.folded):
            continue
        yield Hit(_snip(link.text or link.raw_href), css_path(link.element), link.href or None)


_PACKAGE_ID = re.compile(r"[?&]id=([\w.]+)")


def _package_names_site(href: str, site_names: tuple[str, ...]) -> bool:
    """Whether the app package an app-store URL names (Google Play's `?id=br.gov.sp.saobentodovale.cidadao`)
    has one of the site's names as a whole label. Publishers name packages after their own domain,
    so a local newspaper's `es.eldiariodevillaejemplo.app` does not pass for the city's app the way
    its App Store slug `el-diario-de-villaejemplo` would."""
    found = _PACKAGE_ID.search(href)
    if found is None:
        return False
    labels = found.group(1).split(".")
    return any(name in labels for name in site_names)


_FIELD_KIND_OF_TAG = {"textarea": "textarea", "select": "select"}


def _field_kinds(fields: list) -> set[str]:
    kinds = set()
    for f in fields:
        kinds.add(_FIELD_KIND_OF_TAG.get(f.tag, f.type))
    return kinds


def _match_forms(rule: Rule, ctx: _Context) -> Iterator[Hit]:
    opts = rule.options
    action_re, action_not = rule.regex.get("action"), rule.regex.get("action_not")
    fields_re, fields_not = rule.regex.get("fields"), rule.regex.get("fields_not")
    for form in ctx.doc.forms:
        if not _region_ok(rule, form.region):
            continue
        if "role" in opts and form.role != opts["role"]:
            continue
        if "method" in opts and form.method != opts["method"]:
            continue
        action = form.action.lower()
        if action_re is not None and not action_re.search(action):
            continue
        if action_not is not None and action_not.search(action):
            continue
        kinds = _field_kinds(form.fields)
        if "needs" in opts and not set(opts["needs"]) <= kinds:
            continue
        if "forbid" in opts and set(opts["forbid"]) & kinds:
            continue
        inputs = [f for f in form.fields if f.type not in ("submit", "button", "reset", "image")]
        if "min_fields" in opts and len(inputs) < opts["min_fields"]:
            continue
        if fields_re is not None and not any(fields_re.search(f.descriptor) for f in form.fields):
            continue
        if fields_not is not None and any(fields_not.search(f.descriptor) for f in form.fields):
            continue
        if rule.heading_words is not None and not rule.heading_words.search(form.heading):
            continue
        if form.page_wide and rule.words is not None:
            continue  # its words are the page's, not the form's
        if not _text_ok(rule, f"{form.heading} {form.folded}"):
            continue
        summary = ", ".join(sorted(kinds)) or "no fields"
        yield Hit(_snip(f"[form: {summary}] {form.text}"), css_path(form.element), form.action or None)


def _match_fields(rule: Rule, ctx: _Context) -> Iterator[Hit]:
    pool = list(ctx.doc.loose_fields)
    if not rule.options.get("loose_only"):
        for form in ctx.doc.forms:
            pool.extend(form.fields)
    types = set(rule.options["types"])
    fields_re = rule.regex.get("fields")
    for fld in pool:
        if _FIELD_KIND_OF_TAG.get(fld.tag, fld.type) not in types or not _region_ok(rule, fld.region):
            continue
        if fields_re is not None and not fields_re.search(fld.descriptor):
            continue
        if not _text_ok(rule, fld.descriptor):
            continue
        yield Hit(_snip(f"[{fld.tag} {fld.type}] {fld.descriptor}"), css_path(fld.element), None)


def _match_meta(rule: Rule, ctx: _Context) -> Iterator[Hit]:
    name_re, content_re = rule.regex["name"], rule.regex.get("content")
    for name, content in ctx.doc.meta:
        if name_re.search(name) and (content_re is None or content_re.search(fold(content))):
            yield Hit(_snip(f'<meta name="{name}" content="{content}">'), f'meta[name="{name}"]', None)


def _match_assets(rule: Rule, ctx: _Context) -> Iterator[Hit]:
    src_re = rule.regex["src"]
    if not ctx.has_literals(rule.options.get("src_literals"), (ctx.asset_blob,)):
        return  # no script, frame or stylesheet URL of the page holds what the pattern needs
    tags = rule.options.get("tags")
    for asset in ctx.doc.assets:
        if tags is not None and not any(asset.tag == t or asset.tag.startswith(t + ":") for t in tags):
            continue
        if not _region_ok(rule, asset.region) or not src_re.search(asset.url.lower()):
            continue
        yield Hit(_snip(f"<{asset.tag}> {asset.url}"), css_path(asset.element), asset.url)


def _match_schema(rule: Rule, ctx: _Context) -> Iterator[Hit]:
    types_re = rule.regex["types"]
    for kind in ctx.doc.jsonld_types + ctx.doc.itemtypes:
        if types_re.search(kind.lower()):
            yield Hit(_snip(f"schema.org type {kind}"), "script[type='application/ld+json']", None)


# More top-level headings than this: the page uses <h1> for its teasers (old portal home
# pages), so no single one names what the page is about.
_MAX_MAIN_HEADINGS = 3


def _match_title(rule: Rule, ctx: _Context) -> Iterator[Hit]:
    targets = rule.options.get("targets", ("title", "h1"))
    if "title" in targets and ctx.doc.title and _text_ok(rule, fold_cached(ctx.doc.title)):
        yield Hit(_snip(ctx.doc.title), "title", None)
    headings = ctx.doc.headings
    if headings and rule.words_index is not None:
        # Token prefilter, as for link texts: none of the rule's words can be in any heading.
        blob = ctx.heading_blob
        if not rule.words_index.possible(ctx.token_view("headings", blob=blob), haystacks=(blob,)):
            return
    skip_h1 = "h1" in targets and ctx.main_heading_count > _MAX_MAIN_HEADINGS
    for heading in headings:
        if heading.level == 1 and skip_h1:
            continue
        if f"h{heading.level}" in targets and heading.region not in ("nav", "footer", "cookie") and _text_ok(
            rule, heading.folded
        ):
            yield Hit(_snip(heading.text), css_path(heading.element), None)  # located only when it matches


def _match_url(rule: Rule, ctx: _Context) -> Iterator[Hit]:
    parts = urlsplit(ctx.doc.url)
    raw = f"{parts.path}?{parts.query}" if parts.query else parts.path
    folded = fold(_URL_SEPARATORS.sub(" ", raw))
    pattern = rule.regex.get("pattern")
    if rule.words is not None and not rule.words.search(folded):
        return
    if pattern is not None and not pattern.search(raw.lower()):
        return
    if rule.words_not is not None and rule.words_not.search(folded):
        return
    if rule.regex.get("pattern_not") is not None and rule.regex["pattern_not"].search(raw.lower()):
        return
    yield Hit(_snip(ctx.doc.url), "url", ctx.doc.url)


def _match_text(rule: Rule, ctx: _Context) -> Iterator[Hit]:
    regions = rule.regions if rule.regions is not None else frozenset({"main"})
    finders = [p for p in (rule.words, rule.regex.get("pattern")) if p is not None]
    texts = ctx.region_texts(regions)
    min_count = rule.options.get("min_count", 1)
    min_distinct = rule.options.get("min_distinct", 1)
    needs_text = rule.options.get("needs_text")
    if not ctx.has_literals(rule.options.get("pattern_literals"), [t.folded for t in texts]):
        return  # the text misses strings that every match of the pattern contains
    # Token prefilter: skip the scan when too few of the rule's words can occur at all, and
    # else scan only the sentences that hold a literal of a word that can.
    if rule.words_index is not None and "pattern" not in rule.regex:
        key = "+".join(sorted(regions))
        needles = rule.words_index.needles(
            ctx.token_view(key, texts), enough=min_distinct, haystacks=[t.folded for t in texts]
        )
        if needles is None:
            return
        if rule.words_index.sentence_safe:
            needs_text = needles
    skip_questions = rule.options.get("skip_questions", False)
    pattern_not = rule.regex.get("pattern_not")
    locator = _text_locator(regions)
    hits: list[Hit] = []
    matched: set[str] = set()
    count = 0
    for text in texts:
        used: set[int] = set()
        for index, match in _scan(text, finders, needs_text):
            if rule.words_not is not None or pattern_not is not None or skip_questions:
                sentence = text.folded_chunk(index)
                if skip_questions and sentence.rstrip().endswith(("?", "？", "؟")):
                    continue  # a question ("Is there a city app?") asserts nothing
                if rule.words_not is not None and rule.words_not.search(sentence):
                    continue  # e.g. a negation in the same sentence
                if pattern_not is not None and pattern_not.search(sentence):
                    continue
            count += 1
            matched.add(match.group(0))
            if index not in used and len(hits) < rule.max_evidence:
                used.add(index)
                hits.append(Hit(_snip(text.raw_chunks[index]), locator, None))
            elif count >= min_count and len(matched) >= min_distinct and len(hits) >= rule.max_evidence:
                break  # decided, and snippets enough: the rest of the matches change nothing
    if count >= min_count and len(matched) >= min_distinct:
        yield from hits


def _scan(
    text: RegionText, finders: list[re.Pattern[str]], needs_text: tuple[str, ...] | None
) -> Iterator[tuple[int, re.Match[str]]]:
    """(chunk index, match) of each finder over a region's text, finder by finder, in text order.

    With `needs_text`, only the sentences holding one of those strings are scanned.
    """
    if needs_text is None:
        for finder in finders:
            for match in finder.finditer(text.folded):
                yield text.chunk_at(match.start()), match
        return
    chunks = text.chunks_containing(needs_text)
    for finder in finders:
        for index in chunks:
            for match in finder.finditer(text.folded_chunk(index)):
                yield index, match


def _text_locator(regions: frozenset[str]) -> str:
    return f"text:{'+'.join(sorted(regions))}"


def _match_selector(rule: Rule, ctx: _Context) -> Iterator[Hit]:
    if ctx.doc.root is None or rule.selector is None:
        return
    # libxml2 walks the whole tree for each member of a selector group; most pages lack the
    # element or attribute the selector looks for, which a search of the markup tells first.
    if not ctx.has_literals(rule.options.get("markup_literals"), (ctx.doc.markup,)):
        return
    for el in rule.selector(ctx.doc.root):
        text = " ".join(text_content(el).split())[:2000]
        if _text_ok(rule, fold(text)):
            yield Hit(_snip(text or f"<{el.tag}>"), css_path(el), None)


MATCHERS: dict[str, Callable[[Rule, _Context], Iterator[Hit]]] = {
    "link": _match_links,
    "form": _match_forms,
    "field": _match_fields,
    "meta": _match_meta,
    "asset": _match_assets,
    "schema": _match_schema,
    "title": _match_title,
    "url": _match_url,
    "text": _match_text,
    "selector": _match_selector,
}


def _rule_hits(rule: Rule, ctx: _Context) -> list[Hit]:
    hits: list[Hit] = []
    seen: set[str] = set()
    min_count = rule.options.get("min_count", 1) if rule.kind == "link" else 1
    for hit in MATCHERS[rule.kind](rule, ctx):
        key = hit.target_url or hit.locator + hit.snippet
        if key in seen:
            continue
        seen.add(key)
        hits.append(hit)
        if len(hits) >= max(rule.max_evidence, min_count):
            break
    if len(hits) < min_count:
        return []
    return hits[: rule.max_evidence]


def detect_document(doc: Document, rules: RuleSet, rendered: bool = False) -> dict[str, IndicatorResult]:
    ctx = _Context(doc=doc, own_host=_strip_www(host_of(doc.url)))
    results: dict[str, IndicatorResult] = {}
    for indicator, ir in rules.indicators.items():
        fired: set[str] = set()
        positive = 1.0  # product of (1 - w) over positive hits
        negative = 1.0
        evidence: list[Evidence] = []
        for rule in ir.rules:
            if rule.requires and not set(rule.requires) <= fired:
                continue
            hits = _rule_hits(rule, ctx) if doc.root is not None else []
            if not hits:
                continue
            fired.add(rule.id)
            if rule.weight > 0:
                positive *= 1.0 - rule.weight
                evidence.extend(
                    Evidence(indicator, rule.id, h.snippet, h.locator, h.target_url, rule.weight) for h in hits
                )
            else:
                negative *= 1.0 + rule.weight
        confidence = round((1.0 - positive) * negative, 4)
        evidence.sort(key=lambda e: -e.weight)
        results[indicator] = IndicatorResult(
            indicator, confidence >= ir.threshold, confidence, tuple(evidence[:MAX_EVIDENCE_PER_INDICATOR])
        )
    return results


def detect(page: Page, rules: RuleSet | None = None) -> PageResult:
    """Run every indicator's rules over one page."""
    rules = rules if rules is not None else default_rules()
    doc = parse(page.html, page.url)
    declared = None
    if doc.root is not None:
        declared = declared_language(doc.root, content_language_header(page.headers))
    language = page_language(declared, doc.text(), page.language)
    return PageResult(page.url, language, detect_document(doc, rules, page.rendered), page.rendered)
