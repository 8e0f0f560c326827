"""Writing and reading crawl data: portals from seeds, runs, pages with their evidence, resume state.

Each public function takes an `Engine` and runs in its own short transaction, so a crawl killed at
any moment leaves whole pages (page row + presence + evidence) or nothing of them. Recording is
idempotent: a (run, portal, URL) that is already stored is skipped, never stored twice. Nothing here
updates or deletes rows of another run.
"""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import Connection, Engine, bindparam, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.errors import UnknownRun
from storage.models import (
    RUN_STATUSES,
    CrawlRun,
    EvidenceRecord,
    PageIndicator,
    PageRecord,
    Portal,
    RunPortal,
)

if TYPE_CHECKING:
    from crawler.items import PageItem

HTML_COMPRESSION_LEVEL = 6  # zlib: most of the gain of 9 at a third of the time


class SeedLike(Protocol):
    """The fields of `seeds.loader.Seed` that storage needs."""

    id: str
    country: str
    name: str
    level: str
    url: str
    languages: Sequence[str]
    extra_hosts: Sequence[str]
    source: str | None


@dataclass(frozen=True)
class RunInfo:
    id: int
    status: str
    started_at: datetime
    finished_at: datetime | None
    seeds_file: str | None
    max_pages: int | None
    render_mode: str | None
    settings: Mapping[str, Any]
    portal_ids: tuple[str, ...]


@dataclass(frozen=True)
class RecordOutcome:
    """What `record_page` did: `stored` is False when the page was already in the run."""

    page_id: int
    stored: bool
    status: str
    evidence_count: int = 0


@dataclass(frozen=True)
class PortalResumeState:
    """What a resumed crawl needs for one portal: URLs already tried and links not yet followed."""

    fetched: frozenset[str]
    frontier: tuple[tuple[str, int], ...]  # (url, click depth), shallowest first
    pages_stored: int = 0
    evidence_pages: int = 0
    content_hashes: frozenset[str] = field(default_factory=frozenset)


def now() -> datetime:
    return datetime.now(UTC)


def url_hash(url: str) -> str:
    return hashlib.sha256(url.encode("utf-8", "surrogatepass")).hexdigest()


# -- portals and runs ---------------------------------------------------------------------------


def upsert_portals(engine: Engine, seeds: Iterable[SeedLike]) -> int:
    """Insert new portals and refresh the fields of known ones; returns how many seeds were given."""
    with Session(engine) as session, session.begin():
        return _upsert_portals(session, seeds)


def _upsert_portals(session: Session, seeds: Iterable[SeedLike]) -> int:
    count = 0
    stamp = now()
    for seed in seeds:
        count += 1
        values = {
            "country": _text(seed.country, 200) or "",
            "name": _text(seed.name) or "",
            "level": _text(seed.level, 50) or "",
            "url": _text(seed.url) or "",
            "languages": list(seed.languages or ()),
            "extra_hosts": list(seed.extra_hosts or ()),
            "source": _text(getattr(seed, "source", None)),
        }
        portal = session.get(Portal, seed.id)
        if portal is None:
            session.add(Portal(id=seed.id, created_at=stamp, updated_at=stamp, **values))
            session.flush()  # later seeds in the same call may repeat an id; see it as existing
            continue
        changed = {k: v for k, v in values.items() if getattr(portal, k) != v}
        for key, value in changed.items():
            setattr(portal, key, value)
        if changed:
            portal.updated_at = stamp
    return count


def start_run(
    engine: Engine,
    seeds: Sequence[SeedLike],
    *,
    seeds_file: str | None = None,
    max_pages: int | None = None,
    render_mode: str | None = None,
    settings: Mapping[str, Any] | None = None,
) -> int:
    """Upsert the seeds' portals and open a new run over them; returns the run id."""
    with Session(engine) as session, session.begin():
        _upsert_portals(session, seeds)
        run = CrawlRun(
            started_at=now(),
            status="running",
            settings=_jsonable(settings or {}),
            seeds_file=seeds_file,
            max_pages=max_pages,
            render_mode=render_mode,
            resumed_count=0,
        )
        session.add(run)
        session.flush()
        _add_run_portals(session, run.id, seeds)
        return run.id


def resume_run(engine: Engine, run_id: int, seeds: Sequence[SeedLike] = ()) -> RunInfo:
    """Re-open an existing run (status back to running); seeds not yet in it are added to it."""
    with Session(engine) as session, session.begin():
        run = session.get(CrawlRun, run_id)
        if run is None:
            raise UnknownRun(f"no crawl run {run_id} in the database")
        _upsert_portals(session, seeds)
        _add_run_portals(session, run_id, seeds)
        run.resumed_count = (run.resumed_count or 0) + 1  # each later process that continues the run
        run.status = "running"
        run.finished_at = None
    return get_run(engine, run_id)


