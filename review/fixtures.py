"""A review database built by code: made-up portals, two crawl runs, pages, evidence, candidates.

Used by the review tests, the browser tests, the latency benchmark and for a demo
(`python -m review.fixtures sqlite:///demo.db` then `portal-evidence serve --db sqlite:///demo.db`).
Everything is deterministic: the same arguments give the same rows. One portal, `xx-hostile`,
carries script-injection payloads in every text field the app shows, for the security tests.

The demo accounts (`DEMO_USERS`) have published passwords: never use them on a real database.
"""

from __future__ import annotations

import hashlib
import random
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, insert, select

from detectors.model import INDICATORS
from storage.models import Candidate, CrawlRun, EvidenceRecord, PageRecord, Portal, RunPortal

# name -> (role, password). Demo only.
DEMO_USERS: dict[str, tuple[str, str]] = {
    "admin": ("admin", "admin-password"),
    "rita": ("reviewer", "reviewer-password"),
    "ana": ("assessor", "assessor-one-password"),
    "ben": ("assessor", "assessor-two-password"),
}

HOSTILE_PORTAL = "xx-hostile"
HOSTILE_PAYLOADS: tuple[str, ...] = (
    "<script>window.__pwned = 1; alert('script')</script>",
    '<img src=x onerror="window.__pwned = 1; alert(\'img\')">',
    "\"><svg onload=\"window.__pwned=1\">",
    "</textarea></title><script>window.__pwned=1</script><!--",
    "<a href=\"javascript:window.__pwned=1\">click me</a>",
    "<iframe srcdoc=\"<script>parent.__pwned=1</script>\"></iframe>",
    "{{ 7*7 }} {% raw %} <style>body{display:none}</style>",
)
HOSTILE_URL = "javascript:window.__pwned=1;alert(document.cookie)"

_COUNTRIES = ("Freedonia", "Sylvania", "Ruritania", "Latveria", "Genovia", "Elbonia", "Zubrowka", "Florin")
_WORDS = {
    "e_participation": "Give us your feedback: comment form and public consultation",
    "open_data": "Open data catalogue: download datasets as CSV and JSON",
    "accessibility_statement": "Accessibility statement: partially compliant with WCAG 2.1 AA",
    "mobile_app": "Get our official app on Google Play and the App Store",
    "privacy_policy": "Privacy policy: how we protect your personal data",
    "contact_info": "Contact us: phone +000 555 0100, e-mail info@example.org",
    "online_payment": "Pay online: parking fines and local taxes",
    "search_function": "Search this site",
    "social_media": "Follow us on Facebook and X",
}
_RULES = {
    "e_participation": "e.feedback_form",
    "open_data": "open.catalogue",
    "accessibility_statement": "accessibility.statement_title",
    "mobile_app": "mobile.store_link",
    "privacy_policy": "privacy.title",
    "contact_info": "contact.phone",
    "online_payment": "pay.button",
    "search_function": "search.form",
    "social_media": "social.own_account",
}


@dataclass(frozen=True)
class FixtureSummary:
    portals: int
    runs: tuple[int, ...]
    pages: int
    evidence: int
    candidates: int


def build(
    engine: Engine,
    portals: int = 12,
    evidence_per_indicator: int = 3,
    pages_per_portal: int = 5,
    hostile: bool = True,
    seed: int = 7,
    uniform: bool = False,
) -> FixtureSummary:
    """Fill an (upgraded, empty) database with two crawl runs over `portals` made-up portals.

    Found indicators get `evidence_per_indicator` evidence rows, others fewer or none; with
    `uniform` every indicator gets exactly that many (the benchmark's worst case).
    """
    rng = random.Random(seed)
    now = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
    portal_rows = []
    for index in range(portals):
        country = _COUNTRIES[index % len(_COUNTRIES)]
        level = "national" if index % 3 == 0 else "city"
        ident = f"{country[:2].lower()}-{level[:3]}-{index:03d}"
        portal_rows.append(
            {
                "id": ident,
                "country": country,
                "name": f"{country} {'Government' if level == 'national' else 'City'} Portal {index}",
                "level": level,
                "url": f"https://{ident}.example.org/",
                "languages": ["en"],
                "extra_hosts": [],
                "source": "fixture",
                "created_at": now,
                "updated_at": now,
            }
        )
    if hostile:
        portal_rows.append(
            {
                "id": HOSTILE_PORTAL,
                "country": HOSTILE_PAYLOADS[0],
                "name": f"Hostile {HOSTILE_PAYLOADS[1]}",
                "level": "city",
                "url": HOSTILE_URL,
                "languages": ["en"],
                "extra_hosts": [],
                "source": "fixture",
                "created_at": now,
                "updated_at": now,
            }
        )
    totals = [0, 0, 0]
    run_ids = []
    with engine.begin() as conn:
        conn.execute(insert(Portal), portal_rows)
        for run_number in range(2):
            started = now + timedelta(days=7 * run_number)
            run_id = conn.execute(
                insert(CrawlRun).values(
                    started_at=started,
                    finished_at=started + timedelta(hours=1),
                    status="finished",
                    settings={},
                    seeds_file="fixture",
                    max_pages=pages_per_portal,
                    render_mode="auto",
                    resumed_count=0,
                )
            ).inserted_primary_key[0]
            run_ids.append(run_id)
            conn.execute(
                insert(RunPortal), [{"run_id": run_id, "portal_id": p["id"], "seed_url": p["url"]} for p in portal_rows]
            )
            for portal in portal_rows:
                counts = _fill_portal(
                    conn, rng, run_id, portal, started, evidence_per_indicator, pages_per_portal, uniform
                )
                totals = [a + b for a, b in zip(totals, counts, strict=True)]
    return FixtureSummary(len(portal_rows), tuple(run_ids), totals[0], totals[1], totals[2])


