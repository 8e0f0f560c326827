"""Writing crawl data on SQLite and PostgreSQL: portals from seeds, runs, idempotent page recording,
duplicate content, hostile text, resume state, and runs that never touch each other."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage import repository
from storage.errors import UnknownRun
from storage.models import Candidate, CrawlRun, EvidenceRecord, PageIndicator, PageRecord, Portal, RunPortal
from storage.repository import (
    finish_run,
    get_run,
    latest_unfinished_run,
    page_html,
    record_page,
    resume_run,
    resume_state,
    start_run,
    upsert_portals,
)
from storage.scoring import compute_candidates
from tests.storage_fixtures import *  # noqa: F403
from tests.storage_fixtures import make_item, make_seed

SITE = "https://www.example.gov"


def _count(engine, model, *where) -> int:
    with Session(engine) as s:
        return s.scalar(select(func.count()).select_from(model).where(*where))


def test_upsert_portals_inserts_then_refreshes(engine):
    upsert_portals(engine, [make_seed("a"), make_seed("b", url="https://b.example.org/")])
    upsert_portals(engine, [make_seed("a", name="Renamed", extra_hosts=("data.example.net",))])
    with Session(engine) as s:
        a = s.get(Portal, "a")
        assert (a.name, a.extra_hosts, a.languages, a.source) == ("Renamed", ["data.example.net"], ["en"], "tests")
        assert s.get(Portal, "b").url == "https://b.example.org/"
    assert _count(engine, Portal) == 2


def test_start_run_records_settings_and_portals(engine):
    run_id = start_run(
        engine,
        [make_seed("a"), make_seed("b")],
        seeds_file="demo.csv",
        max_pages=50,
        render_mode="auto",
        settings={"PORTAL_EVIDENCE_MAX_PAGES": 50, "classes": object, "hosts": ("x", "y")},
    )
    run = get_run(engine, run_id)
    assert run.status == "running" and run.finished_at is None
    assert (run.seeds_file, run.max_pages, run.render_mode) == ("demo.csv", 50, "auto")
    assert run.portal_ids == ("a", "b")
    assert run.settings["PORTAL_EVIDENCE_MAX_PAGES"] == 50
    assert run.settings["hosts"] == ["x", "y"]
    assert isinstance(run.settings["classes"], str)


def test_recording_the_same_page_twice_stores_it_once(engine):
    run_id = start_run(engine, [make_seed()])
    item = make_item(f"{SITE}/open-data", present={"open_data": 0.9}, evidence={"open_data": 3})
    first = record_page(engine, run_id, item)
    second = record_page(engine, run_id, item)
    assert first.stored and first.evidence_count == 3
    assert not second.stored and second.page_id == first.page_id
    assert _count(engine, PageRecord) == 1
    assert _count(engine, EvidenceRecord) == 3
    assert _count(engine, PageIndicator, PageIndicator.indicator == "open_data") == 1


def test_page_fields_presence_and_evidence_are_stored(engine):
    run_id = start_run(engine, [make_seed()])
    item = make_item(
        f"{SITE}/a",
        final_url=f"{SITE}/a/",
        depth=2,
        rendered=True,
        present={"mobile_app": 0.8},
        weak={"contact_info": 0.3},
        outlinks=[f"{SITE}/b", f"{SITE}/c"],
        html="<html><body>Grüße, здравствуйте, 你好</body></html>",
    )
    outcome = record_page(engine, run_id, item)
    with Session(engine) as s:
        page = s.get(PageRecord, outcome.page_id)
        assert (page.final_url, page.depth, page.rendered, page.http_status) == (f"{SITE}/a/", 2, True, 200)
        assert page.outlinks == [f"{SITE}/b", f"{SITE}/c"]
        presence = {p.indicator: (p.present, p.confidence) for p in s.scalars(select(PageIndicator))}
        assert presence == {"mobile_app": (True, 0.8), "contact_info": (False, 0.3)}
        evidence = s.scalars(select(EvidenceRecord).order_by(EvidenceRecord.indicator)).all()
        assert [(e.indicator, e.rendered, e.depth) for e in evidence] == [
            ("contact_info", True, 2),
            ("mobile_app", True, 2),
        ]
    assert page_html(engine, outcome.page_id) == "<html><body>Grüße, здравствуйте, 你好</body></html>"


def test_failed_pages_are_stored_with_their_status_and_no_evidence(engine):
    run_id = start_run(engine, [make_seed()])
    for status, http in [("http_error", 500), ("timeout", None), ("robots_excluded", None)]:
        record_page(engine, run_id, make_item(f"{SITE}/{status}", status=status, http_status=http, note="why"))
    with Session(engine) as s:
        rows = s.execute(select(PageRecord.status, PageRecord.http_status, PageRecord.html)).all()
    assert sorted(rows, key=str) == sorted(
        [("http_error", 500, None), ("timeout", None, None), ("robots_excluded", None, None)], key=str
    )
    assert _count(engine, EvidenceRecord) == 0


def test_same_content_in_the_same_run_and_portal_becomes_a_duplicate(engine):
    run_id = start_run(engine, [make_seed(), make_seed("other", url="https://other.example.org/")])
    a = record_page(engine, run_id, make_item(f"{SITE}/a", content_hash="H", present={"open_data": 0.9}))
    b = record_page(engine, run_id, make_item(f"{SITE}/a?print=1", content_hash="H", present={"open_data": 0.9}))
    other = record_page(
        engine,
        run_id,
        make_item("https://other.example.org/", portal_id="other", content_hash="H", present={"open_data": 0.9}),
    )
    assert (a.status, b.status, other.status) == ("ok", "duplicate", "ok")
    assert b.evidence_count == 0
    with Session(engine) as s:
        assert s.get(PageRecord, b.page_id).note == f"same content as {SITE}/a"
    assert _count(engine, EvidenceRecord) == 2


def test_hostile_text_is_stored_on_every_backend(engine):
    # NUL bytes and lone surrogates from broken pages must not make PostgreSQL refuse the page.
    run_id = start_run(engine, [make_seed()])
    item = make_item(
        f"{SITE}/x\x00y", title="bad\x00title \udcff", html="<p>\x00\ud800</p>", present={"open_data": 0.5}
    )
    outcome = record_page(engine, run_id, item)
    assert outcome.stored
    with Session(engine) as s:
        page = s.get(PageRecord, outcome.page_id)
        assert "\x00" not in page.title and "\x00" not in page.url
    assert record_page(engine, run_id, item).stored is False


def test_a_race_between_workers_stores_the_page_once(engine, monkeypatch):
    run_id = start_run(engine, [make_seed()])
    item = make_item(f"{SITE}/raced", present={"open_data": 0.9})
    first = record_page(engine, run_id, item)
    real_find = repository._find_page
    calls = {"n": 0}

    def blind_once(*args):  # the check misses the row another worker committed just before
        calls["n"] += 1
        return None if calls["n"] == 1 else real_find(*args)

    monkeypatch.setattr(repository, "_find_page", blind_once)
    second = record_page(engine, run_id, item)
    assert not second.stored and second.page_id == first.page_id
    assert _count(engine, PageRecord) == 1
    assert _count(engine, EvidenceRecord) == 1


def test_resume_state_lists_fetched_urls_and_the_unfetched_frontier(engine):
    run_id = start_run(engine, [make_seed(), make_seed("b", url="https://b.example.org/")])
    record_page(engine, run_id, make_item(f"{SITE}/", outlinks=[f"{SITE}/a", f"{SITE}/b", f"{SITE}/r"]))
    record_page(engine, run_id, make_item(f"{SITE}/a", depth=1, outlinks=[f"{SITE}/", f"{SITE}/deep", f"{SITE}/b"]))
    record_page(engine, run_id, make_item(f"{SITE}/r", final_url=f"{SITE}/moved", depth=1))
    state = resume_state(engine, run_id)
    ex = state["ex"]
    assert ex.fetched == {f"{SITE}/", f"{SITE}/a", f"{SITE}/r", f"{SITE}/moved"}
    assert ex.frontier == ((f"{SITE}/b", 1), (f"{SITE}/deep", 2))
    assert ex.pages_stored == 3
    assert state["b"].fetched == frozenset() and state["b"].frontier == ()
    with pytest.raises(UnknownRun):
        resume_state(engine, 12345)


def test_an_interrupted_run_is_found_and_resumed_without_duplicates(engine):
    seeds = [make_seed(), make_seed("b", url="https://b.example.org/")]
    run_id = start_run(engine, seeds)
    pages = [make_item(f"{SITE}/p{i}", present={"open_data": 0.9}) for i in range(4)]
    for item in pages[:2]:
        record_page(engine, run_id, item)
    # the process is killed here: the run stays "running"
    assert latest_unfinished_run(engine, ["ex", "b"]).id == run_id
    assert latest_unfinished_run(engine, ["ex"]) is None  # another seeds file is not resumed
    info = resume_run(engine, run_id, seeds)
    assert info.status == "running"
    for item in pages:  # the resumed crawl meets the first two pages again
        record_page(engine, run_id, item)
    finish_run(engine, run_id)
    assert _count(engine, PageRecord) == 4
    assert _count(engine, EvidenceRecord) == 4
    assert latest_unfinished_run(engine) is None
    with Session(engine) as s:
        assert s.get(CrawlRun, run_id).resumed_count == 1


def test_finish_run_statuses(engine):
    run_id = start_run(engine, [make_seed()])
    finish_run(engine, run_id, "interrupted")
    run = get_run(engine, run_id)
    assert run.status == "interrupted" and run.finished_at is not None
    assert latest_unfinished_run(engine).id == run_id
    with pytest.raises(ValueError):
        finish_run(engine, run_id, "running")
    with pytest.raises(UnknownRun):
        finish_run(engine, 999, "finished")
    with pytest.raises(UnknownRun):
        resume_run(engine, 999)


def test_a_new_run_never_changes_an_earlier_run(engine):
    seeds = [make_seed(), make_seed("b", url="https://b.example.org/")]
    first = start_run(engine, seeds)
    record_page(engine, first, make_item(f"{SITE}/", present={"open_data": 0.9, "social_media": 0.7}))
    record_page(engine, first, make_item("https://b.example.org/", portal_id="b", status="timeout"))
    compute_candidates(engine, first)
    finish_run(engine, first)

    def snapshot(run_id):
        with Session(engine) as s:
            cands = s.execute(
                select(
                    Candidate.id,
                    Candidate.portal_id,
                    Candidate.indicator,
                    Candidate.candidate,
                    Candidate.confidence,
                    Candidate.status,
                    Candidate.evidence_count,
                    Candidate.best_evidence_url,
                    Candidate.computed_at,
                )
                .where(Candidate.run_id == run_id)
                .order_by(Candidate.id)
            ).all()
            pages = s.execute(select(PageRecord.id, PageRecord.status).where(PageRecord.run_id == run_id)).all()
            evidence = s.scalar(select(func.count()).select_from(EvidenceRecord).where(EvidenceRecord.run_id == run_id))
            run = s.get(CrawlRun, run_id)
            return cands, pages, evidence, (run.status, run.finished_at)

    before = snapshot(first)
    second = start_run(engine, seeds)
    assert second != first
    # the same URLs again, with other results
    record_page(engine, second, make_item(f"{SITE}/", present={"mobile_app": 0.6}))
    record_page(engine, second, make_item("https://b.example.org/", portal_id="b", present={"open_data": 0.8}))
    compute_candidates(engine, second)
    compute_candidates(engine, second)  # scoring twice changes nothing either
    finish_run(engine, second)
    assert snapshot(first) == before
    with Session(engine) as s:
        assert s.scalar(select(func.count()).select_from(RunPortal)) == 4
        assert s.scalar(select(func.count()).select_from(Candidate).where(Candidate.run_id == second)) == 18


def test_concurrent_writers_store_each_page_once(any_db_url):
    # Several workers of one run (threads here, processes in production) meeting the same URLs.
    import random
    import threading

    from storage.database import open_database

    setup = open_database(any_db_url)
    run_id = start_run(setup, [make_seed()])
    setup.dispose()
    items = [make_item(f"{SITE}/p{i}", present={"open_data": 0.9}, evidence={"open_data": 2}) for i in range(40)]
    errors: list[BaseException] = []

    def worker(seed: int) -> None:
        engine = open_database(any_db_url)
        try:
            order = items[:]
            random.Random(seed).shuffle(order)
            for item in order:
                record_page(engine, run_id, item)
        except BaseException as exc:  # reported below; a thread cannot fail the test itself
            errors.append(exc)
        finally:
            engine.dispose()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert errors == []
    check = open_database(any_db_url)
    try:
        assert _count(check, PageRecord) == 40
        assert _count(check, EvidenceRecord) == 80
        assert _count(check, PageIndicator) == 40
    finally:
        check.dispose()