def _add_run_portals(session: Session, run_id: int, seeds: Iterable[SeedLike]) -> None:
    known = set(session.scalars(select(RunPortal.portal_id).where(RunPortal.run_id == run_id)))
    for seed in seeds:
        if seed.id not in known:
            session.add(RunPortal(run_id=run_id, portal_id=seed.id, seed_url=seed.url))
            known.add(seed.id)


def finish_run(engine: Engine, run_id: int, status: str = "finished") -> None:
    """Close a run as finished or interrupted (its pages and evidence stay as they are)."""
    if status not in RUN_STATUSES or status == "running":
        raise ValueError(f"a run ends as 'finished' or 'interrupted', not {status!r}")
    with Session(engine) as session, session.begin():
        run = session.get(CrawlRun, run_id)
        if run is None:
            raise UnknownRun(f"no crawl run {run_id} in the database")
        run.status = status
        run.finished_at = now()


def get_run(engine: Engine, run_id: int) -> RunInfo:
    with Session(engine) as session:
        run = session.get(CrawlRun, run_id)
        if run is None:
            raise UnknownRun(f"no crawl run {run_id} in the database")
        return _run_info(session, run)


def list_runs(engine: Engine) -> list[RunInfo]:
    """All runs, oldest first."""
    with Session(engine) as session:
        return [_run_info(session, run) for run in session.scalars(select(CrawlRun).order_by(CrawlRun.id))]


def latest_unfinished_run(engine: Engine, portal_ids: Iterable[str] | None = None) -> RunInfo | None:
    """The newest run that is `running` (killed) or `interrupted`, to resume.

    With `portal_ids`, only a run over exactly that set of portals qualifies, so a resume never
    continues a crawl of a different seeds file.
    """
    wanted = None if portal_ids is None else set(portal_ids)
    with Session(engine) as session:
        runs = session.scalars(
            select(CrawlRun).where(CrawlRun.status.in_(("running", "interrupted"))).order_by(CrawlRun.id.desc())
        )
        for run in runs:
            info = _run_info(session, run)
            if wanted is None or set(info.portal_ids) == wanted:
                return info
    return None


def _run_info(session: Session, run: CrawlRun) -> RunInfo:
    portal_ids = tuple(
        session.scalars(select(RunPortal.portal_id).where(RunPortal.run_id == run.id).order_by(RunPortal.portal_id))
    )
    return RunInfo(
        id=run.id,
        status=run.status,
        started_at=run.started_at,
        finished_at=run.finished_at,
        seeds_file=run.seeds_file,
        max_pages=run.max_pages,
        render_mode=run.render_mode,
        settings=dict(run.settings or {}),
        portal_ids=portal_ids,
    )


# -- pages and evidence --------------------------------------------------------------------------


# Statements of the per-page write path, built once (building them is a good part of the cost).
_FIND_PAGE = select(PageRecord.id, PageRecord.status).where(
    PageRecord.run_id == bindparam("run_id"),
    PageRecord.portal_id == bindparam("portal_id"),
    PageRecord.url_hash == bindparam("url_hash"),
)
_FIND_ORIGINAL = (
    select(PageRecord.final_url)
    .where(
        PageRecord.run_id == bindparam("run_id"),
        PageRecord.portal_id == bindparam("portal_id"),
        PageRecord.content_hash == bindparam("content_hash"),
        PageRecord.status == "ok",
    )
    .limit(1)
)
_INSERT_PAGE = insert(PageRecord).returning(PageRecord.id)
_INSERT_PRESENCE = insert(PageIndicator)
_INSERT_EVIDENCE = insert(EvidenceRecord)


