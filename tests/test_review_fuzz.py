"""Random requests against the decision endpoint and the views: a 2xx or a 4xx in the one error
shape, never a server error, and nothing stored unless the answer was 201."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from detectors.model import INDICATORS
from review.app import create_app
from review.testing import decision_count, demo_database, login

TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=60)
JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | TEXT, lambda inner: st.lists(inner, max_size=3), max_leaves=5
)


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    engine, _url = demo_database(tmp_path_factory.mktemp("fuzz"), portals=2)
    client = TestClient(create_app(engine, secret_key="fuzz"), raise_server_exceptions=False)
    token = login(client, "ana")
    portal = client.get("/api/portals").json()["portals"][0]["id"]
    yield engine, client, token, portal
    engine.dispose()


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    body=st.dictionaries(
        st.sampled_from(["indicator", "value", "note", "evidence_url", "kind", "x"]),
        JSONISH | st.sampled_from([*INDICATORS, "present", "absent", "unsure", "https://a.example/"]),
        max_size=5,
    ),
    portal_choice=st.one_of(st.none(), TEXT),
)
def test_decision_endpoint_never_fails_on_bad_input(setup, body, portal_choice):
    engine, client, token, portal = setup
    target = portal if portal_choice is None else portal_choice
    before = decision_count(engine)
    response = client.post(
        f"/api/portals/{quote(target, safe='')}/decisions",
        json=body,
        headers={"X-CSRF-Token": token},
    )
    assert response.status_code < 500, response.text
    if response.status_code == 201:
        assert decision_count(engine) == before + 1
    else:
        assert 400 <= response.status_code < 500
        assert set(response.json()["error"]) == {"code", "message"}
        assert decision_count(engine) == before


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    query=st.dictionaries(
        st.sampled_from(["country", "level", "indicator", "candidate_status", "status", "disagreement", "after"]),
        TEXT,
        max_size=4,
    )
)
def test_views_never_fail_on_bad_queries(setup, query):
    _engine, client, _token, _portal = setup
    for path in ("/api/portals", "/", "/api/next"):
        response = client.get(path, params=query, follow_redirects=False)
        assert response.status_code < 500, (path, query, response.text)
