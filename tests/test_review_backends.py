"""The review tables, API, validate and export on both backends (SQLite and PostgreSQL)."""

from __future__ import annotations

import json

from click.testing import CliRunner
from fastapi.testclient import TestClient

from detectors.model import INDICATORS
from portal_evidence.cli import cli
from review.app import create_app
from review.fixtures import add_demo_users, build
from review.testing import decision_count, login
from storage.database import open_database
from tests.storage_fixtures import *  # noqa: F403


def test_review_round_trip(any_db_url):
    engine = open_database(any_db_url)
    try:
        build(engine, portals=3)
        add_demo_users(engine)
        app = create_app(engine, secret_key="backends")
        clients = {}
        for name in ("ana", "ben", "rita"):
            client = TestClient(app)
            clients[name] = (client, login(client, name))
        portal = clients["ana"][0].get("/api/next").json()["portal"]
        for name, value in (("ana", "present"), ("ben", "absent"), ("rita", "present")):
            client, token = clients[name]
            for indicator in INDICATORS:
                response = client.post(
                    f"/api/portals/{portal}/decisions",
                    json={"indicator": indicator, "value": value},
                    headers={"X-CSRF-Token": token},
                )
                assert response.status_code == 201, response.text
        assert decision_count(engine) == 27
        view = clients["rita"][0].get(f"/api/portals/{portal}").json()
        assert all(i["verdict"] == {"state": "final", "value": "present"} for i in view["indicators"])
        runner = CliRunner()
        report = json.loads(runner.invoke(cli, ["validate", "--db", any_db_url]).output)
        assert report["decisions"] == 9 and report["excluded"] == {"unsure": 0, "disagreement": 0}
        assert report["inter_assessor"]["pairs"][0]["disagree"] == 9
        rows = json.loads(runner.invoke(cli, ["export", "--db", any_db_url, "--format", "json"]).output)
        assert {r["decision"] for r in rows if r["portal"] == portal} == {"present"}
    finally:
        engine.dispose()