def record_page(engine: Engine, run_id: int, item: PageItem) -> RecordOutcome:
    """Store one page with its per-indicator presence and evidence, in one transaction.

    Idempotent: if (run, portal, url) is stored already, nothing is written. An `ok` page whose
    content hash equals that of an `ok` page already stored for the run and portal is stored as
    `duplicate`, without evidence (this also holds across a resume, when in-memory state is gone).
    Written with SQLAlchemy Core rather than the ORM: this runs once per crawled page, inside
    Scrapy's event loop, and Core is about three times faster here.
    """
    url = _text(item.url) or ""
    key = url_hash(url)
    content_hash = _text(item.content_hash, 128)
    try:
        with engine.begin() as conn:
            existing = _find_page(conn, run_id, item.portal_id, key)
            if existing is not None:
                return RecordOutcome(page_id=existing[0], stored=False, status=existing[1])
            status, note, result = item.status, item.note, item.result
            if status != "ok":
                result = None  # only `ok` pages are analysed (see crawler.items)
            elif content_hash:
                original = conn.execute(
                    _FIND_ORIGINAL, {"run_id": run_id, "portal_id": item.portal_id, "content_hash": content_hash}
                ).scalar()
                if original is not None:
                    status, result = "duplicate", None
                    note = _text(f"same content as {original}")
            page_id = conn.execute(
                _INSERT_PAGE, _page_row(run_id, item, url, key, content_hash, status, note)
            ).scalar_one()
            evidence_count = _add_result(conn, run_id, item, page_id, result) if result is not None else 0
            return RecordOutcome(page_id=page_id, stored=True, status=status, evidence_count=evidence_count)
    except IntegrityError:
        # Another worker stored the same (run, portal, url) between our check and our insert.
        with engine.connect() as conn:
            existing = _find_page(conn, run_id, item.portal_id, key)
        if existing is None:
            raise
        return RecordOutcome(page_id=existing[0], stored=False, status=existing[1])


_FIND_PAGES = select(PageRecord.url_hash, PageRecord.id, PageRecord.status).where(
    PageRecord.run_id == bindparam("run_id"),
    PageRecord.portal_id == bindparam("portal_id"),
    PageRecord.url_hash.in_(bindparam("url_hashes", expanding=True)),
)
_FIND_ORIGINALS = (
    select(PageRecord.content_hash, PageRecord.final_url)
    .where(
        PageRecord.run_id == bindparam("run_id"),
        PageRecord.portal_id == bindparam("portal_id"),
        PageRecord.content_hash.in_(bindparam("content_hashes", expanding=True)),
        PageRecord.status == "ok",
    )
    .order_by(PageRecord.id.desc())  # the first one stored wins below (written last into the dict)
)
_INSERT_PAGES = insert(PageRecord).returning(PageRecord.id, sort_by_parameter_order=True)


def record_pages(engine: Engine, run_id: int, items: Sequence[PageItem]) -> list[RecordOutcome]:
    """Store several pages in one transaction, with the outcome `record_page` would give each in turn.

    The crawl's store pipeline writes its pages in batches: one look-up of the URLs already stored,
    one of the content hashes, and one multi-row insert each of pages, presence and evidence,
    instead of five statements and a commit per page. A kill loses the whole batch or nothing, so
    the rule "whole pages or nothing" holds; a resume fetches the lost pages again. If another
    worker stores one of the URLs meanwhile, the batch is rolled back and its pages are written
    one by one with `record_page`, which settles each race on its own.
    """
    if not items:
        return []
    try:
        with engine.begin() as conn:
            return _record_batch(conn, run_id, items)
    except IntegrityError:
        return [record_page(engine, run_id, item) for item in items]


