"""The `--db` option and opening the database, shared by the review-side commands."""

from __future__ import annotations

from typing import Any

import click

from portal_evidence.cli import BadInput

db_option = click.option(
    "--db", "db", default=None, help="SQLAlchemy URL [default: $PORTAL_EVIDENCE_DB or sqlite:///portal-evidence.db]."
)


def open_engine(db: str | None, *, create: bool = False) -> Any:
    """An upgraded engine for the resolved URL; an unusable or (create=False) missing database is exit 2."""
    from storage import DatabaseError, MissingDatabase, open_database, resolve_db_url

    url = resolve_db_url(db)
    try:
        return open_database(url, create=create)
    except MissingDatabase as exc:
        raise BadInput(f"{exc} (crawl first, or pass --db)") from None
    except DatabaseError as exc:
        raise BadInput(str(exc)) from None
