"""`portal-evidence validate`: the contract's JSON, reproduced by an independent scorer written here
from the `scores` output and the answer key; decisions from the review tables or `--truth`."""

from __future__ import annotations

import json
import random

import pytest
from click.testing import CliRunner

from detectors.model import INDICATORS
from portal_evidence.cli import cli
from review.store import assign, authenticate, create_user, record_decision
from storage.database import open_database
from storage.repository import finish_run, record_page, start_run
from storage.scoring import compute_candidates
from tests.storage_fixtures import make_item, make_seed

PORTALS = [f"p{n:02d}" for n in range(12)]


def run(*args):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture
def crawled(tmp_path):
    """Twelve portals crawled through the storage layer, each with a random set of indicators."""
    url = f"sqlite:///{tmp_path / 'v.db'}"
    engine = open_database(url)
    rng = random.Random(5)
    seeds = [make_seed(p, url=f"https://{p}.example.gov/") for p in PORTALS]
    run_id = start_run(engine, seeds)
    for portal in PORTALS:
        present = {i: 0.9 for i in INDICATORS if rng.random() < 0.5}
        record_page(engine, run_id, make_item(f"https://{portal}.example.gov/", portal_id=portal, present=present))
    compute_candidates(engine, run_id)
    finish_run(engine, run_id)
    yield engine, url, tmp_path
    engine.dispose()