def _record_batch(conn: Connection, run_id: int, items: Sequence[PageItem]) -> list[RecordOutcome]:
    urls = [_text(item.url) or "" for item in items]
    keys = [url_hash(url) for url in urls]
    hashes = [_text(item.content_hash, 128) for item in items]
    existing: dict[tuple[str, str], tuple[int, str]] = {}
    originals: dict[tuple[str, str], str] = {}
    for portal_id in dict.fromkeys(item.portal_id for item in items):
        mine = [i for i, item in enumerate(items) if item.portal_id == portal_id]
        params = {"run_id": run_id, "portal_id": portal_id}
        for key, page_id, status in conn.execute(_FIND_PAGES, {**params, "url_hashes": [keys[i] for i in mine]}):
            existing[(portal_id, key)] = (page_id, status)
        wanted = sorted({hashes[i] for i in mine if items[i].status == "ok" and hashes[i]})
        if wanted:
            for content_hash, final_url in conn.execute(_FIND_ORIGINALS, {**params, "content_hashes": wanted}):
                originals[(portal_id, content_hash)] = final_url
    # Decide each page in order, as consecutive record_page calls would: a URL repeated in the
    # batch is skipped the second time, and content seen earlier in the batch makes a duplicate.
    rows: list[dict[str, Any]] = []  # pages to insert
    row_of: dict[tuple[str, str], int] = {}  # (portal, url hash) -> index in rows
    row_items: list[tuple[PageItem, Any]] = []  # (item, detector result to store), per row
    for i, item in enumerate(items):
        page_key = (item.portal_id, keys[i])
        if page_key in existing or page_key in row_of:
            continue
        status, note, result = item.status, item.note, item.result
        if status != "ok":
            result = None  # only `ok` pages are analysed (see crawler.items)
        elif hashes[i]:
            original = originals.get((item.portal_id, hashes[i]))
            if original is not None:
                status, result = "duplicate", None
                note = _text(f"same content as {original}")
            else:
                originals[(item.portal_id, hashes[i])] = _text(item.final_url or item.url) or ""
        row_of[page_key] = len(rows)
        rows.append(_page_row(run_id, item, urls[i], keys[i], hashes[i], status, note))
        row_items.append((item, result))
    page_ids = [row[0] for row in conn.execute(_INSERT_PAGES, rows)] if rows else []
    presence: list[dict[str, Any]] = []
    evidence_rows: list[dict[str, Any]] = []
    evidence_counts = [0] * len(rows)
    for n, (item, result) in enumerate(row_items):
        if result is not None:
            page_presence, page_evidence = _result_rows(run_id, item, page_ids[n], result)
            presence.extend(page_presence)
            evidence_rows.extend(page_evidence)
            evidence_counts[n] = len(page_evidence)
    if presence:
        conn.execute(_INSERT_PRESENCE, presence)
    if evidence_rows:
        conn.execute(_INSERT_EVIDENCE, evidence_rows)
    outcomes: list[RecordOutcome] = []
    written: set[int] = set()
    for i, item in enumerate(items):
        page_key = (item.portal_id, keys[i])
        if page_key in existing:
            page_id, status = existing[page_key]
            outcomes.append(RecordOutcome(page_id=page_id, stored=False, status=status))
            continue
        n = row_of[page_key]
        stored = n not in written  # the first occurrence in the batch is the one written
        written.add(n)
        outcomes.append(RecordOutcome(page_id=page_ids[n], stored=stored, status=rows[n]["status"],
                                      evidence_count=evidence_counts[n] if stored else 0))
    return outcomes


def _page_row(run_id: int, item: PageItem, url: str, key: str, content_hash: str | None, status: str,
              note: str | None) -> dict[str, Any]:
    return {
        "run_id": run_id,
        "portal_id": item.portal_id,
        "url": url,
        "url_hash": key,
        "final_url": _text(item.final_url or item.url) or "",
        "status": status,
        "http_status": item.http_status,
        "depth": int(item.depth),
        "rendered": bool(item.rendered),
        "content_hash": content_hash,
        "title": _text(item.title, 2000),
        "language": _text(item.language, 20),
        "note": _text(note, 4000),
        "fetched_at": item.fetched_at or now(),
        "html": compress_html(item.html),
        "outlinks": [u for u in (_text(link) for link in (item.outlinks or ())) if u],
    }


def _find_page(conn: Connection, run_id: int, portal_id: str, key: str) -> tuple[int, str] | None:
    row = conn.execute(_FIND_PAGE, {"run_id": run_id, "portal_id": portal_id, "url_hash": key}).first()
    return None if row is None else (row[0], row[1])


def _add_result(conn: Connection, run_id: int, item: PageItem, page_id: int, result: Any) -> int:
    presence, evidence_rows = _result_rows(run_id, item, page_id, result)
    if presence:
        conn.execute(_INSERT_PRESENCE, presence)
    if evidence_rows:
        conn.execute(_INSERT_EVIDENCE, evidence_rows)
    return len(evidence_rows)


