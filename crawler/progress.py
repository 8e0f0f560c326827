"""Per-portal crawl progress, fed by Scrapy signals: a live rich table on a terminal, and the summary.

Always enabled (it only counts); the live display runs only when PORTAL_EVIDENCE_PROGRESS is true,
which `portal-evidence crawl` sets when stderr is a terminal. `rows()` gives the end-of-crawl summary.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from scrapy import signals

from crawler.config import CrawlConfig


@dataclass
class PortalProgress:
    portal_id: str
    pages: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    indicators: set[str] = field(default_factory=set)
    evidence: int = 0

    @property
    def status(self) -> str:
        if self.statuses.get("ok"):
            return "reached"
        return "not_reached" if self.pages else "not_started"


@dataclass(frozen=True)
class SummaryRow:
    portal_id: str
    pages: int
    ok_pages: int
    status: str
    indicators: tuple[str, ...]
    problems: str


class ProgressExtension:
    def __init__(self, crawler: Any, live: bool) -> None:
        self.crawler = crawler
        self.portals: dict[str, PortalProgress] = {}
        self._live_enabled = live
        self._live: Any = None

    @classmethod
    def from_crawler(cls, crawler: Any) -> ProgressExtension:
        extension = cls(crawler, CrawlConfig.from_settings(crawler.settings).progress)
        crawler.signals.connect(extension.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(extension.item_scraped, signal=signals.item_dropped)
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_opened(self, spider: Any) -> None:
        for seed in getattr(spider, "portals", ()):
            self.portals.setdefault(seed.id, PortalProgress(seed.id))
        if self._live_enabled:
            from rich.console import Console
            from rich.live import Live

            self._live = Live(self._table(), console=Console(stderr=True), refresh_per_second=4,
                              get_renderable=self._table, transient=False)
            self._live.start()

    def item_scraped(self, item: Any, spider: Any = None, **kwargs: Any) -> None:
        portal_id = getattr(item, "portal_id", None)
        if portal_id is None:
            return
        progress = self.portals.setdefault(portal_id, PortalProgress(portal_id))
        progress.pages += 1
        progress.statuses[item.status] += 1
        result = getattr(item, "result", None)
        if result is not None and item.status == "ok":
            for indicator, outcome in result.indicators.items():
                if outcome.present:
                    progress.indicators.add(indicator)
                    progress.evidence += len(outcome.evidence)

    def spider_closed(self, spider: Any) -> None:
        if self._live is not None:
            self._live.stop()
            self._live = None

    def queue_size(self, portal_id: str) -> int:
        spider = self.crawler.spider
        frontier = getattr(spider, "frontiers", {}).get(portal_id)
        return frontier.pending if frontier is not None else 0

    def rows(self) -> list[SummaryRow]:
        rows = []
        for portal_id, progress in sorted(self.portals.items()):
            problems = ", ".join(
                f"{status} {count}" for status, count in sorted(progress.statuses.items()) if status != "ok"
            )
            rows.append(
                SummaryRow(portal_id, progress.pages, progress.statuses.get("ok", 0), progress.status,
                           tuple(sorted(progress.indicators)), problems)
            )
        return rows

    def _table(self) -> Any:
        from rich.table import Table

        table = Table(title="portal-evidence crawl", expand=False)
        for column in ("portal", "pages", "queue", "evidence", "indicators"):
            table.add_column(column, justify="right" if column in ("pages", "queue", "evidence") else "left")
        for portal_id, progress in sorted(self.portals.items()):
            table.add_row(portal_id, str(progress.pages), str(self.queue_size(portal_id)), str(progress.evidence),
                          str(len(progress.indicators)))
        return table
