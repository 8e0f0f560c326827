"""Opening databases: migrations from empty on SQLite and PostgreSQL, the default URL rule,
SQLite connection settings, and a clear DatabaseError for every database that cannot be used."""

from __future__ import annotations

import sqlite3
import time

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text

from storage.database import (
    DEFAULT_URL,
    ENV_VAR,
    alembic_config,
    describe_url,
    open_database,
    resolve_db_url,
    schema_tables,
)
from storage.errors import DatabaseError, MissingDatabase
from storage.models import Base
from tests.storage_fixtures import *  # noqa: F403

CRAWL_TABLES = {"portals", "crawl_runs", "run_portals", "pages", "page_indicators", "evidence", "candidates"}


def _head() -> str:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def test_migrations_create_every_table_from_empty(any_db_url):
    engine = open_database(any_db_url)
    try:
        assert CRAWL_TABLES | {"alembic_version"} <= schema_tables(engine)
        with engine.connect() as conn:
            assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == _head()
    finally:
        engine.dispose()


def test_models_and_migrations_agree(any_db_url):
    # A model change without a migration would show up here as a difference.
    engine = open_database(any_db_url)
    try:
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
        assert diff == []
    finally:
        engine.dispose()


def test_opening_twice_keeps_data(any_db_url):
    engine = open_database(any_db_url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO crawl_runs (started_at, status, settings, resumed_count) "
                "VALUES (CURRENT_TIMESTAMP, 'finished', '{}', 0)"
            )
        )
    engine.dispose()
    engine = open_database(any_db_url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM crawl_runs")).scalar_one() == 1
    engine.dispose()


def test_migrations_do_not_depend_on_the_working_directory(tmp_path, monkeypatch):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    engine = open_database("sqlite:///relative.db")
    assert schema_tables(engine) >= CRAWL_TABLES
    engine.dispose()
    assert (elsewhere / "relative.db").is_file()


def test_resolve_db_url_option_then_environment_then_default(monkeypatch):
    monkeypatch.delenv(ENV_VAR, raising=False)
    assert resolve_db_url(None) == DEFAULT_URL == "sqlite:///portal-evidence.db"
    monkeypatch.setenv(ENV_VAR, "sqlite:///from-env.db")
    assert resolve_db_url(None) == "sqlite:///from-env.db"
    assert resolve_db_url("sqlite:///from-option.db") == "sqlite:///from-option.db"
    monkeypatch.setenv(ENV_VAR, "  ")
    assert resolve_db_url("") == DEFAULT_URL


def test_sqlite_connections_use_wal_foreign_keys_and_a_busy_timeout(sqlite_url):
    engine = open_database(sqlite_url)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 1000
    engine.dispose()


def test_foreign_keys_are_enforced(any_db_url):
    engine = open_database(any_db_url)
    with pytest.raises(Exception) as info, engine.begin() as conn:
        conn.execute(
            text("INSERT INTO run_portals (run_id, portal_id, seed_url) VALUES (999, 'nobody', 'https://x.example/')")
        )
    assert "foreign" in str(info.value).lower()
    engine.dispose()


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("not a url", "unknown database URL"),
        ("nosuchdb://host/name", "unknown database type"),
        ("mysql://user@127.0.0.1/db", "driver missing"),
    ],
)
def test_unusable_urls_raise_database_error(url, words):
    with pytest.raises(DatabaseError, match=words):
        open_database(url)


def test_missing_folder_is_a_database_error(tmp_path):
    with pytest.raises(DatabaseError, match="does not exist"):
        open_database(f"sqlite:///{tmp_path / 'no' / 'such' / 'dir.db'}")


def test_a_file_that_is_not_a_database_is_refused_and_left_alone(tmp_path):
    path = tmp_path / "notes.db"
    path.write_text("these are my notes, not a database\n" * 50)
    with pytest.raises(DatabaseError, match="cannot open database"):
        open_database(f"sqlite:///{path}")
    assert path.read_text().startswith("these are my notes")


def test_create_false_refuses_to_make_a_new_sqlite_file(tmp_path):
    path = tmp_path / "absent.db"
    with pytest.raises(MissingDatabase):
        open_database(f"sqlite:///{path}", create=False)
    assert not path.exists()


def test_unreachable_postgresql_fails_fast_without_showing_the_password():
    started = time.monotonic()
    with pytest.raises(DatabaseError) as info:
        # Port 9 (discard) on loopback: nothing listens there, the connection is refused at once.
        open_database("postgresql+psycopg://someone:s3cret@127.0.0.1:9/nothing")
    assert time.monotonic() - started < 15
    assert "s3cret" not in str(info.value)
    assert "***" in str(info.value)


def test_a_schema_newer_than_this_program_is_refused(sqlite_url):
    engine = open_database(sqlite_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999_from_the_future'"))
    engine.dispose()
    with pytest.raises(DatabaseError, match="unknown to this version"):
        open_database(sqlite_url)


def test_describe_url_masks_passwords():
    assert describe_url("postgresql+psycopg://u:pw@h/d") == "postgresql+psycopg://u:***@h/d"


def test_sqlite_file_is_readable_by_plain_sqlite3(sqlite_url):
    # The embedded database is an ordinary SQLite file that other tools can open.
    open_database(sqlite_url).dispose()
    path = sqlite_url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as conn:
        names = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert names >= CRAWL_TABLES


def test_every_storage_package_is_shipped_by_pyproject():
    # Without storage.migrations(.versions) in the package list an installed copy has no migrations.
    import tomllib
    from pathlib import Path

    repo = Path(__file__).resolve().parent.parent
    declared = set(tomllib.loads((repo / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {
        ".".join(init.parent.relative_to(repo).parts)
        for folder in ("storage", "pipelines")
        for init in (repo / folder).rglob("__init__.py")
    }
    assert found <= declared
