"""Last pipeline step: the database. Opens (and migrates) it when the spider opens, starts or
resumes the crawl run, writes pages with their presence and evidence in batches (one transaction
per batch of at most `STORE_BATCH_PAGES` pages or `STORE_BATCH_SECONDS` seconds), and when the
spider closes writes the last batch, scores the run's candidates and closes the run.

Batches: a transaction per page cost a crawl on a fast server about a tenth of its time. A page
waits at most a second or so before it is written; a process killed meanwhile loses those pages
whole (never half a page), and the resumed crawl fetches them again, as it does for pages that
were in flight.

Settings:
- `PORTAL_EVIDENCE_DB`: SQLAlchemy URL (default: $PORTAL_EVIDENCE_DB, then sqlite:///portal-evidence.db);
- `PORTAL_EVIDENCE_RUN_ID`: continue this run (resume, or a further worker of the same run);
- `PORTAL_EVIDENCE_RESUME`: without a run id, continue the latest unfinished run over the same portals;
- `PORTAL_EVIDENCE_STORE_BATCH`: pages per write transaction (default 50; 1 writes each page at once).

The spider gets `spider.run_id` (and `spider.resumed`) before its `start()` is iterated, so it can
load `storage.resume_state(engine, spider.run_id)`. The run ends `finished` when Scrapy's close
reason is "finished", else `interrupted`; a killed process leaves it `running`, and a resume
completes it. Candidates are computed in both cases (an interrupted run's are partial).
"""

from __future__ import annotations

import logging
import time
from typing import Any

from scrapy import signals
from scrapy.exceptions import CloseSpider
from sqlalchemy.exc import SQLAlchemyError

from crawler.items import PageItem
from storage.database import describe_url, open_database, resolve_db_url
from storage.errors import DatabaseError
from storage.repository import (
    finish_run,
    latest_unfinished_run,
    record_page,
    record_pages,
    resume_run,
    start_run,
)
from storage.scoring import compute_candidates

logger = logging.getLogger(__name__)

# After this many page writes in a row fail, the crawl stops (reason "database_error"): fetching
# on without storing would only waste the portals' bandwidth. A resume continues the run.
MAX_CONSECUTIVE_WRITE_ERRORS = 5

# Pages are written in one transaction per batch: when this many are waiting, or when the oldest
# has waited this long (checked on every page and by a timer, so a slow crawl writes too).
STORE_BATCH_PAGES = 50
STORE_BATCH_SECONDS = 1.0

# Settings worth keeping with a run, to know later how it was crawled (never the DB URL: secrets).
RECORDED_SETTINGS = (
    "USER_AGENT",
    "ROBOTSTXT_OBEY",
    "DOWNLOAD_DELAY",
    "DOWNLOAD_TIMEOUT",
    "CONCURRENT_REQUESTS",
    "CONCURRENT_REQUESTS_PER_DOMAIN",
    "AUTOTHROTTLE_ENABLED",
    "DEPTH_LIMIT",
)


