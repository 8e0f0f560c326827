"""The review app in real headless Chromium (pytest-playwright, Debian's /usr/bin/chromium):
keyboard review of a whole portal, a disagreement between two assessors reconciled by a reviewer,
and a portal whose evidence carries script-injection payloads, with nothing executed."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from pathlib import Path

import pytest

from crawler.addon import CHROMIUM_ARGS
from detectors.model import INDICATORS
from review.app import create_app
from review.export import export_rows
from review.fixtures import DEMO_USERS, HOSTILE_PORTAL
from review.store import UserInfo, portal_list
from review.testing import demo_database

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists() and shutil.which("chromium") is None,
    reason="Chromium is not installed (apt-get install chromium); the browser tests need it",
)
playwright_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
expect = playwright_api.expect


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    executable = str(CHROMIUM) if CHROMIUM.exists() else shutil.which("chromium")
    return {
        **browser_type_launch_args,
        "executable_path": executable,
        "args": [*CHROMIUM_ARGS, "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"],
    }


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    import uvicorn

    engine, _url = demo_database(tmp_path_factory.mktemp("review-browser"), portals=6, evidence_per_indicator=4)
    app = create_app(engine, secret_key="browser-test-secret")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    uv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not uv.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the review app did not start")
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}", engine
    uv.should_exit = True
    thread.join(5)
    engine.dispose()


def log_in(page, base, name):
    page.goto(f"{base}/login")
    page.fill("#name", name)
    page.fill("#password", DEMO_USERS[name][1])
    page.press("#password", "Enter")
    page.wait_for_load_state()


def test_assessor_reviews_a_whole_portal_by_keyboard(server, page):
    base, engine = server
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    log_in(page, base, "ana")
    # Login lands on the next unreviewed portal.
    expect(page.locator("body")).to_have_attribute("data-page", "portal")
    portal = page.locator("body").get_attribute("data-portal")
    keys = ["p", "a", "u", "j", "k", "p", "a", "p", "a", "p", "a"]
    # p a u decide the first three; j k move away and back (to the 4th); then six more decisions.
    presses = 0
    for key in keys:
        page.keyboard.press(key)
        presses += 1
    expect(page.locator("#decided")).to_have_text(str(len(INDICATORS)))
    expect(page.locator("#status-line")).to_contain_text("All 9 indicators decided")
    page.keyboard.press("n")
    presses += 1
    page.wait_for_url(lambda url: portal not in url)
    assert presses < 30
    assert not dialogs
    exported = {(r["portal"], r["indicator"]): r for r in export_rows(engine)}
    values = [exported[(portal, i)]["assessments"] for i in INDICATORS]
    assert [v[0]["value"] for v in values] == [
        "present", "absent", "unsure", "present", "absent", "present", "absent", "present", "absent",
    ]
    assert all(v[0]["assessor"] == "ana" for v in values)


def test_disagreement_between_assessors_is_reconciled_by_the_reviewer(server, browser):
    base, engine = server
    portal = sorted(p for p in _portal_ids(engine) if p != HOSTILE_PORTAL)[-1]
    for name, key in (("ana", "p"), ("ben", "a")):
        context = browser.new_context()
        page = context.new_page()
        log_in(page, base, name)
        page.goto(f"{base}/portals/{portal}#ind-mobile_app")
        expect(page.locator("#ind-mobile_app")).to_have_class("indicator focused")
        page.keyboard.press(key)
        expect(page.locator("#ind-mobile_app .mine")).to_have_text("present" if key == "p" else "absent")
        context.close()
    context = browser.new_context()
    page = context.new_page()
    log_in(page, base, "rita")
    page.goto(f"{base}/disagreements")
    row = page.locator(f"#disagreement-table tr[data-portal='{portal}'][data-indicator='mobile_app']")
    expect(row).to_have_class("open")
    expect(page.locator("#alerts")).to_contain_text("mobile_app")
    row.get_by_role("link").click()
    expect(page.locator("#ind-mobile_app .badge")).to_have_text("disagreement")
    expect(page.locator("#ind-mobile_app")).to_have_class("indicator disagreement focused")
    page.keyboard.press("a")
    expect(page.locator("#ind-mobile_app .mine")).to_have_text("absent")
    page.goto(f"{base}/disagreements")
    expect(row).to_have_class("resolved")
    expect(row.locator(".final")).to_have_text("absent")
    context.close()


def test_script_injection_payloads_stay_inert(server, page):
    base = server[0]
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    violations = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    log_in(page, base, "rita")
    page.goto(f"{base}/portals/{HOSTILE_PORTAL}")
    expect(page.locator("#portal-name")).to_contain_text("<img src=x onerror=")
    expect(page.locator("#ind-e_participation .snippet").first).to_contain_text("<script>window.__pwned")
    assert page.locator("a[href^='javascript' i]").count() == 0
    assert page.locator("script").count() == 1  # only /static/review.js
    assert page.locator("img, svg, iframe").count() == 0
    # Hover and click the places where a payload would sit.
    for target in page.locator(".unsafe-url").all()[:5]:
        target.hover()
        target.click()
    page.keyboard.press("j")  # the page's own script still works
    page.wait_for_timeout(200)
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.evaluate("() => document.body.style.display") == ""
    assert dialogs == []
    assert page.url.endswith(f"/portals/{HOSTILE_PORTAL}")
    # A decision still works on the hostile portal (reviewer: final decision).
    page.keyboard.press("u")
    expect(page.locator("#ind-open_data .mine")).to_have_text("unsure")


def _portal_ids(engine):
    return [p["id"] for p in portal_list(engine, UserInfo(0, "rita", "reviewer"))["portals"]]
