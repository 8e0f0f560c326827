"""Batched page writes (`record_pages`): the same rows and outcomes as one `record_page` call per
page, in one transaction; a URL another worker stored meanwhile falls back to page-by-page writes."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage import repository
from storage.models import EvidenceRecord, PageIndicator, PageRecord
from storage.repository import record_page, record_pages, start_run
from tests.storage_fixtures import *  # noqa: F403
from tests.storage_fixtures import make_item, make_seed

SITE = "https://www.example.gov"


def _batch() -> list:
    return [
        make_item(f"{SITE}/", present={"open_data": 0.9}, evidence={"open_data": 2}, outlinks=[f"{SITE}/a"]),
        make_item(f"{SITE}/a", depth=1, content_hash="H", present={"social_media": 0.8}),
        make_item(f"{SITE}/a?print=1", depth=1, content_hash="H", present={"social_media": 0.8}),  # duplicate
        make_item(f"{SITE}/t", status="timeout", note="slow"),
        make_item(f"{SITE}/a", depth=1, content_hash="H"),  # the same URL again: skipped
        make_item("https://b.example.org/", portal_id="b", content_hash="H", present={"open_data": 0.7}),
        make_item(f"{SITE}/old"),  # stored before the batch: skipped
    ]


def _rows(engine, run_id):
    with Session(engine) as s:
        pages = s.execute(
            select(PageRecord.portal_id, PageRecord.url, PageRecord.status, PageRecord.note, PageRecord.depth,
                   PageRecord.content_hash, PageRecord.outlinks, PageRecord.html)
            .where(PageRecord.run_id == run_id).order_by(PageRecord.id)
        ).all()
        presence = s.execute(
            select(PageRecord.url, PageIndicator.indicator, PageIndicator.present, PageIndicator.confidence)
            .join(PageRecord, PageRecord.id == PageIndicator.page_id)
            .where(PageRecord.run_id == run_id).order_by(PageRecord.url, PageIndicator.indicator)
        ).all()
        evidence = s.execute(
            select(PageRecord.url, EvidenceRecord.indicator, EvidenceRecord.rule, EvidenceRecord.snippet)
            .join(PageRecord, PageRecord.id == EvidenceRecord.page_id)
            .where(EvidenceRecord.run_id == run_id).order_by(PageRecord.url, EvidenceRecord.id)
        ).all()
    return [tuple(r) for r in pages], [tuple(r) for r in presence], [tuple(r) for r in evidence]


def _new_run(engine) -> int:
    run_id = start_run(engine, [make_seed("ex"), make_seed("b", url="https://b.example.org/")])
    record_page(engine, run_id, make_item(f"{SITE}/old"))
    return run_id


def _outcome(o):
    return (o.stored, o.status, o.evidence_count)


def test_a_batch_stores_what_page_by_page_writes_store(engine):
    one_by_one = _new_run(engine)
    expected = [record_page(engine, one_by_one, item) for item in _batch()]
    batched = _new_run(engine)
    outcomes = record_pages(engine, batched, _batch())
    assert [_outcome(o) for o in outcomes] == [_outcome(o) for o in expected]
    assert [o.status for o in outcomes] == ["ok", "ok", "duplicate", "timeout", "ok", "ok", "ok"]
    assert [o.stored for o in outcomes] == [True, True, True, True, False, True, False]
    assert outcomes[4].page_id == outcomes[1].page_id
    assert _rows(engine, batched) == _rows(engine, one_by_one)
    assert record_pages(engine, batched, []) == []


def test_content_stored_by_an_earlier_batch_makes_a_duplicate(engine):
    run_id = _new_run(engine)
    record_pages(engine, run_id, [make_item(f"{SITE}/x", content_hash="C")])
    [copy] = record_pages(engine, run_id, [make_item(f"{SITE}/y", content_hash="C", present={"open_data": 0.9})])
    assert (copy.stored, copy.status, copy.evidence_count) == (True, "duplicate", 0)


def test_a_race_with_another_worker_falls_back_to_page_by_page(engine, monkeypatch):
    run_id = _new_run(engine)
    items = [make_item(f"{SITE}/p"), make_item(f"{SITE}/q")]
    real = repository._record_batch

    def racing(conn, run, batch):
        record_page(engine_other, run, batch[1])  # another worker stores /q between look-up and insert
        return real(conn, run, batch)

    engine_other = engine
    monkeypatch.setattr(repository, "_FIND_PAGES", repository._FIND_PAGES.where(PageRecord.id < 0))
    monkeypatch.setattr(repository, "_record_batch", racing)
    outcomes = record_pages(engine, run_id, items)
    assert [o.stored for o in outcomes] == [True, False]
    pages, _, _ = _rows(engine, run_id)
    assert [p[1] for p in pages] == [f"{SITE}/old", f"{SITE}/q", f"{SITE}/p"]
