"""`portal-evidence export`: one row per (portal, indicator) with candidate, evidence, decisions and
UN feature codes, as CSV, JSON and XLSX; spreadsheet formulas from web text stay text."""

from __future__ import annotations

import csv
import io
import json

from click.testing import CliRunner
from openpyxl import load_workbook

from detectors.model import INDICATORS
from portal_evidence.cli import cli
from review.catalogue import catalogue
from review.export import COLUMNS
from review.fixtures import HOSTILE_PORTAL
from review.store import authenticate, record_decision
from review.testing import demo_database


def run(*args):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def prepared(tmp_path):
    engine, url = demo_database(tmp_path, portals=3)
    ana = authenticate(engine, "ana", "assessor-one-password")
    ben = authenticate(engine, "ben", "assessor-two-password")
    rita = authenticate(engine, "rita", "reviewer-password")
    record_decision(engine, ana, "fr-nat-000", "open_data", "present", note="=HYPERLINK(\"http://x\")")
    record_decision(engine, ben, "fr-nat-000", "open_data", "absent")
    record_decision(engine, rita, "fr-nat-000", "open_data", "present")
    record_decision(engine, ana, "fr-nat-000", "mobile_app", "absent")
    return engine, url


def test_json_rows(tmp_path):
    _engine, url = prepared(tmp_path)
    rows = json.loads(run("export", "--db", url, "--format", "json").output)
    portals = {r["portal"] for r in rows}
    assert len(rows) == 9 * len(portals) == 9 * 4  # three portals and the hostile one
    assert [r["indicator"] for r in rows[:9]] == list(INDICATORS)
    by_key = {(r["portal"], r["indicator"]): r for r in rows}
    od = by_key[("fr-nat-000", "open_data")]
    assert od["un_features"] == list(catalogue()["open_data"].un_features) == ["#236", "#237", "#037", "#303", "#038"]
    assert od["decision"] == "present" and od["decision_state"] == "final" and od["final_decision"] == "present"
    assert [(a["assessor"], a["value"]) for a in od["assessments"]] == [("ana", "present"), ("ben", "absent")]
    assert od["decision_count"] == 3 and od["run_id"] == 2
    assert by_key[("fr-nat-000", "mobile_app")]["decision_state"] == "single"
    for row in rows:
        assert set(row) == set(COLUMNS)
        assert len(row["top_snippets"]) <= 3
        if row["status"] == "found":
            assert row["evidence_count"] > 0 and row["top_snippets"] and row["best_evidence_url"]


def test_csv_and_formula_cells(tmp_path):
    _engine, url = prepared(tmp_path)
    text = run("export", "--db", url).output
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0]) == list(COLUMNS) and len(rows) == 36
    od = next(r for r in rows if r["portal"] == "fr-nat-000" and r["indicator"] == "open_data")
    assert od["assessments"] == "ana=present; ben=absent"
    assert od["un_features"] == "#236 #237 #037 #303 #038"
    assert od["notes"] == 'ana: =HYPERLINK("http://x")'  # does not start with "=": unchanged
    hostile = [r for r in rows if r["portal"] == HOSTILE_PORTAL]
    assert all(not cell.startswith(("=", "+", "@")) for r in rows for cell in r.values())
    assert hostile and "<script>" in hostile[0]["top_snippets"]


def test_xlsx_holds_text_not_formulas(tmp_path):
    _engine, url = prepared(tmp_path)
    target = tmp_path / "out" / "review.xlsx"
    assert run("export", "--db", url, "--format", "xlsx", "-o", str(target)).exit_code == 2  # no folder
    target.parent.mkdir()
    result = run("export", "--db", url, "--format", "xlsx", "-o", str(target))
    assert result.exit_code == 0, result.output
    sheet = load_workbook(target).active
    header = [c.value for c in sheet[1]]
    assert header == list(COLUMNS)
    assert sheet.max_row == 37
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            assert cell.data_type != "f"
    assert run("export", "--db", url, "--format", "xlsx").exit_code == 2  # xlsx needs --output


def test_formula_like_snippets_are_neutralised_in_csv(tmp_path):
    from review.export import to_csv

    row = {name: None for name in COLUMNS}
    row.update(
        portal="p", indicator="open_data", un_features=[], assessments=[], notes=[],
        top_snippets=["=cmd|' /C calc'!A0"], portal_name="+SUM(1,2)",
    )
    parsed = next(csv.DictReader(io.StringIO(to_csv([row]))))
    assert parsed["top_snippets"] == "'=cmd|' /C calc'!A0"
    assert parsed["portal_name"] == "'+SUM(1,2)"
