"""The one candidate scorer: from the pages of a portal in a run to one candidate per indicator.

Rules (issue 4 and the contract):
- only `ok` pages of the portal's own web count (`seeds.ownweb.OwnWeb`: the seed host without
  `www.`, its subdomains, the extra hosts and theirs);
- candidate = 1 iff at least one such page has the indicator present;
- confidence = the highest confidence among present pages, or, for a 0, the highest confidence
  any counted page reached (how close it came);
- evidence_count = the evidence rows of the indicator on counted pages;
- best_evidence_url = the present page that is strongest, then shallowest, then first by URL;
  best_evidence_id = that page's heaviest evidence row of the indicator (lowest id on ties);
- status = found (1) | not_reached (no counted page at all: every page failed) | not_found.

`score_portal` is a pure function over plain values; `compute_candidates` reads a run from the
database, applies it and replaces the candidates of that run only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from detectors.model import INDICATORS
from storage.errors import UnknownRun
from storage.models import Candidate, CrawlRun, EvidenceRecord, PageIndicator, PageRecord, Portal, RunPortal
from storage.repository import now


@dataclass(frozen=True)
class PageSignals:
    """One stored page as the scorer sees it; `indicators` maps id -> (present, confidence)."""

    page_id: int
    url: str  # where the page was found to be (after redirects)
    status: str
    depth: int
    indicators: Mapping[str, tuple[bool, float]]


@dataclass(frozen=True)
class EvidenceRef:
    evidence_id: int
    page_id: int
    indicator: str
    weight: float


@dataclass(frozen=True)
class CandidateScore:
    portal_id: str
    indicator: str
    candidate: int
    confidence: float
    status: str
    evidence_count: int
    best_evidence_url: str | None
    best_evidence_id: int | None


def own_web_matcher(seed_url: str, extra_hosts: Iterable[str] = ()) -> Callable[[str], bool]:
    """A predicate telling whether a URL is on the portal's own web.

    The definition is `seeds.ownweb.OwnWeb` (the one the crawler obeys), so the scorer can never
    disagree with the crawl about which pages are the portal's.
    """
    from seeds.ownweb import OwnWeb

    return OwnWeb.for_url(seed_url, tuple(h for h in (h.strip() for h in extra_hosts) if h)).contains


def score_portal(
    portal_id: str,
    pages: Sequence[PageSignals],
    evidence: Iterable[EvidenceRef],
    *,
    own_web: Callable[[str], bool] | None = None,
    indicators: Sequence[str] = INDICATORS,
) -> tuple[CandidateScore, ...]:
    """Score every indicator (the nine, plus any other id the pages carry) for one portal."""
    counted = {p.page_id: p for p in pages if p.status == "ok" and (own_web is None or own_web(p.url))}
    extra_ids = sorted({i for p in counted.values() for i in p.indicators} - set(indicators))
    by_indicator: dict[str, list[EvidenceRef]] = {}
    for ref in evidence:
        if ref.page_id in counted:
            by_indicator.setdefault(ref.indicator, []).append(ref)
    extra_ids += sorted(set(by_indicator) - set(indicators) - set(extra_ids))

    scores = []
    for indicator in (*indicators, *extra_ids):
        refs = by_indicator.get(indicator, [])
        present = [p for p in counted.values() if p.indicators.get(indicator, (False, 0.0))[0]]
        if present:
            best = min(present, key=lambda p: (-p.indicators[indicator][1], p.depth, p.url, p.page_id))
            on_best = [r for r in refs if r.page_id == best.page_id]
            best_ref = min(on_best, key=lambda r: (-r.weight, r.evidence_id)) if on_best else None
            scores.append(
                CandidateScore(
                    portal_id=portal_id,
                    indicator=indicator,
                    candidate=1,
                    confidence=max(p.indicators[indicator][1] for p in present),
                    status="found",
                    evidence_count=len(refs),
                    best_evidence_url=best.url,
                    best_evidence_id=best_ref.evidence_id if best_ref else None,
                )
            )
            continue
        confidence = max((p.indicators.get(indicator, (False, 0.0))[1] for p in counted.values()), default=0.0)
        scores.append(
            CandidateScore(
                portal_id=portal_id,
                indicator=indicator,
                candidate=0,
                confidence=confidence,
                status="not_found" if counted else "not_reached",
                evidence_count=len(refs),
                best_evidence_url=None,
                best_evidence_id=None,
            )
        )
    return tuple(scores)


def compute_candidates(engine: Engine, run_id: int, portal_ids: Iterable[str] | None = None) -> list[CandidateScore]:
    """Score the portals of a run (all of them by default) and store the result as its candidates.

    Candidates of these portals in this run are replaced; no other run is read or written.
    """
    with Session(engine) as session, session.begin():
        if session.get(CrawlRun, run_id) is None:
            raise UnknownRun(f"no crawl run {run_id} in the database")
        in_run = set(session.scalars(select(RunPortal.portal_id).where(RunPortal.run_id == run_id)))
        in_run |= set(session.scalars(select(PageRecord.portal_id).where(PageRecord.run_id == run_id).distinct()))
        wanted = sorted(in_run if portal_ids is None else set(portal_ids) & in_run)

        pages: dict[str, dict[int, dict]] = {p: {} for p in wanted}
        for page_id, portal_id, url, final_url, status, depth in session.execute(
            select(
                PageRecord.id,
                PageRecord.portal_id,
                PageRecord.url,
                PageRecord.final_url,
                PageRecord.status,
                PageRecord.depth,
            ).where(PageRecord.run_id == run_id)
        ):
            if portal_id in pages:
                pages[portal_id][page_id] = {
                    "url": final_url or url,
                    "status": status,
                    "depth": depth,
                    "indicators": {},
                }
        signals: dict[int, dict] = {pid: page for portal in pages.values() for pid, page in portal.items()}
        for page_id, indicator, present, confidence in session.execute(
            select(PageIndicator.page_id, PageIndicator.indicator, PageIndicator.present, PageIndicator.confidence)
            .join(PageRecord, PageRecord.id == PageIndicator.page_id)
            .where(PageRecord.run_id == run_id)
        ):
            if page_id in signals:
                signals[page_id]["indicators"][indicator] = (bool(present), float(confidence))
        evidence: dict[str, list[EvidenceRef]] = {p: [] for p in wanted}
        for evidence_id, portal_id, page_id, indicator, weight in session.execute(
            select(
                EvidenceRecord.id,
                EvidenceRecord.portal_id,
                EvidenceRecord.page_id,
                EvidenceRecord.indicator,
                EvidenceRecord.weight,
            ).where(EvidenceRecord.run_id == run_id)
        ):
            if portal_id in evidence:
                evidence[portal_id].append(EvidenceRef(evidence_id, page_id, indicator, float(weight)))

        results: list[CandidateScore] = []
        stamp = now()
        for portal_id in wanted:
            portal = session.get(Portal, portal_id)
            seed_url = session.scalar(
                select(RunPortal.seed_url).where(RunPortal.run_id == run_id, RunPortal.portal_id == portal_id)
            ) or (portal.url if portal else "")
            try:
                matcher: Callable[[str], bool] | None = own_web_matcher(seed_url, portal.extra_hosts if portal else ())
            except ValueError:  # a seed URL without a host cannot name an own web: do not filter
                matcher = None
            page_signals = [
                PageSignals(pid, p["url"], p["status"], p["depth"], p["indicators"])
                for pid, p in sorted(pages[portal_id].items())
            ]
            scores = score_portal(portal_id, page_signals, evidence[portal_id], own_web=matcher)
            _store_scores(session, run_id, portal_id, scores, stamp)
            results.extend(scores)
        return results


def _store_scores(
    session: Session, run_id: int, portal_id: str, scores: Sequence[CandidateScore], stamp: datetime
) -> None:
    # Rows are updated in place (not deleted and re-inserted) so that candidate ids stay stable
    # for anything that refers to them; only this run's rows of this portal are touched.
    existing = {
        c.indicator: c
        for c in session.scalars(select(Candidate).where(Candidate.run_id == run_id, Candidate.portal_id == portal_id))
    }
    for score in scores:
        row = existing.pop(score.indicator, None)
        if row is None:
            row = Candidate(run_id=run_id, portal_id=portal_id, indicator=score.indicator)
            session.add(row)
        row.candidate = score.candidate
        row.confidence = score.confidence
        row.status = score.status
        row.evidence_count = score.evidence_count
        row.best_evidence_url = score.best_evidence_url
        row.best_evidence_id = score.best_evidence_id
        row.computed_at = stamp
    for stale in existing.values():  # an indicator id no longer scored in this run
        session.delete(stale)
