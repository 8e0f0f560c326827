"""Review data rules: the verdict rule, users and assignments, and decisions that survive
re-crawls, re-opened (migrated) databases and a refused downgrade."""

from __future__ import annotations

import pytest
from alembic import command as alembic_command
from sqlalchemy import select

from review.store import (
    ReviewError,
    UserInfo,
    assign,
    authenticate,
    create_user,
    portal_page,
    record_decision,
)
from review.testing import decision_count, demo_database
from review.verdicts import DecisionRow, verdict
from storage.database import alembic_config, open_database
from storage.decisions import Decision, User
from storage.repository import finish_run, record_page, start_run
from storage.scoring import compute_candidates
from tests.storage_fixtures import make_item, make_seed


def rows(*items):
    return [DecisionRow(i, kind, author, value) for i, (kind, author, value) in enumerate(items, start=1)]


def test_verdict_rule():
    assert verdict([]).state == "none"
    single = verdict(rows(("assessment", "ana", "present")))
    assert (single.state, single.value, single.present) == ("single", "present", True)
    agreed = verdict(rows(("assessment", "ana", "absent"), ("assessment", "ben", "absent")))
    assert (agreed.state, agreed.present) == ("agreed", False)
    split = verdict(rows(("assessment", "ana", "present"), ("assessment", "ben", "absent")))
    assert (split.state, split.value, split.present) == ("disagreement", None, None)
    # Only the latest decision of each author counts: ana changed her mind, now they agree.
    changed = verdict(rows(("assessment", "ana", "present"), ("assessment", "ben", "absent"), ("assessment", "ana", "absent")))
    assert (changed.state, changed.value) == ("agreed", "absent")
    # A final decision wins, the latest final one.
    final = verdict(rows(("assessment", "ana", "present"), ("final", "rita", "present"), ("final", "rita", "absent")))
    assert (final.state, final.value) == ("final", "absent")
    unsure = verdict(rows(("assessment", "ana", "unsure"), ("assessment", "ben", "unsure")))
    assert (unsure.state, unsure.value, unsure.present) == ("agreed", "unsure", None)
    assert verdict(rows(("assessment", "ana", "unsure"), ("assessment", "ben", "present"))).state == "disagreement"


def test_users_and_passwords(tmp_path):
    engine = open_database(f"sqlite:///{tmp_path / 'u.db'}")
    user = create_user(engine, "ana", "assessor", "long-enough")
    assert authenticate(engine, "ana", "long-enough") == user
    assert authenticate(engine, "ana", "long-enougH") is None
    assert authenticate(engine, "nobody", "long-enough") is None
    with engine.connect() as conn:
        stored = conn.execute(select(User.password_hash)).scalar_one()
    assert stored.startswith("$argon2") and "long-enough" not in stored
    for name, role, password, message in [
        ("ana", "assessor", "long-enough", "already exists"),
        ("bad name", "assessor", "long-enough", "user name"),
        ("x", "boss", "long-enough", "role"),
        ("y", "reviewer", "short", "at least 8"),
    ]:
        with pytest.raises(ReviewError, match=message):
            create_user(engine, name, role, password)


def test_assignment_rules(tmp_path):
    engine, _ = demo_database(tmp_path, portals=2)  # every portal already has ana and ben
    create_user(engine, "carl", "assessor", "carl-password")
    portal = "fr-nat-000"
    with pytest.raises(ReviewError, match="already has 2 assessors"):
        assign(engine, portal, "carl")
    with pytest.raises(ReviewError, match="already assigned"):
        assign(engine, portal, "ana")
    with pytest.raises(ReviewError, match="only assessors"):
        assign(engine, portal, "rita")
    with pytest.raises(ReviewError, match="unknown portal"):
        assign(engine, "nope", "carl")
    with pytest.raises(ReviewError, match="unknown user"):
        assign(engine, portal, "zed")


def test_decisions_survive_recrawls_and_reopening(tmp_path):
    url = f"sqlite:///{tmp_path / 'keep.db'}"
    engine = open_database(url)
    seed = make_seed("keep", url="https://keep.example.gov/")
    first = start_run(engine, [seed])
    record_page(engine, first, make_item("https://keep.example.gov/", portal_id="keep", present={"open_data": 0.9}))
    compute_candidates(engine, first)
    finish_run(engine, first)
    create_user(engine, "ana", "assessor", "ana-password")
    assign(engine, "keep", "ana")
    ana = authenticate(engine, "ana", "ana-password")
    record_decision(engine, ana, "keep", "open_data", "present", note="catalogue")
    with engine.connect() as conn:
        before = [tuple(r) for r in conn.execute(select(Decision).order_by(Decision.id)).all()]
    # A new crawl of the same portal, with a different result.
    second = start_run(engine, [seed])
    record_page(engine, second, make_item("https://keep.example.gov/", portal_id="keep"))
    compute_candidates(engine, second)
    finish_run(engine, second)
    engine.dispose()
    engine = open_database(url)  # re-opening runs the migrations again
    with engine.connect() as conn:
        after = [tuple(r) for r in conn.execute(select(Decision).order_by(Decision.id)).all()]
    assert after == before
    view = portal_page(engine, UserInfo(ana.id, "ana", "assessor"), "keep")
    open_data = next(i for i in view["indicators"] if i["id"] == "open_data")
    # The new candidate beside the decision taken on the previous crawl.
    assert view["run"]["id"] == second and view["previous_run"] == first
    assert open_data["candidate"] == 0 and open_data["previous"]["candidate"] == 1
    assert open_data["mine"]["run_id"] == first and open_data["mine"]["candidate"] == 1
    # A downgrade that would drop the decisions is refused, and they stay.
    with engine.begin() as conn, pytest.raises(RuntimeError, match="refusing to drop 1 human decisions"):
        alembic_command.downgrade(alembic_config(conn), "0001")
    assert decision_count(engine) == 1
    engine.dispose()
