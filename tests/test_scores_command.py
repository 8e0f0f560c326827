"""`portal-evidence scores`: the contract's JSON and CSV shapes, the latest run of each portal,
empty databases, and exit code 2 for a database that cannot be used."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from detectors.model import INDICATORS
from portal_evidence.cli import cli
from storage.database import open_database
from storage.repository import finish_run, record_page, start_run
from storage.scoring import compute_candidates
from tests.storage_fixtures import *  # noqa: F403
from tests.storage_fixtures import make_item, make_seed

REPO = Path(__file__).resolve().parent.parent
KEYS = ["portal", "indicator", "candidate", "confidence", "evidence_count", "best_evidence_url"]
A = "https://www.a.example.gov"
B = "https://b.example.org"


def scores(url, *extra, env=None):
    result = CliRunner().invoke(cli, ["scores", "--db", url, *extra], env=env, catch_exceptions=False)
    return result


def _populate(url):
    """Run 1 crawls a and b; run 2 crawls a only (other results); run 3 (a) is killed before scoring."""
    engine = open_database(url)
    try:
        first = start_run(engine, [make_seed("a", url=f"{A}/"), make_seed("b", url=f"{B}/")])
        record_page(engine, first, make_item(f"{A}/", portal_id="a", present={"open_data": 0.7}))
        record_page(engine, first, make_item(f"{B}/", portal_id="b", status="http_error", http_status=503))
        compute_candidates(engine, first)
        finish_run(engine, first)
        second = start_run(engine, [make_seed("a", url=f"{A}/")])
        record_page(
            engine,
            second,
            make_item(f"{A}/apps", portal_id="a", depth=1, present={"mobile_app": 0.8}, evidence={"mobile_app": 2}),
        )
        record_page(engine, second, make_item(f"{A}/", portal_id="a", weak={"open_data": 0.3}))
        compute_candidates(engine, second)
        finish_run(engine, second)
        killed = start_run(engine, [make_seed("a", url=f"{A}/")])
        record_page(engine, killed, make_item(f"{A}/", portal_id="a", present={"social_media": 0.9}))
    finally:
        engine.dispose()


def test_scores_of_the_latest_run_of_each_portal_in_the_contract_shape(any_db_url):
    _populate(any_db_url)
    result = scores(any_db_url)
    assert result.exit_code == 0, result.output
    objects = json.loads(result.output)
    assert len(objects) == 18
    assert all(list(o) == KEYS for o in objects)
    assert [o["indicator"] for o in objects if o["portal"] == "a"] == list(INDICATORS)
    assert [o["indicator"] for o in objects if o["portal"] == "b"] == list(INDICATORS)
    by = {(o["portal"], o["indicator"]): o for o in objects}
    # portal a: run 2 (the killed run 3 has no scores yet)
    assert by[("a", "mobile_app")] == {
        "portal": "a",
        "indicator": "mobile_app",
        "candidate": 1,
        "confidence": 0.8,
        "evidence_count": 2,
        "best_evidence_url": f"{A}/apps",
    }
    assert by[("a", "open_data")]["candidate"] == 0
    assert by[("a", "open_data")]["confidence"] == 0.3
    assert by[("a", "social_media")]["candidate"] == 0
    # portal b was only in run 1, where it could not be reached
    assert {by[("b", i)]["candidate"] for i in INDICATORS} == {0}
    for o in objects:
        assert isinstance(o["candidate"], int) and o["candidate"] in (0, 1)
        assert isinstance(o["confidence"], float) and 0.0 <= o["confidence"] <= 1.0
        assert isinstance(o["evidence_count"], int)


def test_csv_has_the_same_columns_and_rows_as_json(sqlite_url):
    _populate(sqlite_url)
    objects = json.loads(scores(sqlite_url).output)
    result = scores(sqlite_url, "--format", "csv")
    assert result.exit_code == 0
    reader = csv.DictReader(io.StringIO(result.output))
    assert reader.fieldnames == KEYS
    rows = list(reader)
    assert len(rows) == len(objects)
    for row, obj in zip(rows, objects, strict=True):
        assert row["portal"] == obj["portal"] and row["indicator"] == obj["indicator"]
        assert int(row["candidate"]) == obj["candidate"]
        assert float(row["confidence"]) == obj["confidence"]
        assert int(row["evidence_count"]) == obj["evidence_count"]
        assert (row["best_evidence_url"] or None) == obj["best_evidence_url"]


def test_an_empty_database_gives_an_empty_list(any_db_url):
    open_database(any_db_url).dispose()
    result = scores(any_db_url)
    assert (result.exit_code, json.loads(result.output)) == (0, [])
    csv_result = scores(any_db_url, "--format", "csv")
    assert csv_result.output.splitlines() == [",".join(KEYS)]


def test_a_database_file_that_does_not_exist_gives_an_empty_list_and_is_not_created(tmp_path):
    path = tmp_path / "never-crawled.db"
    result = scores(f"sqlite:///{path}")
    assert (result.exit_code, json.loads(result.output)) == (0, [])
    assert not path.exists()


def test_the_database_comes_from_the_environment_without_db_option(sqlite_url):
    _populate(sqlite_url)
    result = CliRunner().invoke(cli, ["scores"], env={"PORTAL_EVIDENCE_DB": sqlite_url})
    assert result.exit_code == 0
    assert len(json.loads(result.output)) == 18


def test_the_default_database_is_in_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PORTAL_EVIDENCE_DB", raising=False)
    _populate("sqlite:///portal-evidence.db")
    result = CliRunner().invoke(cli, ["scores"])
    assert len(json.loads(result.output)) == 18


@pytest.mark.parametrize(
    "url",
    ["nosuchdb://x/y", "not a url", "postgresql+psycopg://user:pw@127.0.0.1:9/none", "sqlite:////no/such/dir/x.db"],
)
def test_an_unusable_database_is_exit_code_2_with_one_line(url):
    proc = subprocess.run(
        [sys.executable, "-m", "portal_evidence", "scores", "--db", url],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2, proc.stderr
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in proc.stderr
    assert "pw@" not in proc.stderr


def test_a_bad_format_is_a_usage_error(sqlite_url):
    result = CliRunner().invoke(cli, ["scores", "--db", sqlite_url, "--format", "xml"])
    assert result.exit_code == 2