def _result_rows(
    run_id: int, item: PageItem, page_id: int, result: Any
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The presence and evidence rows of one page's detector result."""
    rendered = bool(item.rendered or getattr(result, "rendered", False))
    presence: list[dict[str, Any]] = []
    evidence_rows: list[dict[str, Any]] = []
    for indicator, outcome in result.indicators.items():
        evidence = tuple(outcome.evidence or ())
        confidence = float(outcome.confidence or 0.0)
        if outcome.present or confidence > 0 or evidence:
            presence.append(
                {
                    "page_id": page_id,
                    "indicator": _text(indicator, 64),
                    "present": bool(outcome.present),
                    "confidence": confidence,
                }
            )
        for hit in evidence:
            evidence_rows.append(
                {
                    "run_id": run_id,
                    "portal_id": item.portal_id,
                    "page_id": page_id,
                    "indicator": _text(hit.indicator or indicator, 64),
                    "rule": _text(hit.rule, 200) or "",
                    "snippet": _text(hit.snippet) or "",
                    "locator": _text(hit.locator) or "",
                    "target_url": _text(hit.target_url),
                    "weight": float(hit.weight),
                    "rendered": rendered,
                    "depth": int(item.depth),
                }
            )
    return presence, evidence_rows


def compress_html(html: str | None) -> bytes | None:
    if html is None:
        return None
    return zlib.compress(html.encode("utf-8", "replace"), HTML_COMPRESSION_LEVEL)


def decompress_html(blob: bytes | None) -> str | None:
    if blob is None:
        return None
    return zlib.decompress(blob).decode("utf-8", "replace")


def page_html(engine: Engine, page_id: int) -> str | None:
    """The stored text of a page (None when it was not kept)."""
    with Session(engine) as session:
        return decompress_html(session.scalar(select(PageRecord.html).where(PageRecord.id == page_id)))


# -- resume --------------------------------------------------------------------------------------


def fetched_urls(engine: Engine, run_id: int) -> dict[str, set[str]]:
    """Per portal, every URL of the run that is stored (as requested and after redirects)."""
    seen: dict[str, set[str]] = {}
    with Session(engine) as session:
        rows = session.execute(
            select(PageRecord.portal_id, PageRecord.url, PageRecord.final_url).where(PageRecord.run_id == run_id)
        )
        for portal_id, url, final_url in rows:
            urls = seen.setdefault(portal_id, set())
            urls.add(url)
            if final_url:
                urls.add(final_url)
    return seen


def stored_outlinks(engine: Engine, run_id: int) -> dict[str, list[tuple[str, int]]]:
    """Per portal, the own-web links found on stored pages, with the click depth they would have."""
    links: dict[str, dict[str, int]] = {}
    with Session(engine) as session:
        rows = session.execute(
            select(PageRecord.portal_id, PageRecord.depth, PageRecord.outlinks)
            .where(PageRecord.run_id == run_id)
            .order_by(PageRecord.id)
        )
        for portal_id, depth, outlinks in rows:
            portal_links = links.setdefault(portal_id, {})
            for link in outlinks or ():
                if link not in portal_links or portal_links[link] > depth + 1:
                    portal_links[link] = depth + 1
    return {portal: list(found.items()) for portal, found in links.items()}


def resume_state(engine: Engine, run_id: int) -> dict[str, PortalResumeState]:
    """Per portal of the run: what is stored and which stored links were not fetched yet."""
    get_run(engine, run_id)  # UnknownRun for a bad id
    fetched = fetched_urls(engine, run_id)
    outlinks = stored_outlinks(engine, run_id)
    with Session(engine) as session:
        portals = list(session.scalars(select(RunPortal.portal_id).where(RunPortal.run_id == run_id)))
        counts = dict(
            session.execute(
                select(PageRecord.portal_id, func.count())
                .where(PageRecord.run_id == run_id)
                .group_by(PageRecord.portal_id)
            ).all()
        )
        hashes: dict[str, set[str]] = {}
        for portal_id, content_hash in session.execute(
            select(PageRecord.portal_id, PageRecord.content_hash).where(
                PageRecord.run_id == run_id, PageRecord.status == "ok", PageRecord.content_hash.is_not(None)
            )
        ):
            hashes.setdefault(portal_id, set()).add(content_hash)
        evidence_pages = dict(
            session.execute(
                select(EvidenceRecord.portal_id, func.count(func.distinct(EvidenceRecord.page_id)))
                .where(EvidenceRecord.run_id == run_id)
                .group_by(EvidenceRecord.portal_id)
            ).all()
        )
    state: dict[str, PortalResumeState] = {}
    for portal_id in sorted(set(portals) | set(fetched)):
        done = fetched.get(portal_id, set())
        frontier = sorted(
            ((url, depth) for url, depth in outlinks.get(portal_id, ()) if url not in done),
            key=lambda pair: (pair[1], pair[0]),
        )
        state[portal_id] = PortalResumeState(
            fetched=frozenset(done),
            frontier=tuple(frontier),
            pages_stored=int(counts.get(portal_id, 0)),
            evidence_pages=int(evidence_pages.get(portal_id, 0)),
            content_hashes=frozenset(hashes.get(portal_id, set())),
        )
    return state


# -- helpers -------------------------------------------------------------------------------------


def _text(value: Any, limit: int | None = None) -> str | None:
    """Text safe for every backend: no NUL (PostgreSQL refuses it), no lone surrogates, bounded."""
    if value is None:
        return None
    text = str(value)
    if "\x00" in text:
        text = text.replace("\x00", "\ufffd")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = text.encode("utf-8", "replace").decode("utf-8")
    if limit is not None and len(text) > limit:
        text = text[:limit]
    return text


def _jsonable(value: Any) -> Any:
    """Settings as JSON: plain values kept, anything else (classes, paths, ...) as its text."""
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)
