"""The review app in process (TestClient): login, roles, blind assessments, reconciliation,
CSRF, the one error shape, filters, and bad requests that change nothing."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from detectors.model import INDICATORS
from review.app import create_app
from review.fixtures import HOSTILE_PORTAL
from review.store import create_user
from review.testing import decision_count, demo_database, login


@pytest.fixture
def db(tmp_path):
    engine, _url = demo_database(tmp_path, portals=6, evidence_per_indicator=3)
    yield engine
    engine.dispose()


@pytest.fixture
def app(db):
    return create_app(db, secret_key="test-secret")


def client_for(app, name=None, password=None):
    client = TestClient(app)
    token = login(client, name, password) if name else client.get("/api/session").json()["csrf_token"]
    return client, token


def first_portal(client):
    return client.get("/api/portals").json()["portals"][0]["id"]


def decide(client, token, portal, indicator, value, **extra):
    body = {"indicator": indicator, "value": value, **extra}
    return client.post(f"/api/portals/{portal}/decisions", json=body, headers={"X-CSRF-Token": token})


def assert_error(response, status, code):
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}
    assert body["error"]["code"] == code
    assert body["error"]["message"]


def test_everything_needs_a_login(app):
    client = TestClient(app)
    assert_error(client.get("/api/portals"), 401, "unauthorized")
    assert_error(client.get("/api/portals/x"), 401, "unauthorized")
    page = client.get("/", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"].startswith("/login")


def test_login_wrong_password_and_csrf(app):
    client = TestClient(app)
    token = client.get("/api/session").json()["csrf_token"]
    assert_error(client.post("/api/login", json={"name": "ana", "password": "nope-nope"}), 403, "csrf")
    wrong = client.post("/api/login", json={"name": "ana", "password": "nope-nope"}, headers={"X-CSRF-Token": token})
    assert_error(wrong, 401, "unauthorized")
    unknown = client.post("/api/login", json={"name": "zed", "password": "nope-nope"}, headers={"X-CSRF-Token": token})
    assert unknown.json() == wrong.json()  # the answer does not tell which names exist
    assert client.get("/api/session").json()["user"] is None
    new_token = login(client, "ana")
    assert new_token != token  # a new CSRF token after login
    assert client.get("/api/session").json()["user"]["name"] == "ana"


def test_repeated_wrong_passwords_make_the_name_wait(app):
    now = [1000.0]
    app.state.login_throttle.clock = lambda: now[0]
    client = TestClient(app)
    token = client.get("/api/session").json()["csrf_token"]
    headers = {"X-CSRF-Token": token}
    for _ in range(5):
        assert_error(client.post("/api/login", json={"name": "ana", "password": "nope-nope"}, headers=headers),
                     401, "unauthorized")
    right = {"name": "ana", "password": "assessor-one-password"}
    assert_error(client.post("/api/login", json=right, headers=headers), 429, "too_many_requests")
    assert client.get("/api/session").json()["user"] is None
    page = client.get("/login")
    form_token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    html = client.post("/login", data={**right, "csrf_token": form_token, "next": "/"}, follow_redirects=False)
    assert html.status_code == 429 and "Too many failed logins" in html.text
    now[0] += 15 * 60 + 1  # the window has passed
    assert client.post("/api/login", json=right, headers=headers).status_code == 200


def test_html_login_form_needs_its_csrf_token_and_redirects_only_on_site(app):
    client = TestClient(app)
    page = client.get("/login?next=//evil.example/")
    assert 'value="/next"' in page.text  # an off-site next is replaced
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    refused = client.post("/login", data={"name": "ana", "password": "assessor-one-password"})
    assert refused.status_code == 403
    done = client.post(
        "/login",
        data={"name": "ana", "password": "assessor-one-password", "csrf_token": token, "next": "//evil.example/"},
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"] == "/next"


def test_assessors_are_blind_to_each_other(app, db):
    ana, ana_token = client_for(app, "ana")
    ben = client_for(app, "ben")[0]
    portal = first_portal(ana)
    assert decide(ana, ana_token, portal, "open_data", "present", note="catalogue at /data").status_code == 201
    view = ben.get(f"/api/portals/{portal}").json()
    open_data = next(i for i in view["indicators"] if i["id"] == "open_data")
    assert open_data["mine"] is None
    assert "assessments" not in open_data and "verdict" not in open_data
    assert ben.get(f"/api/portals/{portal}/history").json()["decisions"] == []
    assert "catalogue at /data" not in ben.get(f"/portals/{portal}").text
    # Ana sees her own decision, in the API and on the page.
    mine = next(i for i in ana.get(f"/api/portals/{portal}").json()["indicators"] if i["id"] == "open_data")["mine"]
    assert mine["value"] == "present" and mine["author"] == "ana" and mine["kind"] == "assessment"
    assert_error(ben.get("/api/disagreements"), 403, "forbidden")


def test_unassigned_assessor_sees_and_changes_nothing(app, db):
    create_user(db, "carl", "assessor", "carl-password")
    carl, token = client_for(app, "carl", "carl-password")
    anyone = client_for(app, "ana")[0]
    portal = first_portal(anyone)
    assert carl.get("/api/portals").json()["portals"] == []
    assert_error(carl.get(f"/api/portals/{portal}"), 403, "forbidden")
    before = decision_count(db)
    assert_error(decide(carl, token, portal, "open_data", "present"), 403, "forbidden")
    assert decision_count(db) == before
    assert carl.get("/api/next").json() == {"portal": None}


def test_disagreement_is_reconciled_by_the_reviewer(app, db):
    ana, ana_token = client_for(app, "ana")
    ben, ben_token = client_for(app, "ben")
    rita, rita_token = client_for(app, "rita")
    portal = first_portal(ana)
    decide(ana, ana_token, portal, "mobile_app", "present")
    decide(ben, ben_token, portal, "mobile_app", "absent")
    decide(ana, ana_token, portal, "search_function", "present")
    decide(ben, ben_token, portal, "search_function", "present")
    listing = rita.get("/api/disagreements").json()
    assert [(d["portal"], d["indicator"], d["resolved"]) for d in listing["disagreements"]] == [
        (portal, "mobile_app", False)
    ]
    stats = listing["stats"]
    assert {a["assessor"]: (a["compared"], a["disagreements"]) for a in stats["per_assessor"]} == {
        "ana": (2, 1),
        "ben": (2, 1),
    }
    mobile = next(i for i in stats["per_indicator"] if i["indicator"] == "mobile_app")
    assert mobile["share"] == 1.0 and mobile["alert"]
    assert {a.get("assessor") or a.get("indicator") for a in stats["alerts"]} == {"ana", "ben", "mobile_app"}
    assert [p["id"] for p in rita.get("/api/portals?disagreement=true").json()["portals"]] == [portal]
    assert rita.get("/api/next").json()["portal"] == portal
    view = rita.get(f"/api/portals/{portal}").json()
    mobile_view = next(i for i in view["indicators"] if i["id"] == "mobile_app")
    assert mobile_view["disagreement"] and mobile_view["verdict"] == {"state": "disagreement", "value": None}
    assert sorted(a["author"] for a in mobile_view["assessments"]) == ["ana", "ben"]
    final = decide(rita, rita_token, portal, "mobile_app", "absent", note="store link is a commercial app")
    assert final.status_code == 201 and final.json()["decision"]["kind"] == "final"
    listing = rita.get("/api/disagreements").json()
    assert listing["disagreements"][0]["resolved"] and listing["disagreements"][0]["final"] == "absent"
    # The share still counts the reconciled item: it measures the assessors, not the backlog.
    assert listing["stats"]["per_assessor"][0]["disagreements"] == 1
    assert rita.get("/api/portals?disagreement=true").json()["portals"] == []
    html = rita.get("/disagreements").text
    assert "store link" not in html and "absent" in html and 'id="alerts"' in html


def test_alert_threshold_is_configurable(db):
    app = create_app(db, secret_key="s", alert_threshold=1.0)
    ana, ana_token = client_for(app, "ana")
    ben, ben_token = client_for(app, "ben")
    portal = first_portal(ana)
    decide(ana, ana_token, portal, "mobile_app", "present")
    decide(ben, ben_token, portal, "mobile_app", "absent")
    rita = client_for(app, "rita")[0]
    stats = rita.get("/api/disagreements").json()["stats"]
    assert stats["threshold"] == 1.0 and stats["alerts"] == []


def test_history_is_append_only_and_the_latest_counts(app, db):
    ana, token = client_for(app, "ana")
    portal = first_portal(ana)
    decide(ana, token, portal, "privacy_policy", "present")
    decide(ana, token, portal, "privacy_policy", "unsure")
    decide(ana, token, portal, "privacy_policy", "absent", evidence_url="https://example.org/privacy")
    history = ana.get(f"/api/portals/{portal}/history?indicator=privacy_policy").json()["decisions"]
    assert [d["value"] for d in history] == ["absent", "unsure", "present"]
    view = ana.get(f"/api/portals/{portal}").json()
    mine = next(i for i in view["indicators"] if i["id"] == "privacy_policy")["mine"]
    assert mine["value"] == "absent" and mine["evidence_url"] == "https://example.org/privacy"
    assert view["progress"]["decided"] == 1


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"indicator": "open_dat", "value": "present"}, 400, "bad_request"),
        ({"indicator": "open_data", "value": "maybe"}, 400, "bad_request"),
        ({"indicator": "open_data", "value": "present", "evidence_url": "javascript:alert(1)"}, 400, "bad_request"),
        ({"indicator": "open_data", "value": "present", "evidence_url": "/relative"}, 400, "bad_request"),
        ({"indicator": "open_data", "value": "present", "kind": "final"}, 422, "invalid_request"),
        ({"value": "present"}, 422, "invalid_request"),
        ({"indicator": "open_data", "value": "present", "note": "x" * 5000}, 422, "invalid_request"),
    ],
)
def test_bad_decisions_are_refused_and_change_nothing(app, db, body, status, code):
    ana, token = client_for(app, "ana")
    portal = first_portal(ana)
    before = decision_count(db)
    response = ana.post(f"/api/portals/{portal}/decisions", json=body, headers={"X-CSRF-Token": token})
    assert_error(response, status, code)
    assert decision_count(db) == before


def test_malformed_bodies_unknown_portals_and_routes(app, db):
    ana, token = client_for(app, "ana")
    portal = first_portal(ana)
    before = decision_count(db)
    not_json = ana.post(
        f"/api/portals/{portal}/decisions",
        content=b"{not json",
        headers={"X-CSRF-Token": token, "Content-Type": "application/json"},
    )
    assert_error(not_json, 422, "invalid_request")
    assert_error(decide(ana, token, "no-such-portal", "open_data", "present"), 404, "not_found")
    assert_error(ana.get("/api/portals/no-such-portal"), 404, "not_found")
    assert_error(ana.get("/api/nowhere"), 404, "not_found")
    assert_error(ana.delete(f"/api/portals/{portal}/decisions"), 405, "method_not_allowed")
    assert_error(ana.get("/api/portals?indicator=bogus"), 400, "bad_request")
    assert_error(decide(ana, "wrong-token", portal, "open_data", "present"), 403, "csrf")
    assert decision_count(db) == before


def test_form_post_records_a_decision_and_needs_csrf(app, db):
    ana, token = client_for(app, "ana")
    portal = first_portal(ana)
    before = decision_count(db)
    form = {"indicator": "contact_info", "value": "present", "note": "phone in footer"}
    refused = ana.post(f"/portals/{portal}/decisions", data=form, follow_redirects=False)
    assert refused.status_code == 403 and decision_count(db) == before
    done = ana.post(f"/portals/{portal}/decisions", data={**form, "csrf_token": token}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"].endswith("#ind-contact_info")
    assert decision_count(db) == before + 1
    page = ana.get(f"/portals/{portal}").text
    assert "phone in footer" in page


def test_portal_page_and_api_show_the_same_data(app):
    ana = client_for(app, "ana")[0]
    portal = first_portal(ana)
    data = ana.get(f"/api/portals/{portal}").json()
    assert [i["id"] for i in data["indicators"]] == list(INDICATORS)
    assert data["run"]["id"] == 2 and data["previous_run"] == 1
    html = ana.get(f"/portals/{portal}").text
    for indicator in data["indicators"]:
        assert f'id="ind-{indicator["id"]}"' in html
        assert " ".join(indicator["un_features"]) in html
        assert indicator["previous"]["run_id"] == 1
        for evidence in indicator["evidence"]:
            assert evidence["page_url"] in html
            assert set(evidence) >= {"rule", "snippet", "locator", "depth", "rendered", "page_url", "highlight"}
    found = [e for i in data["indicators"] for e in i["evidence"] if e["highlight"]]
    assert found, "the fixture snippets contain rule words"
    start, end = found[0]["highlight"]
    assert f"<mark>{found[0]['snippet'][start:end]}</mark>" in html


def test_filters(app, db):
    ana, token = client_for(app, "ana")
    everything = ana.get("/api/portals").json()
    country = next(c for c in everything["countries"] if c.isalpha())
    by_country = ana.get(f"/api/portals?country={country}").json()["portals"]
    assert by_country and all(p["country"] == country for p in by_country)
    level = ana.get("/api/portals?level=national").json()["portals"]
    assert level and all(p["level"] == "national" for p in level)
    portal = everything["portals"][0]["id"]
    view = ana.get(f"/api/portals/{portal}").json()
    found = [i["id"] for i in view["indicators"] if i["status"] == "found"]
    listed = ana.get(f"/api/portals?indicator={found[0]}&candidate_status=found").json()["portals"]
    assert portal in [p["id"] for p in listed]
    for indicator in INDICATORS:
        decide(ana, token, portal, indicator, "absent")
    done = ana.get("/api/portals?status=done").json()["portals"]
    assert [p["id"] for p in done] == [portal]
    assert portal not in [p["id"] for p in ana.get("/api/portals?status=unreviewed").json()["portals"]]
    assert ana.get(f"/api/next?after={portal}").json()["portal"] != portal
    html = ana.get(f"/?country={country}").text
    assert all(p["name"] in html for p in by_country)


def test_hostile_evidence_is_inert_text(app):
    rita = client_for(app, "rita")[0]
    response = rita.get(f"/portals/{HOSTILE_PORTAL}")
    assert response.status_code == 200
    html = response.text
    assert "<script>window" not in html and "<img src=x" not in html and "<svg onload" not in html
    assert "&lt;script&gt;window.__pwned" in html
    assert not re.search(r"href=\"\s*javascript:", html, re.I)
    assert 'class="unsafe-url"' in html
    # Every <script> on the page is the one static file.
    assert re.findall(r"<script[^>]*>", html) == ['<script src="/static/review.js" defer>']
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "default-src 'none'" in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    data = rita.get(f"/api/portals/{HOSTILE_PORTAL}").json()
    assert data["portal"]["url"].startswith("javascript:")  # the API gives data as stored; pages never link it


def test_openapi_and_docs(app):
    client = TestClient(app)
    schema = client.get("/api/openapi.json").json()
    assert {"/api/portals", "/api/portals/{portal_id}", "/api/portals/{portal_id}/decisions", "/api/login"} <= set(
        schema["paths"]
    )
    docs = client.get("/api/docs")
    assert docs.status_code == 200 and "/api/portals/{portal_id}/decisions" in docs.text


def test_users_listing_is_for_admins_and_reviewers_see_alerts_on_the_list(app):
    admin = client_for(app, "admin")[0]
    users = {u["name"]: u for u in admin.get("/api/users").json()["users"]}
    assert users["ana"]["role"] == "assessor" and len(users["ana"]["portals"]) == 7
    assert_error(client_for(app, "rita")[0].get("/api/users"), 403, "forbidden")
    assert_error(client_for(app, "ana")[0].get("/api/users"), 403, "forbidden")
    ana, ana_token = client_for(app, "ana")
    ben, ben_token = client_for(app, "ben")
    portal = first_portal(ana)
    decide(ana, ana_token, portal, "social_media", "present")
    decide(ben, ben_token, portal, "social_media", "absent")
    assert 'id="alerts"' in admin.get("/").text
    assert 'id="alerts"' not in ana.get("/").text