class StorePipeline:
    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        settings = crawler.settings
        self.db_url = resolve_db_url(settings.get("PORTAL_EVIDENCE_DB"))
        self.requested_run_id = _optional_int(settings.get("PORTAL_EVIDENCE_RUN_ID"), "PORTAL_EVIDENCE_RUN_ID")
        self.resume = settings.getbool("PORTAL_EVIDENCE_RESUME", False)
        self.engine: Any = None
        self.run_id: int | None = None
        self._write_errors = 0
        self.batch_pages = max(1, settings.getint("PORTAL_EVIDENCE_STORE_BATCH", STORE_BATCH_PAGES))
        self._pending: list[PageItem] = []  # pages not written yet, oldest first
        self._pending_since = 0.0  # time.monotonic() when the oldest pending page arrived
        self._timer: Any = None

    @classmethod
    def from_crawler(cls, crawler: Any) -> StorePipeline:
        pipeline = cls(crawler)
        # The close reason ("finished", "shutdown", ...) reaches only spider_closed handlers.
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        return pipeline

    # -- lifecycle -------------------------------------------------------------------------------

    def open_spider(self) -> None:
        spider = self.crawler.spider
        seeds = list(getattr(spider, "portals", None) or [])
        try:
            self.engine = open_database(self.db_url)
            run_id = self.requested_run_id
            if run_id is None and self.resume:
                unfinished = latest_unfinished_run(self.engine, [seed.id for seed in seeds])
                run_id = unfinished.id if unfinished is not None else None
            if run_id is not None:
                resume_run(self.engine, run_id, seeds)
                resumed = True
            else:
                run_id = start_run(
                    self.engine,
                    seeds,
                    seeds_file=_seeds_file(spider),
                    max_pages=self._max_pages(spider),
                    render_mode=self._render_mode(spider),
                    settings=self._recorded_settings(),
                )
                resumed = False
        except (DatabaseError, SQLAlchemyError) as exc:
            logger.error("Cannot use the database %s: %s", describe_url(self.db_url), exc)
            self._dispose()
            raise CloseSpider("database_error") from exc
        self.run_id = run_id
        spider.run_id = run_id
        spider.resumed = resumed
        logger.info("%s run %s in %s", "Resuming" if resumed else "Started", run_id, describe_url(self.db_url))
        self._start_timer()

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, PageItem) or self.engine is None or self.run_id is None:
            return item
        if not self._pending:
            self._pending_since = time.monotonic()
        self._pending.append(item)
        if len(self._pending) >= self.batch_pages or time.monotonic() - self._pending_since >= STORE_BATCH_SECONDS:
            self.flush()
        return item

    def flush(self) -> None:
        """Write the pending pages: one transaction, or page by page if the batch fails."""
        if not self._pending or self.engine is None or self.run_id is None:
            return
        batch, self._pending = self._pending, []
        try:
            outcomes = record_pages(self.engine, self.run_id, batch)
        except SQLAlchemyError:
            # Find the page(s) at fault: each is written (or counted as failed) on its own.
            for item in batch:
                try:
                    self._count(record_page(self.engine, self.run_id, item))
                except SQLAlchemyError as exc:
                    self._write_failed(item, exc)
            return
        for outcome in outcomes:
            self._count(outcome)

    def _count(self, outcome: Any) -> None:
        self._write_errors = 0
        stats = self.crawler.stats
        if stats is not None:
            if outcome.stored:
                stats.inc_value("portal_evidence/pages_stored")
                stats.inc_value(f"portal_evidence/pages_stored/{outcome.status}")
                stats.inc_value("portal_evidence/evidence_stored", outcome.evidence_count)
            else:
                stats.inc_value("portal_evidence/pages_already_stored")

    def _start_timer(self) -> None:
        """Write a waiting batch after STORE_BATCH_SECONDS even when no further page arrives."""
        from scrapy.utils.asyncio import create_looping_call
        from scrapy.utils.reactor import is_reactor_installed

        if not is_reactor_installed():
            return  # a pipeline driven by hand: batches are written when full or at the close
        from twisted.internet import reactor

        if not reactor.running:
            return

        def due() -> None:
            if self._pending and time.monotonic() - self._pending_since >= STORE_BATCH_SECONDS:
                self.flush()

        self._timer = create_looping_call(due)
        self._timer.start(STORE_BATCH_SECONDS / 2, now=False)

    def _stop_timer(self) -> None:
        if self._timer is not None:
            if self._timer.running:
                self._timer.stop()
            self._timer = None

    def spider_closed(self, spider: Any, reason: str) -> None:
        self._stop_timer()
        if self.engine is None or self.run_id is None:
            return
        self.flush()
        status = "finished" if reason == "finished" else "interrupted"
        try:
            scores = compute_candidates(self.engine, self.run_id)
            finish_run(self.engine, self.run_id, status)
            logger.info("Run %s %s (%s): %d candidate scores", self.run_id, status, reason, len(scores))
        except SQLAlchemyError as exc:
            logger.error("Could not score and close run %s: %s (run it again to resume)", self.run_id, exc)
        finally:
            self._dispose()

    # -- helpers ---------------------------------------------------------------------------------

    def _write_failed(self, item: PageItem, exc: Exception) -> None:
        self._write_errors += 1
        logger.error("Could not store %s: %s", item.url, str(exc).splitlines()[0])
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value("portal_evidence/store_errors")
        if self._write_errors == MAX_CONSECUTIVE_WRITE_ERRORS:
            from scrapy.utils.defer import deferred_from_coro

            logger.error("%d page writes failed in a row: stopping the crawl", self._write_errors)
            try:
                engine = self.crawler.engine
            except RuntimeError:  # not crawling (e.g. a pipeline driven by hand)
                return
            deferred_from_coro(engine.close_spider_async(reason="database_error"))

    def _dispose(self) -> None:
        self._stop_timer()
        if self.engine is not None:
            self.engine.dispose()
            self.engine = None

    def _max_pages(self, spider: Any) -> int | None:
        config = getattr(spider, "config", None)
        if getattr(config, "max_pages", None) is not None:
            return int(config.max_pages)
        return _optional_int(self.crawler.settings.get("PORTAL_EVIDENCE_MAX_PAGES"), "PORTAL_EVIDENCE_MAX_PAGES")

    def _render_mode(self, spider: Any) -> str | None:
        config = getattr(spider, "config", None)
        return getattr(config, "render", None) or self.crawler.settings.get("PORTAL_EVIDENCE_RENDER")

    def _recorded_settings(self) -> dict[str, Any]:
        settings = self.crawler.settings
        recorded = {name: settings.get(name) for name in RECORDED_SETTINGS if settings.get(name) is not None}
        for name, value in settings.items():
            if name.startswith("PORTAL_EVIDENCE_") and name != "PORTAL_EVIDENCE_DB":
                recorded[name] = value
        return recorded


def _seeds_file(spider: Any) -> str | None:
    value = getattr(spider, "seeds_file", None)
    return str(value) if value else None


def _optional_int(value: Any, name: str) -> int | None:
    if value is None or value == "":
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a whole number, not {value!r}") from None
