"""The people and the human decisions of the review: users, portal assignments, decisions.

These tables belong to people, not to crawls, and follow stricter rules than the crawl's tables:
- a decision row is never updated or deleted by anything in portal-evidence: a new decision is a
  new row, and the *current* decision of an author on a (portal, indicator) is their latest row
  (highest id). The full history therefore stays in the table, with who and when;
- decisions reference portals by seed id *without* a foreign key, so no crawl, seed edit or
  migration of the crawl tables can remove or block them;
- they are created only by migration `0002` (storage/migrations/versions/0002_decisions.py).

The models share `storage.models.Base.metadata` so that Alembic sees one schema.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base, BigId

ROLES: tuple[str, ...] = ("assessor", "reviewer", "admin")
DECISION_VALUES: tuple[str, ...] = ("present", "absent", "unsure")
# "assessment": one of the (two) blind assessors; "final": the reviewer's reconciled decision,
# or an answer key imported without an assessor.
DECISION_KINDS: tuple[str, ...] = ("assessment", "final")
DECISION_SOURCES: tuple[str, ...] = ("review", "api", "import")


class User(Base):
    """A person who logs in to the review app."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    role: Mapped[str] = mapped_column(String(20))  # ROLES
    password_hash: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Assignment(Base):
    """A portal given to an assessor (the app allows two per portal)."""

    __tablename__ = "assignments"
    __table_args__ = (UniqueConstraint("portal_id", "user_id", name="uq_assignments_portal_user"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    portal_id: Mapped[str] = mapped_column(String(200), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Decision(Base):
    """One human decision on one (portal, indicator); append-only (see the module docstring)."""

    __tablename__ = "decisions"
    __table_args__ = (Index("ix_decisions_portal_indicator", "portal_id", "indicator"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    portal_id: Mapped[str] = mapped_column(String(200))
    indicator: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(20))  # DECISION_KINDS
    value: Mapped[str] = mapped_column(String(20))  # DECISION_VALUES
    note: Mapped[str | None] = mapped_column(Text)
    evidence_url: Mapped[str | None] = mapped_column(Text)
    # The author: a user of the app, or (imports) a name from the answer key's `assessor` column.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    author: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(20))  # DECISION_SOURCES
    # What the author saw: the crawl run and its candidate at the time of the decision.
    run_id: Mapped[int | None] = mapped_column(Integer)
    candidate: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
