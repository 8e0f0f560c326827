"""Storage of crawl results: SQLAlchemy 2 models, Alembic migrations, writing and scoring.

Public entry points (import from here):
- `resolve_db_url(option)`, `open_database(url)` -> Engine (schema upgraded to the latest migration);
- runs and pages: `start_run`, `resume_run`, `latest_unfinished_run`, `finish_run`, `record_page`,
  `upsert_portals`, `resume_state`;
- scoring: `compute_candidates(engine, run_id)`, the pure `score_portal`;
- reading: `latest_scores(engine)`.
Failures to open a database raise `DatabaseError` (exit code 2 in the CLI).
"""

from __future__ import annotations

from storage.database import DEFAULT_URL, ENV_VAR, describe_url, open_database, resolve_db_url
from storage.errors import DatabaseError, MissingDatabase, UnknownRun
from storage.queries import ScoreRow, latest_scores
from storage.repository import (
    PortalResumeState,
    RecordOutcome,
    RunInfo,
    fetched_urls,
    finish_run,
    get_run,
    latest_unfinished_run,
    list_runs,
    page_html,
    record_page,
    resume_run,
    resume_state,
    start_run,
    stored_outlinks,
    upsert_portals,
)
from storage.scoring import CandidateScore, compute_candidates, own_web_matcher, score_portal

__all__ = [
    "DEFAULT_URL",
    "ENV_VAR",
    "CandidateScore",
    "DatabaseError",
    "MissingDatabase",
    "PortalResumeState",
    "RecordOutcome",
    "RunInfo",
    "ScoreRow",
    "UnknownRun",
    "compute_candidates",
    "describe_url",
    "fetched_urls",
    "finish_run",
    "get_run",
    "latest_scores",
    "latest_unfinished_run",
    "list_runs",
    "open_database",
    "own_web_matcher",
    "page_html",
    "record_page",
    "resolve_db_url",
    "resume_run",
    "resume_state",
    "score_portal",
    "start_run",
    "stored_outlinks",
    "upsert_portals",
]
