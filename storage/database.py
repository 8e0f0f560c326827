"""Opening a database by URL: the contract's default, engine options per backend, and the
Alembic upgrade that brings any database to the current schema before it is used.

Every failure to open becomes `storage.errors.DatabaseError` with a one-line reason (the
password of the URL is never shown), which the CLI turns into exit code 2.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError

from storage.errors import DatabaseError, MissingDatabase

ENV_VAR = "PORTAL_EVIDENCE_DB"
DEFAULT_URL = "sqlite:///portal-evidence.db"
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 30_000


def resolve_db_url(option_value: str | None) -> str:
    """The contract's rule: the `--db` option, else $PORTAL_EVIDENCE_DB, else the embedded default."""
    if option_value:
        return option_value
    from_env = os.environ.get(ENV_VAR, "").strip()
    return from_env or DEFAULT_URL


def describe_url(url: str | URL) -> str:
    """The URL as it may be shown to a person: with the password masked."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return str(url)


def open_database(url: str, *, create: bool = True, upgrade: bool = True) -> Engine:
    """An engine for `url`, with the schema upgraded to the latest migration.

    `create=False` refuses (MissingDatabase) to make a new SQLite file, for commands that only read.
    """
    parsed = _parse(url)
    if parsed.get_backend_name() == "sqlite":
        _check_sqlite_path(parsed, create=create)
    engine = _create_engine(parsed)
    try:
        with engine.connect() as connection:
            if upgrade:
                _upgrade(connection)
            connection.commit()
    except DatabaseError:
        engine.dispose()
        raise
    except (SQLAlchemyError, OSError) as exc:
        engine.dispose()
        raise DatabaseError(f"cannot open database {describe_url(parsed)}: {_first_line(exc)}") from exc
    return engine


def _parse(url: str) -> URL:
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError) as exc:
        raise DatabaseError(f"unknown database URL {url!r}: {_first_line(exc)}") from exc
    try:
        parsed.get_dialect()
    except NoSuchModuleError as exc:
        raise DatabaseError(f"unknown database type in {describe_url(parsed)}: {_first_line(exc)}") from exc
    except ImportError as exc:
        raise DatabaseError(f"database driver missing for {describe_url(parsed)}: {_first_line(exc)}") from exc
    return parsed


def _check_sqlite_path(url: URL, *, create: bool) -> None:
    database = url.database or ""
    if database in ("", ":memory:") or database.startswith("file:"):
        return
    path = Path(database)
    if not path.parent.is_dir():
        raise DatabaseError(f"cannot open database {describe_url(url)}: folder {path.parent} does not exist")
    if not create and not path.exists():
        raise MissingDatabase(f"no database file at {path}")


def _create_engine(url: URL) -> Engine:
    kwargs: dict[str, Any] = {"future": True}
    backend = url.get_backend_name()
    if backend == "postgresql":
        kwargs["pool_pre_ping"] = True
        if url.get_driver_name() in ("psycopg", "psycopg2") and "connect_timeout" not in url.query:
            # Fail fast (and clearly) on an unreachable server instead of waiting for the OS timeout.
            kwargs["connect_args"] = {"connect_timeout": 10}
    try:
        engine = create_engine(url, **kwargs)
    except ImportError as exc:
        raise DatabaseError(f"database driver missing for {describe_url(url)}: {_first_line(exc)}") from exc
    except (ArgumentError, TypeError) as exc:
        raise DatabaseError(f"bad database URL {describe_url(url)}: {_first_line(exc)}") from exc
    if backend == "sqlite":
        event.listen(engine, "connect", _sqlite_on_connect)
    return engine


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets the review app read while a crawl writes; NORMAL sync is durable against a killed
    # process (only an OS crash can lose the last commits); foreign keys are off by default in SQLite.
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
    finally:
        cursor.close()


def alembic_config(connection: Any | None = None) -> Any:
    """An Alembic Config built in code (no alembic.ini, no dependence on the working directory)."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def _upgrade(connection: Any) -> None:
    from alembic import command
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    if connection.dialect.name == "postgresql":
        # Two workers opening a fresh database at once must not both create the tables.
        connection.exec_driver_sql("SELECT pg_advisory_xact_lock(7263545210)")
    config = alembic_config(connection)
    script = ScriptDirectory.from_config(config)
    heads = set(script.get_heads())
    current = set(MigrationContext.configure(connection).get_current_heads())
    unknown = current - {rev.revision for rev in script.walk_revisions()}
    if unknown:
        raise DatabaseError(
            f"database schema revision {', '.join(sorted(unknown))} is unknown to this version of "
            "portal-evidence (made by a newer version?)"
        )
    if current != heads:
        command.upgrade(config, "heads")


def schema_tables(engine: Engine) -> set[str]:
    """Names of the tables in the database (for checks and tests)."""
    return set(inspect(engine).get_table_names())


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
