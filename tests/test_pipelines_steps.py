"""The three item pipelines built with Scrapy's get_crawler and called directly (no network):
validation reasons, duplicate content, and the store's run lifecycle on SQLite and PostgreSQL."""

from __future__ import annotations

import warnings

import pytest
from scrapy import Spider, signals
from scrapy.exceptions import CloseSpider, DropItem, ScrapyDeprecationWarning
from scrapy.pipelines import ItemPipelineManager
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pipelines.dedupe import DuplicateContentPipeline
from pipelines.store import StorePipeline
from pipelines.validate import ValidatePagePipeline
from storage.database import open_database
from storage.models import Candidate, CrawlRun, EvidenceRecord, PageRecord, Portal
from storage.repository import get_run, latest_unfinished_run
from tests.storage_fixtures import *  # noqa: F403
from tests.storage_fixtures import make_item, make_seed

SITE = "https://www.example.gov"
PIPELINES = {
    "pipelines.validate.ValidatePagePipeline": 100,
    "pipelines.dedupe.DuplicateContentPipeline": 200,
    "pipelines.store.StorePipeline": 300,
}


class PortalsSpider(Spider):
    name = "portals-test"

    def __init__(self, portals=(), **kwargs):
        super().__init__(**kwargs)
        self.portals = list(portals)
        self.seeds_file = "test-seeds.csv"


def crawler_for(settings=None, portals=None):
    portals = (make_seed(),) if portals is None else portals
    crawler = get_crawler(PortalsSpider, settings or {})
    crawler.spider = crawler._create_spider(portals=portals)
    return crawler


def _count(url, model):
    engine = open_database(url)
    try:
        with Session(engine) as s:
            return s.scalar(select(func.count()).select_from(model))
    finally:
        engine.dispose()


# -- validate ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"status": "fetched"}, "unknown_status"),
        ({"portal_id": ""}, "missing_portal"),
        ({"portal_id": "stranger"}, "unknown_portal"),
        ({"url": ""}, "missing_url"),
        ({"depth": -1}, "bad_depth"),
        ({"depth": "2"}, "bad_depth"),
        ({"result": None}, "ok_without_result"),
        ({"result": object()}, "bad_result"),
    ],
)
def test_validate_drops_bad_items_with_a_reason(changes, code):
    crawler = crawler_for()
    pipeline = build_from_crawler(ValidatePagePipeline, crawler)
    pipeline.open_spider()
    item = make_item(f"{SITE}/page")
    for key, value in changes.items():
        setattr(item, key, value)
    with pytest.raises(DropItem, match="invalid page item"):
        pipeline.process_item(item)
    assert crawler.stats.get_value(f"portal_evidence/dropped/{code}") == 1


def test_validate_passes_good_items_and_other_item_types():
    pipeline = build_from_crawler(ValidatePagePipeline, crawler_for())
    pipeline.open_spider()
    good = make_item(f"{SITE}/")
    failed = make_item(f"{SITE}/gone", status="http_error", http_status=404)
    assert pipeline.process_item(good) is good
    assert pipeline.process_item(failed) is failed
    other = {"something": "else"}
    assert pipeline.process_item(other) is other


def test_validate_without_a_portal_list_accepts_any_portal():
    pipeline = build_from_crawler(ValidatePagePipeline, crawler_for(portals=()))
    pipeline.open_spider()
    item = make_item("https://x.example/", portal_id="whoever")
    assert pipeline.process_item(item) is item


# -- dedupe --------------------------------------------------------------------------------------


def test_dedupe_marks_repeated_content_of_a_portal():
    crawler = crawler_for()
    pipeline = build_from_crawler(DuplicateContentPipeline, crawler)
    first = pipeline.process_item(make_item(f"{SITE}/a", content_hash="H", present={"open_data": 0.9}))
    copy = pipeline.process_item(make_item(f"{SITE}/a?print=1", content_hash="H", present={"open_data": 0.9}))
    assert first.status == "ok" and first.result is not None
    assert copy.status == "duplicate" and copy.result is None and copy.html is None
    assert copy.note == f"same content as {SITE}/a"
    assert crawler.stats.get_value("portal_evidence/duplicates") == 1


