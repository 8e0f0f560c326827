"""The pipelines inside a real Scrapy crawl (engine, signals, close reasons), in a subprocess because
Twisted's reactor cannot restart. The spider yields ready-made PageItems from `start()`, so no
request is made at all."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.database import open_database
from storage.models import Candidate, PageRecord
from storage.repository import list_runs
from tests.storage_fixtures import *  # noqa: F403

REPO = Path(__file__).resolve().parent.parent

SCRIPT = textwrap.dedent(
    """
    import json, sys
    from scrapy import Request, Spider
    from scrapy.exceptions import CloseSpider
    from scrapy.crawler import CrawlerProcess
    from crawler.items import PageItem
    from detectors.model import INDICATORS, Evidence, IndicatorResult, PageResult
    from seeds.loader import Seed

    db_url, stop_early = sys.argv[1], sys.argv[2] == "stop"

    def result(url, present):
        return PageResult(url, "en", {
            i: IndicatorResult(i, i in present, 0.9 if i in present else 0.0,
                               (Evidence(i, i + ".rule", "snippet", "body > a", None, 0.9),) if i in present else ())
            for i in INDICATORS})

    class ItemsSpider(Spider):
        name = "items"
        def __init__(self, **kw):
            super().__init__(**kw)
            self.portals = [Seed("ex", "X", "Example", "national", "https://www.example.gov/"),
                            Seed("down", "X", "Down", "city", "https://down.example.org/")]
            self.seeds_file = "inline"
        async def start(self):
            assert isinstance(self.run_id, int)  # set by StorePipeline.open_spider before start runs
            site = "https://www.example.gov"
            yield PageItem("ex", site + "/", site + "/", "ok", 0, 200, result=result(site + "/", {"search_function"}),
                           content_hash="h0", outlinks=[site + "/data"])
            yield PageItem("ex", site + "/data", site + "/data", "ok", 1, 200,
                           result=result(site + "/data", {"open_data"}), content_hash="h1")
            yield PageItem("ex", site + "/data?print=1", site + "/data?print=1", "ok", 1, 200,
                           result=result(site + "/data", {"open_data"}), content_hash="h1")
            if stop_early:  # like an operator's stop: a callback closes the spider with its own reason
                yield Request("data:,stop", callback=self.stop, dont_filter=True)
                return
            yield PageItem("ex", site + "/bad", site + "/bad", "fetched", 1)  # dropped by validation
            yield PageItem("down", "https://down.example.org/", "https://down.example.org/", "timeout", 0,
                           note="no answer in 30 s")

        def stop(self, response):
            raise CloseSpider("operator_stop")

    settings = {
        "ITEM_PIPELINES": {
            "pipelines.validate.ValidatePagePipeline": 100,
            "pipelines.dedupe.DuplicateContentPipeline": 200,
            "pipelines.store.StorePipeline": 300,
        },
        "PORTAL_EVIDENCE_DB": db_url,
        "LOG_LEVEL": "WARNING",
        "TELNETCONSOLE_ENABLED": False,
    }
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(ItemsSpider)
    process.crawl(crawler)
    process.start()
    stats = crawler.stats.get_stats()
    print(json.dumps({k: v for k, v in stats.items() if k.startswith("portal_evidence/")}
                     | {"finish_reason": stats.get("finish_reason")}))
    """
)


def _crawl(tmp_path, db_url, stop_early=False):
    script = tmp_path / "crawl_items.py"
    script.write_text(SCRIPT)
    proc = subprocess.run(
        [sys.executable, str(script), db_url, "stop" if stop_early else "all"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_a_real_crawl_stores_pages_and_finishes_the_run(tmp_path, any_db_url):
    stats = _crawl(tmp_path, any_db_url)
    assert stats["finish_reason"] == "finished"
    assert stats["portal_evidence/pages_stored"] == 4
    assert stats["portal_evidence/duplicates"] == 1
    assert stats["portal_evidence/dropped/unknown_status"] == 1
    engine = open_database(any_db_url)
    try:
        (run,) = list_runs(engine)
        assert run.status == "finished" and run.portal_ids == ("down", "ex")
        with Session(engine) as s:
            statuses = sorted(s.scalars(select(PageRecord.status)))
            cands = {(c.portal_id, c.indicator): c for c in s.scalars(select(Candidate))}
        assert statuses == ["duplicate", "ok", "ok", "timeout"]
        assert cands[("ex", "open_data")].best_evidence_url == "https://www.example.gov/data"
        assert cands[("ex", "search_function")].candidate == 1
        assert cands[("down", "search_function")].status == "not_reached"
    finally:
        engine.dispose()


def test_a_crawl_closed_early_leaves_an_interrupted_run(tmp_path, sqlite_url):
    stats = _crawl(tmp_path, sqlite_url, stop_early=True)
    assert stats["finish_reason"] == "operator_stop"
    engine = open_database(sqlite_url)
    try:
        (run,) = list_runs(engine)
        assert run.status == "interrupted"
        with Session(engine) as s:
            assert len(s.scalars(select(PageRecord)).all()) == 3  # what came before the stop is kept
            assert len(s.scalars(select(Candidate)).all()) == 18
    finally:
        engine.dispose()
