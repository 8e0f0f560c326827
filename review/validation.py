"""`validate`: agreement of the candidate scores with verified human decisions.

Decisions come from the review tables (the rule of review/verdicts.py: the latest final decision,
else the value all current assessments agree on) or from a truth CSV (`--truth`). Candidates are
those of the latest scored run of each portal (as `portal-evidence scores` prints them); a
(portal, indicator) with a decision but no candidate counts as candidate 0. Decisions of `unsure`
and open disagreements are left out of every count and reported under `excluded`.

All counts and metrics come from evaluation.scoring (the one scorer): TP/FP/FN/TN, precision,
recall, F1, Cohen's kappa with 95 % intervals, macro-F1; `inter_assessor` gives Cohen's kappa for
every pair of assessors over the items both decided present or absent.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from itertools import combinations
from typing import Any

from sqlalchemy import Engine

from detectors.model import INDICATORS
from evaluation.scoring import AGREEMENT_METRICS, INTERVALS, rater_agreement, score, scorecard_to_json
from review.store import decision_rows, group_decisions, latest_candidates_all, verdict_rows
from review.verdicts import current_by_author, verdict

RULE = (
    "verified decision = the latest final (reviewer or imported) decision, else the value all current "
    "assessments agree on (one assessor suffices); unsure and open disagreements are excluded; "
    "a decision without a candidate counts as candidate 0"
)
# Metrics are printed at full float precision, so an outside scorer can compare them exactly.
DIGITS: int | None = None


def review_truth(engine: Engine) -> tuple[dict[tuple[str, str], str], dict[str, int], list[Mapping[str, Any]]]:
    """Verified values from the review tables, the excluded counts, and the raw rows."""
    with engine.connect() as conn:
        rows = decision_rows(conn)
    truth: dict[tuple[str, str], str] = {}
    excluded = {"unsure": 0, "disagreement": 0}
    for key, group in group_decisions(rows).items():
        if key[1] not in INDICATORS:
            continue
        result = verdict(verdict_rows(group))
        if result.state == "disagreement":
            excluded["disagreement"] += 1
        elif result.value is not None:
            truth[key] = result.value
    return truth, excluded, rows


def validate(
    engine: Engine | None, truth_rows: Iterable[Any] | None = None, source: str = "review"
) -> dict[str, Any]:
    """The contract's JSON (plus intervals, exclusions and inter-assessor agreement)."""
    decision_rows_: list[Mapping[str, Any]] = []
    if truth_rows is None:
        if engine is None:
            raise ValueError("validate needs a database or truth rows")
        truth, excluded, decision_rows_ = review_truth(engine)
    else:
        truth = {(r.portal, r.indicator): r.value for r in truth_rows}
        excluded = {"unsure": 0, "disagreement": 0}
    candidates: dict[tuple[str, str], dict[str, Any]] = {}
    if engine is not None:
        with engine.connect() as conn:
            candidates = latest_candidates_all(conn)
    records = []
    without_candidate = 0
    for (portal, indicator), value in sorted(truth.items()):
        if value == "unsure":
            excluded["unsure"] += 1
            continue
        cand = candidates.get((portal, indicator))
        if cand is None:
            without_candidate += 1
        predicted = bool(cand and cand["candidate"])
        records.append((indicator, value == "present", predicted))
    card = score(records, INDICATORS)
    out: dict[str, Any] = {
        "decisions": len(records),
        **scorecard_to_json(card, DIGITS, metrics=AGREEMENT_METRICS, intervals=INTERVALS),
        "source": source,
        "excluded": excluded,
        "without_candidate": without_candidate,
        "confidence_level": 0.95,
        "rule": RULE,
    }
    out["inter_assessor"] = inter_assessor(decision_rows_) if truth_rows is None else None
    return out


def inter_assessor(rows: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """Cohen's kappa per pair of assessors, over items both decided present or absent."""
    by_item = group_decisions(rows)
    pairs: dict[tuple[str, str], list[tuple[bool, bool]]] = defaultdict(list)
    for group in by_item.values():
        current = {
            author: row.value
            for author, row in current_by_author(verdict_rows(group)).items()
            if row.value in ("present", "absent")
        }
        for a, b in combinations(sorted(current), 2):
            pairs[(a, b)].append((current[a] == "present", current[b] == "present"))
    result = []
    for (a, b), items in sorted(pairs.items()):
        result.append({"assessors": [a, b], **rater_agreement(items)})
    return {"pairs": result}


def to_text(report: Mapping[str, Any]) -> str:
    """A plain table for people."""

    def fmt(value: Any) -> str:
        return "-" if value is None else f"{value:.3f}"

    def ci(value: Any) -> str:
        return "" if not value else f"[{value[0]:.2f},{value[1]:.2f}]"

    lines = [
        f"decisions: {report['decisions']} ({report['source']}); excluded: "
        + ", ".join(f"{k} {v}" for k, v in report["excluded"].items())
        + f"; without candidate: {report['without_candidate']}",
        f"{'indicator':<24} {'n':>4} {'tp':>4} {'fp':>4} {'fn':>4} {'tn':>4}  "
        f"{'precision':<20} {'recall':<20} {'f1':<20} {'kappa':<20}",
    ]
    for name, c in report["indicators"].items():
        lines.append(
            f"{name:<24} {c['n']:>4} {c['tp']:>4} {c['fp']:>4} {c['fn']:>4} {c['tn']:>4}  "
            + " ".join(f"{fmt(c[m]) + ' ' + ci(c.get(m + '_ci')):<20}" for m in ("precision", "recall", "f1", "kappa"))
        )
    lines.append(f"macro-F1: {fmt(report['macro_f1'])} over {len(report['macro_f1_over'])} indicators")
    pairs = (report.get("inter_assessor") or {}).get("pairs") or []
    for pair in pairs:
        lines.append(
            f"assessors {pair['assessors'][0]} / {pair['assessors'][1]}: n={pair['n']} "
            f"agreement={fmt(pair['observed_agreement'])} kappa={fmt(pair['kappa'])} {ci(pair['kappa_ci'])}"
        )
    return "\n".join(lines)
