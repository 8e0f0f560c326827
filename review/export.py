"""Export of candidates, evidence and decisions: one row per (portal, indicator), as CSV, JSON or XLSX.

Rows cover every portal that has a candidate (latest scored run) or a decision. Each row carries
the indicator's UN feature codes (detectors/indicators.yaml `un_features`), the candidate, the
evidence summary (best URL, count, top snippets), the verified decision with its state (rule of
review/verdicts.py), the reviewer's final decision and each assessor's current assessment.

Spreadsheet safety: snippets and notes come from web pages and people. In CSV a cell that starts
with `=`, `+`, `-`, `@`, tab or carriage return gets a leading apostrophe so spreadsheet programs do
not run it as a formula; XLSX cells are written as typed strings (never formulas); JSON is raw.
"""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from typing import Any

from sqlalchemy import Engine, func, select

from detectors.model import INDICATORS
from review.catalogue import catalogue
from review.store import decision_rows, group_decisions, latest_candidates_all, verdict_rows
from review.verdicts import verdict
from storage.models import Candidate, EvidenceRecord, PageRecord, Portal

TOP_SNIPPETS = 3
COLUMNS: tuple[str, ...] = (
    "portal",
    "portal_name",
    "country",
    "level",
    "indicator",
    "un_features",
    "run_id",
    "candidate",
    "confidence",
    "status",
    "evidence_count",
    "best_evidence_url",
    "top_snippets",
    "decision",
    "decision_state",
    "final_decision",
    "assessments",
    "decision_count",
    "last_decided_at",
    "notes",
)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def export_rows(engine: Engine) -> list[dict[str, Any]]:
    info = catalogue()
    with engine.connect() as conn:
        portals = {r.id: r for r in conn.execute(select(Portal.id, Portal.name, Portal.country, Portal.level))}
        candidates = latest_candidates_all(conn)
        grouped = group_decisions(decision_rows(conn))
        snippets = _top_snippets(conn)
    keys = set(candidates) | set(grouped)
    order = {ident: n for n, ident in enumerate(INDICATORS)}
    rows = []
    for portal_id, indicator in sorted(keys, key=lambda k: (k[0], order.get(k[1], 99), k[1])):
        if indicator not in order:
            continue
        portal = portals.get(portal_id)
        cand = candidates.get((portal_id, indicator))
        decisions = grouped.get((portal_id, indicator), [])
        result = verdict(verdict_rows(decisions))
        finals = [d for d in decisions if d["kind"] == "final"]
        latest_by_author = {d["author"]: d for d in decisions if d["kind"] == "assessment"}
        notes = [f"{d['author']}: {d['note']}" for d in decisions if d["note"]]
        rows.append(
            {
                "portal": portal_id,
                "portal_name": portal.name if portal else None,
                "country": portal.country if portal else None,
                "level": portal.level if portal else None,
                "indicator": indicator,
                "un_features": list(info[indicator].un_features),
                "run_id": cand["run_id"] if cand else None,
                "candidate": cand["candidate"] if cand else None,
                "confidence": round(cand["confidence"], 4) if cand else None,
                "status": cand["status"] if cand else None,
                "evidence_count": cand["evidence_count"] if cand else 0,
                "best_evidence_url": cand["best_evidence_url"] if cand else None,
                "top_snippets": snippets.get((portal_id, indicator), []),
                "decision": result.value,
                "decision_state": result.state,
                "final_decision": finals[-1]["value"] if finals else None,
                "assessments": [
                    {"assessor": a.author, "value": a.value, "note": latest_by_author[a.author]["note"]}
                    for a in result.assessments
                ],
                "decision_count": len(decisions),
                "last_decided_at": _iso(decisions[-1]["created_at"]) if decisions else None,
                "notes": notes,
            }
        )
    return rows


def _top_snippets(conn: Any) -> dict[tuple[str, str], list[str]]:
    latest = (
        select(Candidate.portal_id, func.max(Candidate.run_id).label("run_id")).group_by(Candidate.portal_id).subquery()
    )
    query = (
        select(EvidenceRecord.portal_id, EvidenceRecord.indicator, EvidenceRecord.snippet, PageRecord.url)
        .join(latest, (EvidenceRecord.portal_id == latest.c.portal_id) & (EvidenceRecord.run_id == latest.c.run_id))
        .join(PageRecord, PageRecord.id == EvidenceRecord.page_id)
        .order_by(EvidenceRecord.portal_id, EvidenceRecord.indicator, EvidenceRecord.weight.desc(), EvidenceRecord.id)
    )
    out: dict[tuple[str, str], list[str]] = defaultdict(list)
    for row in conn.execute(query):
        items = out[(row.portal_id, row.indicator)]
        if len(items) < TOP_SNIPPETS:
            items.append(row.snippet)
    return out


def _iso(value: Any) -> str | None:
    return value.isoformat() if hasattr(value, "isoformat") else value


def _flat(row: dict[str, Any]) -> dict[str, Any]:
    """A row with its lists joined into text, for CSV and XLSX."""
    flat = dict(row)
    flat["un_features"] = " ".join(row["un_features"])
    flat["top_snippets"] = " | ".join(row["top_snippets"])
    flat["assessments"] = "; ".join(f"{a['assessor']}={a['value']}" for a in row["assessments"])
    flat["notes"] = " | ".join(row["notes"])
    return flat


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def to_csv(rows: list[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(COLUMNS), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _csv_cell(v) for k, v in _flat(row).items()})
    return buffer.getvalue()


def to_json(rows: list[dict[str, Any]]) -> str:
    return json.dumps(rows, ensure_ascii=False, indent=2)


def to_xlsx(rows: list[dict[str, Any]]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    book = Workbook()
    sheet = book.active
    sheet.title = "decisions"
    sheet.append(list(COLUMNS))
    for number, row in enumerate(rows, start=2):
        flat = _flat(row)
        for column, name in enumerate(COLUMNS, start=1):
            value = flat[name]
            cell = sheet.cell(row=number, column=column)
            if isinstance(value, str):
                # Assigning a str starting with "=" would make openpyxl store a formula.
                # Control characters are not allowed in XLSX; Excel's cell limit is 32767 characters.
                cell.value = ILLEGAL_CHARACTERS_RE.sub("", value)[:32767]
                cell.data_type = "s"
            else:
                cell.value = value
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