def test_dedupe_leaves_other_portals_failures_and_repeats_of_the_same_url_alone():
    pipeline = build_from_crawler(DuplicateContentPipeline, crawler_for())
    pipeline.process_item(make_item(f"{SITE}/a", content_hash="H"))
    other_portal = pipeline.process_item(make_item("https://b.example.org/", portal_id="b", content_hash="H"))
    same_url = pipeline.process_item(make_item(f"{SITE}/a", content_hash="H"))
    failed = pipeline.process_item(make_item(f"{SITE}/x", status="timeout"))
    no_hash = pipeline.process_item(make_item(f"{SITE}/n", content_hash=""))
    assert [i.status for i in (other_portal, same_url, failed, no_hash)] == ["ok", "ok", "timeout", "ok"]


# -- store ---------------------------------------------------------------------------------------


def test_store_runs_a_whole_crawl_run(any_db_url):
    seeds = (make_seed(), make_seed("down", url="https://down.example.org/"))
    crawler = crawler_for(
        {"PORTAL_EVIDENCE_DB": any_db_url, "PORTAL_EVIDENCE_MAX_PAGES": 30, "PORTAL_EVIDENCE_RENDER": "never"},
        portals=seeds,
    )
    store = build_from_crawler(StorePipeline, crawler)
    store.open_spider()
    run_id = crawler.spider.run_id
    assert run_id == store.run_id and crawler.spider.resumed is False
    store.process_item(make_item(f"{SITE}/", present={"open_data": 0.8}, evidence={"open_data": 2}))
    store.process_item(make_item(f"{SITE}/", present={"open_data": 0.8}))  # again: skipped
    store.process_item(make_item("https://down.example.org/", portal_id="down", status="timeout"))
    crawler.signals.send_catch_log(signal=signals.spider_closed, spider=crawler.spider, reason="finished")
    assert store.engine is None  # disposed

    assert crawler.stats.get_value("portal_evidence/pages_stored") == 2
    assert crawler.stats.get_value("portal_evidence/pages_already_stored") == 1
    assert crawler.stats.get_value("portal_evidence/evidence_stored") == 2
    engine = open_database(any_db_url)
    try:
        run = get_run(engine, run_id)
        assert run.status == "finished" and run.finished_at is not None
        assert (run.seeds_file, run.max_pages, run.render_mode) == ("test-seeds.csv", 30, "never")
        assert "PORTAL_EVIDENCE_DB" not in run.settings
        assert run.settings["PORTAL_EVIDENCE_MAX_PAGES"] == 30
        with Session(engine) as s:
            assert s.scalar(select(func.count()).select_from(Portal)) == 2
            cands = {(c.portal_id, c.indicator): c for c in s.scalars(select(Candidate))}
        assert len(cands) == 18
        assert (cands[("ex", "open_data")].candidate, cands[("ex", "open_data")].evidence_count) == (1, 2)
        assert cands[("down", "open_data")].status == "not_reached"
    finally:
        engine.dispose()


@pytest.mark.parametrize("reason", ["shutdown", "cancelled", "closespider_pagecount"])
def test_store_marks_a_run_stopped_early_as_interrupted(sqlite_url, reason):
    crawler = crawler_for({"PORTAL_EVIDENCE_DB": sqlite_url})
    store = build_from_crawler(StorePipeline, crawler)
    store.open_spider()
    store.process_item(make_item(f"{SITE}/", present={"mobile_app": 0.9}))
    store.spider_closed(crawler.spider, reason)
    engine = open_database(sqlite_url)
    try:
        assert get_run(engine, crawler.spider.run_id).status == "interrupted"
        assert latest_unfinished_run(engine, ["ex"]).id == crawler.spider.run_id
    finally:
        engine.dispose()
    assert _count(sqlite_url, Candidate) == 9  # partial scores are kept


def test_store_resumes_a_run_by_id_without_storing_twice(any_db_url):
    first = crawler_for({"PORTAL_EVIDENCE_DB": any_db_url})
    store = build_from_crawler(StorePipeline, first)
    store.open_spider()
    run_id = first.spider.run_id
    pages = [make_item(f"{SITE}/p{i}", present={"open_data": 0.5 + i / 10}) for i in range(3)]
    store.process_item(pages[0])
    store.process_item(pages[1])
    store._dispose()  # the process dies here: no spider_closed

    second = crawler_for({"PORTAL_EVIDENCE_DB": any_db_url, "PORTAL_EVIDENCE_RUN_ID": str(run_id)})
    resumed = build_from_crawler(StorePipeline, second)
    resumed.open_spider()
    assert second.spider.run_id == run_id and second.spider.resumed is True
    for item in pages:
        resumed.process_item(item)
    resumed.spider_closed(second.spider, "finished")
    assert _count(any_db_url, PageRecord) == 3
    assert _count(any_db_url, EvidenceRecord) == 3
    assert _count(any_db_url, CrawlRun) == 1
    engine = open_database(any_db_url)
    try:
        assert get_run(engine, run_id).status == "finished"
    finally:
        engine.dispose()


