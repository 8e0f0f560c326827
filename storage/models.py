"""The crawl's tables, in long format: portals, crawl runs, pages, per-page indicator presence,
evidence rows and one candidate per (run, portal, indicator).

Design rules that later parts (the review app, validation) rely on:
- every row a crawl writes belongs to one run; a new crawl makes a new run and never updates or
  deletes rows of an earlier run (foreign keys have no ON DELETE CASCADE, so nothing disappears
  as a side effect either);
- human decisions will live in their own tables (a later migration) that crawls never touch;
- portals are keyed by their seed id, the one name that survives re-crawls and seed edits.

The schema is created and upgraded only by the Alembic migrations in `storage/migrations`;
`Base.metadata` is what those migrations are checked against.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# Fixed constraint names keep Alembic migrations reproducible on every backend.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# SQLite only auto-increments an INTEGER PRIMARY KEY; PostgreSQL gets 64-bit ids for the big tables.
BigId = BigInteger().with_variant(Integer(), "sqlite")

RUN_STATUSES: tuple[str, ...] = ("running", "finished", "interrupted")
CANDIDATE_STATUSES: tuple[str, ...] = ("found", "not_found", "not_reached")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Portal(Base):
    """A government portal as the seeds file describes it (latest seen values)."""

    __tablename__ = "portals"

    id: Mapped[str] = mapped_column(String(200), primary_key=True)  # the seed id
    country: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(Text)
    level: Mapped[str] = mapped_column(String(50))
    url: Mapped[str] = mapped_column(Text)
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    extra_hosts: Mapped[list[str]] = mapped_column(JSON, default=list)
    source: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CrawlRun(Base):
    """One execution of `crawl` (continued, not restarted, by a resume)."""

    __tablename__ = "crawl_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(20), index=True)  # RUN_STATUSES
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    seeds_file: Mapped[str | None] = mapped_column(Text)
    max_pages: Mapped[int | None] = mapped_column(Integer)
    render_mode: Mapped[str | None] = mapped_column(String(20))
    resumed_count: Mapped[int] = mapped_column(Integer, default=0)


class RunPortal(Base):
    """Which portals a run set out to crawl (a portal with no page at all is still 'in' the run)."""

    __tablename__ = "run_portals"

    run_id: Mapped[int] = mapped_column(ForeignKey("crawl_runs.id"), primary_key=True)
    portal_id: Mapped[str] = mapped_column(ForeignKey("portals.id"), primary_key=True, index=True)
    seed_url: Mapped[str] = mapped_column(Text)  # the seed URL at the time of the run


class PageRecord(Base):
    """One URL the crawl tried for a portal in a run, whatever came of it (see PAGE_STATUSES)."""

    __tablename__ = "pages"
    __table_args__ = (
        # A resumed crawl can never store a page twice. The URL is hashed because PostgreSQL
        # cannot index arbitrarily long text in a b-tree.
        UniqueConstraint("run_id", "portal_id", "url_hash", name="uq_pages_run_portal_url"),
        Index("ix_pages_run_portal_status", "run_id", "portal_id", "status"),
        Index("ix_pages_run_portal_hash", "run_id", "portal_id", "content_hash"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("crawl_runs.id"))
    portal_id: Mapped[str] = mapped_column(ForeignKey("portals.id"))
    url: Mapped[str] = mapped_column(Text)
    url_hash: Mapped[str] = mapped_column(String(64))  # sha256 hex of `url`
    final_url: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(30))  # crawler.items.PAGE_STATUSES
    http_status: Mapped[int | None] = mapped_column(Integer)
    depth: Mapped[int] = mapped_column(Integer)
    rendered: Mapped[bool] = mapped_column(Boolean, default=False)
    content_hash: Mapped[str | None] = mapped_column(String(128))
    title: Mapped[str | None] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(Text)
    fetched_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    html: Mapped[bytes | None] = mapped_column(LargeBinary)  # zlib-compressed UTF-8 text
    outlinks: Mapped[list[str]] = mapped_column(JSON, default=list)


class PageIndicator(Base):
    """What the detectors said about one indicator on one `ok` page.

    Written for every indicator that is present, has a confidence above zero or has evidence,
    so the candidate scorer can tell "present" from "weak hint" from "nothing".
    """

    __tablename__ = "page_indicators"

    page_id: Mapped[int] = mapped_column(ForeignKey("pages.id"), primary_key=True)
    indicator: Mapped[str] = mapped_column(String(64), primary_key=True)
    present: Mapped[bool] = mapped_column(Boolean)
    confidence: Mapped[float] = mapped_column(Float)


class EvidenceRecord(Base):
    """One rule hit on one page (one row per hit)."""

    __tablename__ = "evidence"
    __table_args__ = (Index("ix_evidence_run_portal_indicator", "run_id", "portal_id", "indicator"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("crawl_runs.id"))
    portal_id: Mapped[str] = mapped_column(ForeignKey("portals.id"))
    page_id: Mapped[int] = mapped_column(ForeignKey("pages.id"), index=True)
    indicator: Mapped[str] = mapped_column(String(64))
    rule: Mapped[str] = mapped_column(String(200))
    snippet: Mapped[str] = mapped_column(Text)
    locator: Mapped[str] = mapped_column(Text)
    target_url: Mapped[str | None] = mapped_column(Text)
    weight: Mapped[float] = mapped_column(Float)
    rendered: Mapped[bool] = mapped_column(Boolean, default=False)
    depth: Mapped[int] = mapped_column(Integer)


class Candidate(Base):
    """The automated score of one indicator for one portal in one run."""

    __tablename__ = "candidates"
    __table_args__ = (
        UniqueConstraint("run_id", "portal_id", "indicator", name="uq_candidates_run_portal_indicator"),
        Index("ix_candidates_portal_run", "portal_id", "run_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("crawl_runs.id"))
    portal_id: Mapped[str] = mapped_column(ForeignKey("portals.id"))
    indicator: Mapped[str] = mapped_column(String(64))
    candidate: Mapped[int] = mapped_column(Integer)  # 0 or 1
    confidence: Mapped[float] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(20))  # CANDIDATE_STATUSES
    evidence_count: Mapped[int] = mapped_column(Integer)
    best_evidence_url: Mapped[str | None] = mapped_column(Text)
    best_evidence_id: Mapped[int | None] = mapped_column(ForeignKey("evidence.id"))
    computed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
