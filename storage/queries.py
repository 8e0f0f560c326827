"""Read-only views of stored results, shared by the `scores` command and later readers.

"Latest run of a portal" means the newest run (highest id) that holds candidates for that portal:
a run killed before it scored anything does not hide the scores of the run before it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from detectors.model import INDICATORS
from storage.models import Candidate

SCORE_COLUMNS: tuple[str, ...] = (
    "portal",
    "indicator",
    "candidate",
    "confidence",
    "evidence_count",
    "best_evidence_url",
)


@dataclass(frozen=True)
class ScoreRow:
    portal: str
    indicator: str
    candidate: int
    confidence: float
    evidence_count: int
    best_evidence_url: str | None
    status: str
    run_id: int

    def to_json(self) -> dict[str, Any]:
        """The contract's object for `portal-evidence scores`."""
        return {
            "portal": self.portal,
            "indicator": self.indicator,
            "candidate": self.candidate,
            "confidence": round(self.confidence, 4),
            "evidence_count": self.evidence_count,
            "best_evidence_url": self.best_evidence_url,
        }


def latest_scores(engine: Engine) -> list[ScoreRow]:
    """Candidates of the latest scored run of every portal, by portal id then indicator order."""
    latest = (
        select(Candidate.portal_id, func.max(Candidate.run_id).label("run_id")).group_by(Candidate.portal_id).subquery()
    )
    query = select(Candidate).join(
        latest, (Candidate.portal_id == latest.c.portal_id) & (Candidate.run_id == latest.c.run_id)
    )
    order = {indicator: position for position, indicator in enumerate(INDICATORS)}
    with Session(engine) as session:
        rows = [
            ScoreRow(
                portal=c.portal_id,
                indicator=c.indicator,
                candidate=int(c.candidate),
                confidence=float(c.confidence),
                evidence_count=int(c.evidence_count),
                best_evidence_url=c.best_evidence_url,
                status=c.status,
                run_id=c.run_id,
            )
            for c in session.scalars(query)
        ]
    rows.sort(key=lambda r: (r.portal, order.get(r.indicator, len(order)), r.indicator))
    return rows