def _fill_portal(conn, rng, run_id, portal, when, per_indicator, pages_per_portal, uniform) -> tuple[int, int, int]:
    hostile = portal["id"] == HOSTILE_PORTAL
    base = portal["url"] if not hostile else "https://hostile.example.org/"
    page_rows = []
    for number in range(pages_per_portal):
        url = base if number == 0 else f"{base}page-{number}"
        if hostile and number == 1:
            url = HOSTILE_URL
        page_rows.append(
            {
                "run_id": run_id,
                "portal_id": portal["id"],
                "url": url,
                "url_hash": hashlib.sha256(url.encode()).hexdigest(),
                "final_url": url,
                "status": "ok",
                "http_status": 200,
                "depth": min(number, 3),
                "rendered": number % 4 == 3,
                "content_hash": None,
                "title": (HOSTILE_PAYLOADS[3] if hostile else f"{portal['name']} page {number}"),
                "language": "en",
                "note": None,
                "fetched_at": when,
                "html": None,
                "outlinks": [],
            }
        )
    conn.execute(insert(PageRecord), page_rows)
    page_ids = list(
        conn.execute(
            select(PageRecord.id).where(PageRecord.run_id == run_id, PageRecord.portal_id == portal["id"])
        ).scalars()
    )
    evidence_rows = []
    candidate_rows = []
    for position, indicator in enumerate(INDICATORS):
        roll = rng.random()
        status = "found" if roll < 0.55 else ("not_found" if roll < 0.9 else "not_reached")
        status = "found" if hostile else status
        count = per_indicator if status == "found" else (per_indicator // 3 if status == "not_found" else 0)
        count = per_indicator if uniform else count
        for k in range(count):
            page_index = (position + k) % len(page_ids)
            snippet = _WORDS[indicator] if not hostile else HOSTILE_PAYLOADS[(position + k) % len(HOSTILE_PAYLOADS)]
            evidence_rows.append(
                {
                    "run_id": run_id,
                    "portal_id": portal["id"],
                    "page_id": page_ids[page_index],
                    "indicator": indicator,
                    "rule": _RULES[indicator],
                    "snippet": f"{snippet} ({k}, {portal['id']}, run {run_id})",
                    "locator": "body > main > form#feedback" if not hostile else HOSTILE_PAYLOADS[2],
                    "target_url": (HOSTILE_URL if hostile else f"{base}target-{k}") if k % 2 == 0 else None,
                    "weight": round(0.9 - 0.03 * k, 3),
                    "rendered": page_index % 4 == 3,
                    "depth": min(page_index, 3),
                }
            )
        confidence = round(0.4 + 0.6 * rng.random(), 3) if status == "found" else round(0.3 * rng.random(), 3)
        candidate_rows.append(
            {
                "run_id": run_id,
                "portal_id": portal["id"],
                "indicator": indicator,
                "candidate": 1 if status == "found" else 0,
                "confidence": confidence,
                "status": status,
                "evidence_count": count,
                "best_evidence_url": (HOSTILE_URL if hostile else f"{base}page-{position % len(page_ids)}")
                if status == "found"
                else None,
                "best_evidence_id": None,
                "computed_at": when,
            }
        )
    if evidence_rows:
        conn.execute(insert(EvidenceRecord), evidence_rows)
    conn.execute(insert(Candidate), candidate_rows)
    return len(page_rows), len(evidence_rows), len(candidate_rows)


def add_demo_users(engine: Engine, assign_all: bool = True) -> None:
    """Create the DEMO_USERS and give every portal to both demo assessors."""
    from review.store import assign, create_user

    for name, (role, password) in DEMO_USERS.items():
        create_user(engine, name, role, password)
    if assign_all:
        with engine.connect() as conn:
            portal_ids = list(conn.execute(select(Portal.id).order_by(Portal.id)).scalars())
        for portal_id in portal_ids:
            for name, (role, _password) in DEMO_USERS.items():
                if role == "assessor":
                    assign(engine, portal_id, name)


def main(argv: list[str] | None = None) -> int:
    from storage.database import open_database

    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m review.fixtures DATABASE_URL", file=sys.stderr)
        return 2
    engine = open_database(args[0])
    with engine.connect() as conn:
        if conn.execute(select(Portal.id).limit(1)).first() is not None:
            print("the database already holds portals; give the URL of a new one", file=sys.stderr)
            return 2
    summary = build(engine)
    add_demo_users(engine)
    print(f"{summary.portals} portals, {summary.evidence} evidence rows; users: {', '.join(DEMO_USERS)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