def test_store_with_resume_setting_finds_the_unfinished_run(sqlite_url):
    first = crawler_for({"PORTAL_EVIDENCE_DB": sqlite_url})
    store = build_from_crawler(StorePipeline, first)
    store.open_spider()
    store.spider_closed(first.spider, "shutdown")
    second = crawler_for({"PORTAL_EVIDENCE_DB": sqlite_url, "PORTAL_EVIDENCE_RESUME": True})
    again = build_from_crawler(StorePipeline, second)
    again.open_spider()
    assert second.spider.run_id == first.spider.run_id and second.spider.resumed
    again.spider_closed(second.spider, "finished")
    # without the setting, a new run starts
    third = crawler_for({"PORTAL_EVIDENCE_DB": sqlite_url})
    fresh = build_from_crawler(StorePipeline, third)
    fresh.open_spider()
    assert third.spider.run_id != first.spider.run_id and not third.spider.resumed
    fresh.spider_closed(third.spider, "finished")


@pytest.mark.parametrize(
    "settings",
    [
        {"PORTAL_EVIDENCE_DB": "nosuchdb://nowhere/x"},
        {"PORTAL_EVIDENCE_DB": "postgresql+psycopg://u:p@127.0.0.1:9/none"},
        {"PORTAL_EVIDENCE_RUN_ID": "777"},
    ],
)
def test_store_closes_the_spider_when_the_database_cannot_be_used(sqlite_url, settings):
    crawler = crawler_for({"PORTAL_EVIDENCE_DB": sqlite_url, **settings})
    store = build_from_crawler(StorePipeline, crawler)
    with pytest.raises(CloseSpider) as info:
        store.open_spider()
    assert info.value.reason == "database_error"
    store.spider_closed(crawler.spider, "database_error")  # nothing to do, no error


def test_store_counts_write_errors_and_keeps_going(sqlite_url, monkeypatch):
    crawler = crawler_for({"PORTAL_EVIDENCE_DB": sqlite_url})
    store = build_from_crawler(StorePipeline, crawler)
    store.open_spider()
    from sqlalchemy.exc import OperationalError

    import pipelines.store as module

    def broken(*_args):
        raise OperationalError("INSERT", {}, Exception("disk I/O error"))

    monkeypatch.setattr(module, "record_page", broken)
    monkeypatch.setattr(module, "record_pages", broken)
    item = make_item(f"{SITE}/")
    assert store.process_item(item) is item
    store.flush()  # the batch fails, then the page on its own
    assert crawler.stats.get_value("portal_evidence/store_errors") == 1
    store.spider_closed(crawler.spider, "finished")


def test_scrapy_calls_our_pipelines_without_the_deprecated_spider_argument(sqlite_url):
    crawler = crawler_for({"PORTAL_EVIDENCE_DB": sqlite_url, "ITEM_PIPELINES": PIPELINES})
    with warnings.catch_warnings():
        warnings.simplefilter("error", ScrapyDeprecationWarning)
        manager = ItemPipelineManager.from_crawler(crawler)
    assert len(manager.middlewares) == 3
    assert not manager._mw_methods_requiring_spider


def test_store_writes_pages_in_batches_and_the_rest_at_the_close(sqlite_url):
    crawler = crawler_for({"PORTAL_EVIDENCE_DB": sqlite_url, "PORTAL_EVIDENCE_STORE_BATCH": 2})
    store = build_from_crawler(StorePipeline, crawler)
    store.open_spider()
    store.process_item(make_item(f"{SITE}/a"))
    assert _count(sqlite_url, PageRecord) == 0  # waits for a full batch (or a second)
    store.process_item(make_item(f"{SITE}/b"))
    assert _count(sqlite_url, PageRecord) == 2
    store.process_item(make_item(f"{SITE}/c"))
    store.spider_closed(crawler.spider, "finished")
    assert _count(sqlite_url, PageRecord) == 3
    assert crawler.stats.get_value("portal_evidence/pages_stored") == 3
