"""One portal's best-first crawl frontier: budget, depth limit, trap filters, duplicates.

Pure bookkeeping, no Scrapy: the spider adds the links it finds (scored by `crawler.linkscore`)
and pops the best ones while the portal has budget and room in its window of requests in flight.
Keeping the queue here rather than in Scrapy's scheduler is what makes the budget best-first: a
link found late but promising still beats the plain links found early.
"""

from __future__ import annotations

import heapq
import itertools
from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from crawler.traps import PatternCap, canonical_url, trap_reason

SITEMAP_PENALTY = 25  # sitemap URLs wait behind links (they have no real click depth)


@dataclass(frozen=True)
class Entry:
    url: str  # canonical URL
    depth: int
    score: int
    source: str  # "seed", "link", "sitemap", "resume"

    @property
    def priority(self) -> int:
        return self.score * 10 - self.depth * 4 - (SITEMAP_PENALTY if self.source == "sitemap" else 0)


@dataclass
class Frontier:
    portal_id: str
    budget: int
    depth_limit: int
    pattern_cap: int = 40
    calendar_cap: int = 3
    pagination_cap: int = 5
    window: int = 4  # requests in flight at once for this portal
    today: date = field(default_factory=date.today)

    def __post_init__(self) -> None:
        self._heap: list[tuple[int, str, int, Entry]] = []
        self._counter = itertools.count()
        self._queued: dict[str, Entry] = {}  # best entry per URL not yet issued
        self._issued: set[str] = set()
        self._caps = PatternCap(self.pattern_cap, self.calendar_cap)
        self.in_flight: set[str] = set()
        self.used = 0  # URLs tried (budget spent)
        self.refused: Counter[str] = Counter()  # why URLs were not queued

    def add(self, url: str, depth: int, score: int = 0, source: str = "link") -> bool:
        """Queue `url` unless it is known, too deep or a trap; a shallower route replaces a deeper one."""
        key = canonical_url(url)
        if key in self._issued:
            return False
        if depth > self.depth_limit:
            self.refused["depth"] += 1
            return False
        known = self._queued.get(key)
        if known is not None:
            if (depth, -score) >= (known.depth, -known.score) and source != "seed":
                return False
        else:
            reason = trap_reason(key, self.today, self.pagination_cap)
            if reason is not None:
                self.refused[reason] += 1
                return False
            if source != "seed" and not self._caps.allow(key):
                self.refused["pattern_cap"] += 1
                return False
        entry = Entry(key, depth, score, source)
        self._queued[key] = entry
        # Ties break on the URL, not on discovery order, so the order does not depend on timing.
        heapq.heappush(self._heap, (-entry.priority, key, next(self._counter), entry))
        return True

    def mark_done(self, url: str) -> None:
        """Record a URL as already tried (resume: stored by an earlier process of this run)."""
        key = canonical_url(url)
        if key not in self._issued:
            self._issued.add(key)
            self._queued.pop(key, None)
            self._caps.allow(key)  # the per-pattern caps count what the earlier process fetched
            self.used += 1

    def is_known(self, url: str) -> bool:
        key = canonical_url(url)
        return key in self._issued or key in self._queued

    def pop(self) -> Entry | None:
        """The best queued entry, if budget and window allow; it is then counted as in flight."""
        if self.used >= self.budget or len(self.in_flight) >= self.window:
            return None
        while self._heap:
            *_, entry = heapq.heappop(self._heap)
            if self._queued.get(entry.url) is not entry:
                continue  # superseded by a shallower route, or already issued
            del self._queued[entry.url]
            self._issued.add(entry.url)
            self.in_flight.add(entry.url)
            self.used += 1
            return entry
        return None

    def finish(self, url: str) -> None:
        self.in_flight.discard(url)

    @property
    def pending(self) -> int:
        return len(self._queued) if self.used < self.budget else 0

    @property
    def exhausted(self) -> bool:
        return not self.in_flight and (self.used >= self.budget or not self._queued)
