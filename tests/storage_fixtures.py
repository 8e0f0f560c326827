"""Database fixtures and value builders for the storage, pipeline and scores tests.

Import them explicitly in a test module (`from tests.storage_fixtures import *`); they are not
in conftest.py. Every test gets a fresh database: a SQLite file in `tmp_path`, or a new database
on a real PostgreSQL server. The server is the one named by $PORTAL_EVIDENCE_TEST_PG_URL (its
user must be allowed to create databases), or else a throw-away cluster that
`scripts/start-postgres.sh` starts once per test session and removes at the end. Without
PostgreSQL's server binaries the PostgreSQL variants are skipped with the reason, except when
$CI or $PORTAL_EVIDENCE_REQUIRE_PG is set: then they fail, so CI cannot pass without them.
"""

from __future__ import annotations

import atexit
import os
import subprocess
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from crawler.items import PageItem
from detectors.model import INDICATORS, Evidence, IndicatorResult, PageResult
from storage.database import open_database

REPO = Path(__file__).resolve().parent.parent
START_SCRIPT = REPO / "scripts" / "start-postgres.sh"
PG_ENV = "PORTAL_EVIDENCE_TEST_PG_URL"

__all__ = ["any_db_url", "engine", "pg_server_url", "pg_url", "sqlite_url"]

try:  # the real seed value type when it exists; the same shape otherwise
    from seeds.loader import Seed
except ImportError:  # pragma: no cover - only before seeds/loader.py lands

    @dataclass(frozen=True)
    class Seed:  # type: ignore[no-redef]
        id: str
        country: str
        name: str
        level: str
        url: str
        languages: tuple[str, ...] = ()
        extra_hosts: tuple[str, ...] = ()
        source: str | None = None


# -- PostgreSQL ------------------------------------------------------------------------------------


def _pg_required() -> bool:
    return bool(os.environ.get("CI") or os.environ.get("PORTAL_EVIDENCE_REQUIRE_PG"))


# One throw-away cluster per test process. Each module that star-imports these fixtures gets its
# own copy of the session fixture, so the cluster itself is kept here and stopped at exit.
_cluster: dict[str, str] = {}


def _start_cluster() -> str:
    if "url" in _cluster:
        return _cluster["url"]
    if "skip" in _cluster:
        pytest.skip(_cluster["skip"])
    proc = subprocess.run([str(START_SCRIPT)], capture_output=True, text=True, timeout=120)
    if proc.returncode == 3:  # the script's code for "no PostgreSQL binaries / no postgres user"
        reason = f"PostgreSQL not available: {proc.stderr.strip()}"
        if _pg_required():
            pytest.fail(reason)
        _cluster["skip"] = reason
        pytest.skip(reason)
    if proc.returncode != 0:
        pytest.fail(f"start-postgres.sh failed ({proc.returncode}): {proc.stderr.strip()[-2000:]}")
    data_dir = proc.stderr.split("cluster in ", 1)[1].split(" on ", 1)[0]
    atexit.register(subprocess.run, [str(START_SCRIPT), "--stop", data_dir], capture_output=True, timeout=60)
    _cluster["url"] = proc.stdout.strip().splitlines()[-1]
    return _cluster["url"]


@pytest.fixture(scope="session")
def pg_server_url() -> str:
    """URL of a PostgreSQL database on a server the tests may create databases on."""
    return os.environ.get(PG_ENV) or _start_cluster()


@pytest.fixture
def pg_url(pg_server_url: str) -> Iterator[str]:
    """A new, empty PostgreSQL database for one test (dropped afterwards)."""
    import psycopg

    server = make_url(pg_server_url)
    name = f"pe_test_{uuid.uuid4().hex[:12]}"
    admin = server.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'portal-evidence.db'}"


@pytest.fixture(params=["sqlite", "postgresql"])
def any_db_url(request: pytest.FixtureRequest) -> str:
    """Each test using this runs twice: on SQLite and on PostgreSQL."""
    return request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url")


@pytest.fixture
def engine(any_db_url: str) -> Iterator[Engine]:
    eng = open_database(any_db_url)
    try:
        yield eng
    finally:
        eng.dispose()


# -- value builders --------------------------------------------------------------------------------


def make_seed(seed_id: str = "ex", url: str = "https://www.example.gov/", **fields: object) -> Seed:
    values: dict[str, object] = {
        "id": seed_id,
        "country": "Exampleland",
        "name": f"Portal {seed_id}",
        "level": "national",
        "url": url,
        "languages": ("en",),
        "extra_hosts": (),
        "source": "tests",
    }
    values.update(fields)
    return Seed(**values)  # type: ignore[arg-type]


def make_result(
    url: str,
    present: Mapping[str, float] | None = None,
    weak: Mapping[str, float] | None = None,
    evidence: Mapping[str, int] | None = None,
    rendered: bool = False,
) -> PageResult:
    """A detector result: `present` ids with their confidence, `weak` ids with a confidence but not
    present, `evidence` = how many evidence items per id (default: 1 for each present/weak id)."""
    present = dict(present or {})
    weak = dict(weak or {})
    counts = dict(evidence or {})
    indicators = {}
    for indicator in INDICATORS:
        is_present = indicator in present
        confidence = present.get(indicator, weak.get(indicator, 0.0))
        n = counts.get(indicator, 1 if (is_present or indicator in weak) else 0)
        hits = tuple(
            Evidence(
                indicator=indicator,
                rule=f"{indicator}.rule{k}",
                snippet=f"{indicator} snippet {k}",
                locator=f"main > p:nth-of-type({k + 1})",
                target_url=None,
                weight=round(confidence - 0.1 * k, 3),
            )
            for k in range(n)
        )
        indicators[indicator] = IndicatorResult(indicator, is_present, confidence, hits)
    return PageResult(url=url, language="en", indicators=indicators, rendered=rendered)


def make_item(
    url: str,
    *,
    portal_id: str = "ex",
    status: str = "ok",
    depth: int = 0,
    present: Mapping[str, float] | None = None,
    weak: Mapping[str, float] | None = None,
    evidence: Mapping[str, int] | None = None,
    content_hash: str | None = None,
    final_url: str | None = None,
    outlinks: list[str] | None = None,
    html: str | None = "<html><body>page</body></html>",
    rendered: bool = False,
    http_status: int | None = None,
    note: str | None = None,
    title: str | None = "A page",
) -> PageItem:
    ok = status == "ok"
    return PageItem(
        portal_id=portal_id,
        url=url,
        final_url=final_url or url,
        status=status,
        depth=depth,
        http_status=http_status if http_status is not None else (200 if ok else None),
        rendered=rendered,
        content_hash=content_hash if content_hash is not None else (f"hash-of-{url}" if ok else None),
        title=title,
        language="en",
        note=note,
        result=make_result(final_url or url, present, weak, evidence, rendered) if ok else None,
        html=html if ok else None,
        outlinks=list(outlinks or []),
        fetched_at=datetime(2026, 11, 23, 12, 0, tzinfo=UTC),
    )
