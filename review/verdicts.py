"""From the history of human decisions on one (portal, indicator) to the one verified decision.

The rule (used by the review app's progress, the exports and `validate` alike):

1. Only the *current* decision of each author counts: their latest row (decisions are append-only).
2. If a reviewer's **final** decision exists, the latest final decision is the verified decision
   (an answer key imported without an `assessor` column is recorded as final decisions too).
3. Otherwise the current **assessments** decide when they all agree: one assessor alone, or two
   (or more) who chose the same value. Assessors who chose different values make a
   **disagreement**: nothing is verified until a reviewer records the final decision.
4. A verified value of `unsure` is no verdict on presence: `validate` leaves it out of every count
   and reports how many there were; disagreements are left out and counted the same way.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

STATES: tuple[str, ...] = ("final", "agreed", "single", "disagreement", "none")


@dataclass(frozen=True)
class DecisionRow:
    """The fields of one stored decision that the rule needs."""

    id: int
    kind: str  # "assessment" | "final"
    author: str
    value: str  # "present" | "absent" | "unsure"


@dataclass(frozen=True)
class Verdict:
    state: str  # STATES
    value: str | None  # the verified value, None for "disagreement" and "none"
    assessments: tuple[DecisionRow, ...]  # current assessment of each author, by author name

    @property
    def present(self) -> bool | None:
        """True/False for a verified present/absent, None otherwise (unsure, disagreement, none)."""
        return {"present": True, "absent": False}.get(self.value or "")


def current_by_author(rows: Iterable[DecisionRow]) -> dict[str, DecisionRow]:
    latest: dict[str, DecisionRow] = {}
    for row in rows:
        if row.kind != "assessment":
            continue
        seen = latest.get(row.author)
        if seen is None or row.id > seen.id:
            latest[row.author] = row
    return dict(sorted(latest.items()))


def verdict(rows: Iterable[DecisionRow]) -> Verdict:
    rows = list(rows)
    assessments = tuple(current_by_author(rows).values())
    finals = [r for r in rows if r.kind == "final"]
    if finals:
        return Verdict("final", max(finals, key=lambda r: r.id).value, assessments)
    values = {r.value for r in assessments}
    if not values:
        return Verdict("none", None, assessments)
    if len(values) > 1:
        return Verdict("disagreement", None, assessments)
    return Verdict("single" if len(assessments) == 1 else "agreed", values.pop(), assessments)


def is_disagreement(assessments: Iterable[DecisionRow]) -> bool:
    """Two or more assessors whose current values differ."""
    return len({r.value for r in assessments}) > 1