def answer_key(path, rng, portals, extra=()):
    lines = ["portal,indicator,present"]
    truth = {}
    for portal in portals:
        for indicator in INDICATORS:
            value = rng.random() < 0.5
            truth[(portal, indicator)] = value
            lines.append(f"{portal},{indicator},{int(value)}")
    for portal, indicator, value in extra:
        truth[(portal, indicator)] = value
        lines.append(f"{portal},{indicator},{int(value)}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return truth


def independent(truth, url):
    """Counts and F1 computed without the project's scorer."""
    scores = json.loads(run("scores", "--db", url).output)
    predicted = {(s["portal"], s["indicator"]): s["candidate"] == 1 for s in scores}
    out = {}
    for indicator in INDICATORS:
        tp = fp = fn = tn = 0
        for (portal, ind), actual in truth.items():
            if ind != indicator:
                continue
            guess = predicted.get((portal, ind), False)
            tp += actual and guess
            fp += (not actual) and guess
            fn += actual and not guess
            tn += (not actual) and not guess
        f1 = 2 * tp / (2 * tp + fp + fn) if (2 * tp + fp + fn) else None
        out[indicator] = (tp, fp, fn, tn, f1)
    return out


def check_against(report, expected, decisions):
    assert report["decisions"] == decisions
    assert list(report["indicators"]) == list(INDICATORS)
    for indicator, (tp, fp, fn, tn, f1) in expected.items():
        got = report["indicators"][indicator]
        assert (got["tp"], got["fp"], got["fn"], got["tn"]) == (tp, fp, fn, tn), indicator
        assert got["n"] == tp + fp + fn + tn
        assert got["f1"] == f1  # exactly: the same formula, full precision
        assert set(got) >= {"precision", "recall", "kappa", "precision_ci", "recall_ci", "f1_ci", "kappa_ci"}
    defined = [v[4] for v in expected.values() if v[4] is not None]
    assert report["macro_f1"] == pytest.approx(sum(defined) / len(defined), abs=1e-6)


def test_imported_answer_key_and_truth_file_match_an_independent_scorer(crawled):
    _engine, url, folder = crawled
    key = folder / "key.csv"
    # The held-out portal was never crawled: decision without candidate counts as candidate 0.
    truth = answer_key(key, random.Random(11), PORTALS, extra=[("held-out", "open_data", True)])
    expected = independent(truth, url)
    assert expected["open_data"][2] >= 1  # the held-out pair is a false negative
    by_truth = json.loads(run("validate", "--db", url, "--truth", str(key)).output)
    check_against(by_truth, expected, len(truth))
    assert by_truth["without_candidate"] == 1 and by_truth["source"] == "truth:key.csv"
    result = run("decisions", "import", str(key), "--db", url, "--allow-unknown-portals")
    assert result.exit_code == 0, result.output
    imported = json.loads(run("validate", "--db", url).output)
    check_against(imported, expected, len(truth))
    assert imported["indicators"] == by_truth["indicators"]
    text = run("validate", "--db", url, "--format", "text").output
    assert "macro-F1" in text and "open_data" in text


def test_review_decisions_rule_unsure_and_disagreements(crawled):
    engine, url, _folder = crawled
    for name in ("ana", "ben"):
        create_user(engine, name, "assessor", f"{name}-password")
    create_user(engine, "rita", "reviewer", "rita-password")
    for portal in PORTALS[:3]:
        assign(engine, portal, "ana")
        assign(engine, portal, "ben")
    ana = authenticate(engine, "ana", "ana-password")
    ben = authenticate(engine, "ben", "ben-password")
    rita = authenticate(engine, "rita", "rita-password")
    p0, p1, p2 = PORTALS[:3]
    record_decision(engine, ana, p0, "open_data", "present")  # single assessor: verified
    record_decision(engine, ana, p1, "open_data", "present")  # agreement: verified
    record_decision(engine, ben, p1, "open_data", "present")
    record_decision(engine, ana, p2, "open_data", "present")  # open disagreement: excluded
    record_decision(engine, ben, p2, "open_data", "absent")
    record_decision(engine, ana, p0, "mobile_app", "absent")  # disagreement reconciled: final counts
    record_decision(engine, ben, p0, "mobile_app", "present")
    record_decision(engine, rita, p0, "mobile_app", "present")
    record_decision(engine, ana, p1, "mobile_app", "unsure")  # unsure: excluded, counted
    report = json.loads(run("validate", "--db", url).output)
    assert report["decisions"] == 3
    assert report["excluded"] == {"unsure": 1, "disagreement": 1}
    assert report["indicators"]["open_data"]["n"] == 2 and report["indicators"]["mobile_app"]["n"] == 1
    pairs = report["inter_assessor"]["pairs"]
    assert len(pairs) == 1 and pairs[0]["assessors"] == ["ana", "ben"]
    # ana/ben both decided present/absent on: p1 open_data (agree), p2 open_data, p0 mobile_app (disagree).
    assert (pairs[0]["n"], pairs[0]["agree"], pairs[0]["disagree"]) == (3, 1, 2)
    assert "final" in report["rule"] and "unsure" in report["rule"]


def test_bad_inputs(crawled, tmp_path):
    _engine, url, _folder = crawled
    bad = tmp_path / "bad.csv"
    bad.write_text("portal,indicator,present\np00,nope,1\np00,open_data,x\n", encoding="utf-8")
    result = run("validate", "--db", url, "--truth", str(bad))
    assert result.exit_code == 2 and "line 2" in result.output and "line 3" in result.output
    extra = tmp_path / "a.csv"
    extra.write_text("portal,indicator,present,assessor,country\np00,open_data,1,ana,X\n", encoding="utf-8")
    ignored = run("validate", "--db", url, "--truth", str(extra))
    assert ignored.exit_code == 0 and "ignored column(s) assessor, country" in ignored.output
    missing = run("validate", "--db", f"sqlite:///{tmp_path / 'none.db'}")
    assert missing.exit_code == 2
    unknown = run("validate", "--db", "nosuchdb://x")
    assert unknown.exit_code == 2


def test_empty_review_gives_null_metrics(crawled):
    _engine, url, _folder = crawled
    report = json.loads(run("validate", "--db", url).output)
    assert report["decisions"] == 0 and report["macro_f1"] is None
    assert all(v["n"] == 0 and v["f1"] is None and v["kappa"] is None for v in report["indicators"].values())
