"""The one candidate scorer: pure cases (found / not_found / not_reached, ordering of the best
evidence page, own-web only) and the database step that writes one run's candidates."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from detectors.model import INDICATORS
from storage.errors import UnknownRun
from storage.models import Candidate, EvidenceRecord
from storage.repository import record_page, start_run
from storage.scoring import EvidenceRef, PageSignals, compute_candidates, own_web_matcher, score_portal
from tests.storage_fixtures import *  # noqa: F403
from tests.storage_fixtures import make_item, make_seed

SITE = "https://www.example.gov"


def page(page_id, url, status="ok", depth=0, **indicators):
    return PageSignals(page_id, url, status, depth, dict(indicators))


def by_id(scores):
    return {s.indicator: s for s in scores}


def test_every_indicator_is_scored_in_contract_order():
    scores = score_portal("p", [page(1, f"{SITE}/")], [])
    assert [s.indicator for s in scores] == list(INDICATORS)
    assert all(s.candidate == 0 and s.status == "not_found" for s in scores)


def test_found_takes_the_highest_confidence_of_present_pages():
    pages = [
        page(1, f"{SITE}/", open_data=(True, 0.6)),
        page(2, f"{SITE}/data", depth=1, open_data=(True, 0.95)),
        page(3, f"{SITE}/news", depth=1, open_data=(False, 0.99)),  # a strong hint that is not presence
    ]
    evidence = [EvidenceRef(10, 1, "open_data", 0.6), EvidenceRef(11, 2, "open_data", 0.9)]
    s = by_id(score_portal("p", pages, evidence))["open_data"]
    assert (s.candidate, s.status, s.confidence) == (1, "found", 0.95)
    assert s.best_evidence_url == f"{SITE}/data"
    assert s.best_evidence_id == 11
    assert s.evidence_count == 2


def test_best_evidence_page_is_strongest_then_shallowest_then_first_url():
    pages = [
        page(1, f"{SITE}/z-deep", depth=3, mobile_app=(True, 0.9)),
        page(2, f"{SITE}/y-shallow", depth=1, mobile_app=(True, 0.9)),
        page(3, f"{SITE}/b-same-depth", depth=1, mobile_app=(True, 0.9)),
        page(4, f"{SITE}/weaker-but-home", depth=0, mobile_app=(True, 0.5)),
    ]
    assert by_id(score_portal("p", pages, []))["mobile_app"].best_evidence_url == f"{SITE}/b-same-depth"


def test_best_evidence_row_is_the_heaviest_on_the_best_page():
    pages = [page(1, f"{SITE}/a", contact_info=(True, 0.8)), page(2, f"{SITE}/b", contact_info=(True, 0.7))]
    evidence = [
        EvidenceRef(5, 2, "contact_info", 0.99),  # heavier, but on the weaker page
        EvidenceRef(6, 1, "contact_info", 0.4),
        EvidenceRef(7, 1, "contact_info", 0.7),
        EvidenceRef(8, 1, "contact_info", 0.7),
    ]
    assert by_id(score_portal("p", pages, evidence))["contact_info"].best_evidence_id == 7


def test_not_found_reports_the_best_hint_and_no_url():
    pages = [page(1, f"{SITE}/", privacy_policy=(False, 0.3)), page(2, f"{SITE}/x", privacy_policy=(False, 0.45))]
    s = by_id(score_portal("p", pages, [EvidenceRef(1, 2, "privacy_policy", 0.45)]))["privacy_policy"]
    assert (s.candidate, s.status, s.confidence, s.evidence_count) == (0, "not_found", 0.45, 1)
    assert s.best_evidence_url is None and s.best_evidence_id is None


@pytest.mark.parametrize(
    "statuses", [["http_error", "timeout"], ["robots_excluded"], ["network_error", "offsite_redirect"], []]
)
def test_no_ok_page_at_all_is_not_reached(statuses):
    pages = [page(i, f"{SITE}/{i}", status=st) for i, st in enumerate(statuses)]
    scores = score_portal("p", pages, [])
    assert {s.status for s in scores} == {"not_reached"}
    assert {s.candidate for s in scores} == {0}


def test_one_ok_page_among_failures_is_not_found_not_unreached():
    pages = [page(1, f"{SITE}/", status="http_error"), page(2, f"{SITE}/ok")]
    assert {s.status for s in score_portal("p", pages, [])} == {"not_found"}


def test_duplicates_and_failed_pages_never_count_even_with_presence():
    pages = [page(1, f"{SITE}/a", status="duplicate", open_data=(True, 0.9)), page(2, f"{SITE}/b")]
    s = by_id(score_portal("p", pages, [EvidenceRef(1, 1, "open_data", 0.9)]))["open_data"]
    assert (s.candidate, s.evidence_count) == (0, 0)


def test_only_the_own_web_can_make_a_candidate():
    own = own_web_matcher(f"{SITE}/", ["data.example.net"])
    pages = [
        page(1, f"{SITE}/"),
        page(2, "https://open.other-country.gov/dataset", open_data=(True, 0.99)),
        page(3, "https://data.example.net/catalogue", social_media=(True, 0.8)),
    ]
    evidence = [EvidenceRef(1, 2, "open_data", 0.99), EvidenceRef(2, 3, "social_media", 0.8)]
    scores = by_id(score_portal("p", pages, evidence, own_web=own))
    assert (scores["open_data"].candidate, scores["open_data"].evidence_count) == (0, 0)
    assert scores["social_media"].candidate == 1
    # a portal whose only ok page is off its own web has not been reached
    only_off = score_portal("p", [pages[1]], evidence, own_web=own)
    assert {s.status for s in only_off} == {"not_reached"}


@pytest.mark.parametrize(
    ("url", "own"),
    [
        ("https://example.gov/x", True),
        ("http://www.example.gov:8080/x", True),
        ("https://services.example.gov/pay", True),
        ("https://a.b.example.gov/", True),
        ("https://EXAMPLE.GOV./", True),
        ("https://data.example.net/", True),
        ("https://sub.data.example.net/", True),
        ("https://notexample.gov/", False),
        ("https://example.gov.evil.org/", False),
        ("https://example.net/", False),
        ("mailto:info@example.gov", False),
    ],
)
def test_own_web_matcher(url, own):
    assert own_web_matcher("https://www.example.gov/start", ["data.example.net", ""])(url) is own


def test_extra_hosts_may_be_written_as_urls():
    assert own_web_matcher("https://a.example/", ["https://b.example/path"])("https://sub.b.example/x")


def test_portals_on_one_address_with_different_ports_are_different_webs():
    # The scorer uses the crawler's own-web rule (seeds.ownweb), where a seed's port counts.
    own = own_web_matcher("http://127.0.0.1:8001/")
    assert own("http://127.0.0.1:8001/page")
    assert not own("http://127.0.0.1:8002/page")


def test_indicator_ids_beyond_the_nine_are_scored_after_them():
    pages = [page(1, f"{SITE}/", digital_id=(True, 0.7))]
    scores = score_portal("p", pages, [EvidenceRef(1, 1, "digital_id", 0.7)])
    assert [s.indicator for s in scores][-1] == "digital_id"
    assert scores[-1].candidate == 1


# -- database ------------------------------------------------------------------------------------


def test_compute_candidates_writes_nine_rows_per_portal(engine):
    seeds = [make_seed(), make_seed("down", url="https://down.example.org/"), make_seed("empty", url="https://e.org/")]
    run_id = start_run(engine, seeds)
    record_page(
        engine, run_id, make_item(f"{SITE}/", present={"search_function": 0.9}, evidence={"search_function": 2})
    )
    record_page(
        engine,
        run_id,
        make_item(f"{SITE}/apps", depth=2, present={"mobile_app": 0.7}, weak={"search_function": 0.2}),
    )
    record_page(engine, run_id, make_item("https://down.example.org/", portal_id="down", status="http_error"))
    scores = compute_candidates(engine, run_id)
    assert len(scores) == 27
    with Session(engine) as s:
        rows = {(c.portal_id, c.indicator): c for c in s.scalars(select(Candidate).where(Candidate.run_id == run_id))}
        search = rows[("ex", "search_function")]
        assert (search.candidate, search.status, search.evidence_count) == (1, "found", 3)
        assert search.best_evidence_url == f"{SITE}/"
        best = s.get(EvidenceRecord, search.best_evidence_id)
        assert best.indicator == "search_function" and best.weight == 0.9
        assert rows[("ex", "mobile_app")].best_evidence_url == f"{SITE}/apps"
        assert rows[("ex", "open_data")].status == "not_found"
        assert {rows[("down", i)].status for i in INDICATORS} == {"not_reached"}
        assert {rows[("empty", i)].status for i in INDICATORS} == {"not_reached"}


def test_evidence_on_a_page_outside_the_own_web_is_ignored_by_the_database_scorer(engine):
    run_id = start_run(engine, [make_seed()])
    record_page(engine, run_id, make_item(f"{SITE}/"))
    record_page(engine, run_id, make_item("https://data.elsewhere.org/", present={"open_data": 0.99}))
    s = {c.indicator: c for c in compute_candidates(engine, run_id)}
    assert (s["open_data"].candidate, s["open_data"].evidence_count) == (0, 0)


def test_rescoring_updates_rows_in_place(engine):
    run_id = start_run(engine, [make_seed()])
    record_page(engine, run_id, make_item(f"{SITE}/"))
    compute_candidates(engine, run_id)
    with Session(engine) as s:
        ids_before = {c.indicator: c.id for c in s.scalars(select(Candidate))}
    record_page(engine, run_id, make_item(f"{SITE}/data", present={"open_data": 0.9}))
    compute_candidates(engine, run_id, ["ex"])
    with Session(engine) as s:
        rows = {c.indicator: c for c in s.scalars(select(Candidate))}
    assert {i: c.id for i, c in rows.items()} == ids_before
    assert rows["open_data"].candidate == 1


def test_compute_candidates_of_an_unknown_run(engine):
    with pytest.raises(UnknownRun):
        compute_candidates(engine, 4242)
