"""Initial crawl schema: portals, crawl runs, run portals, pages, page indicators, evidence, candidates.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None

# 64-bit ids on PostgreSQL; SQLite auto-increments only an INTEGER PRIMARY KEY.
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "crawl_runs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.Column("seeds_file", sa.Text(), nullable=True),
        sa.Column("max_pages", sa.Integer(), nullable=True),
        sa.Column("render_mode", sa.String(length=20), nullable=True),
        sa.Column("resumed_count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crawl_runs")),
    )
    op.create_index(op.f("ix_crawl_runs_status"), "crawl_runs", ["status"], unique=False)

    op.create_table(
        "portals",
        sa.Column("id", sa.String(length=200), nullable=False),
        sa.Column("country", sa.String(length=200), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("level", sa.String(length=50), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("languages", sa.JSON(), nullable=False),
        sa.Column("extra_hosts", sa.JSON(), nullable=False),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_portals")),
    )
    op.create_table(
        "pages",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("portal_id", sa.String(length=200), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("url_hash", sa.String(length=64), nullable=False),
        sa.Column("final_url", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=30), nullable=False),
        sa.Column("http_status", sa.Integer(), nullable=True),
        sa.Column("depth", sa.Integer(), nullable=False),
        sa.Column("rendered", sa.Boolean(), nullable=False),
        sa.Column("content_hash", sa.String(length=128), nullable=True),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("language", sa.String(length=20), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("html", sa.LargeBinary(), nullable=True),
        sa.Column("outlinks", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["portal_id"], ["portals.id"], name=op.f("fk_pages_portal_id_portals")),
        sa.ForeignKeyConstraint(["run_id"], ["crawl_runs.id"], name=op.f("fk_pages_run_id_crawl_runs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pages")),
        sa.UniqueConstraint("run_id", "portal_id", "url_hash", name="uq_pages_run_portal_url"),
    )
    op.create_index("ix_pages_run_portal_hash", "pages", ["run_id", "portal_id", "content_hash"], unique=False)
    op.create_index("ix_pages_run_portal_status", "pages", ["run_id", "portal_id", "status"], unique=False)

    op.create_table(
        "run_portals",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("portal_id", sa.String(length=200), nullable=False),
        sa.Column("seed_url", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["portal_id"], ["portals.id"], name=op.f("fk_run_portals_portal_id_portals")),
        sa.ForeignKeyConstraint(["run_id"], ["crawl_runs.id"], name=op.f("fk_run_portals_run_id_crawl_runs")),
        sa.PrimaryKeyConstraint("run_id", "portal_id", name=op.f("pk_run_portals")),
    )
    op.create_index(op.f("ix_run_portals_portal_id"), "run_portals", ["portal_id"], unique=False)

    op.create_table(
        "evidence",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("portal_id", sa.String(length=200), nullable=False),
        sa.Column("page_id", BIG_ID, nullable=False),
        sa.Column("indicator", sa.String(length=64), nullable=False),
        sa.Column("rule", sa.String(length=200), nullable=False),
        sa.Column("snippet", sa.Text(), nullable=False),
        sa.Column("locator", sa.Text(), nullable=False),
        sa.Column("target_url", sa.Text(), nullable=True),
        sa.Column("weight", sa.Float(), nullable=False),
        sa.Column("rendered", sa.Boolean(), nullable=False),
        sa.Column("depth", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["page_id"], ["pages.id"], name=op.f("fk_evidence_page_id_pages")),
        sa.ForeignKeyConstraint(["portal_id"], ["portals.id"], name=op.f("fk_evidence_portal_id_portals")),
        sa.ForeignKeyConstraint(["run_id"], ["crawl_runs.id"], name=op.f("fk_evidence_run_id_crawl_runs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence")),
    )
    op.create_index(op.f("ix_evidence_page_id"), "evidence", ["page_id"], unique=False)
    op.create_index("ix_evidence_run_portal_indicator", "evidence", ["run_id", "portal_id", "indicator"], unique=False)

    op.create_table(
        "page_indicators",
        sa.Column("page_id", BIG_ID, nullable=False),
        sa.Column("indicator", sa.String(length=64), nullable=False),
        sa.Column("present", sa.Boolean(), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["page_id"], ["pages.id"], name=op.f("fk_page_indicators_page_id_pages")),
        sa.PrimaryKeyConstraint("page_id", "indicator", name=op.f("pk_page_indicators")),
    )
    op.create_table(
        "candidates",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("portal_id", sa.String(length=200), nullable=False),
        sa.Column("indicator", sa.String(length=64), nullable=False),
        sa.Column("candidate", sa.Integer(), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("evidence_count", sa.Integer(), nullable=False),
        sa.Column("best_evidence_url", sa.Text(), nullable=True),
        sa.Column("best_evidence_id", BIG_ID, nullable=True),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["best_evidence_id"], ["evidence.id"], name=op.f("fk_candidates_best_evidence_id_evidence")
        ),
        sa.ForeignKeyConstraint(["portal_id"], ["portals.id"], name=op.f("fk_candidates_portal_id_portals")),
        sa.ForeignKeyConstraint(["run_id"], ["crawl_runs.id"], name=op.f("fk_candidates_run_id_crawl_runs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_candidates")),
        sa.UniqueConstraint("run_id", "portal_id", "indicator", name="uq_candidates_run_portal_indicator"),
    )
    op.create_index("ix_candidates_portal_run", "candidates", ["portal_id", "run_id"], unique=False)


def downgrade() -> None:
    # Migrations are forward-only: going back would drop stored crawls (and, later, decisions).
    raise NotImplementedError("portal-evidence migrations cannot be reversed; restore a backup instead")
