"""Reading an answer key CSV (`portal,indicator,present[,assessor,note]`) strictly.

Used by `portal-evidence decisions import` and `portal-evidence validate --truth`. The whole file
is checked before anything is used: every bad row is reported with its line number and reason,
and a file with any problem is refused as a whole (the commands exit with code 2, writing nothing).

`present` accepts 1/0, true/false, yes/no, present/absent (any case) and `unsure`.
`indicator` accepts the contract ids and their aliases from detectors/indicators.yaml
(e.g. `eparticipation`).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from review.catalogue import indicator_id

REQUIRED = ("portal", "indicator", "present")
OPTIONAL = ("assessor", "note")
MAX_FIELD = 4000
TRUE_WORDS = {"1", "true", "yes", "y", "present"}
FALSE_WORDS = {"0", "false", "no", "n", "absent"}
UNSURE_WORDS = {"unsure"}


class AnswerKeyError(Exception):
    """The file is refused; `problems` lists every reason, one per line, with line numbers."""

    def __init__(self, path: str | Path, problems: list[str]) -> None:
        self.path = str(path)
        self.problems = problems
        shown = "; ".join(problems[:20])
        more = f" (and {len(problems) - 20} more)" if len(problems) > 20 else ""
        super().__init__(f"{path}: {len(problems)} problem(s): {shown}{more}")


@dataclass(frozen=True)
class AnswerRow:
    line: int
    portal: str
    indicator: str
    value: str  # present | absent | unsure
    assessor: str | None
    note: str | None


def parse_value(text: str) -> str | None:
    word = text.strip().lower()
    if word in TRUE_WORDS:
        return "present"
    if word in FALSE_WORDS:
        return "absent"
    if word in UNSURE_WORDS:
        return "unsure"
    return None


@dataclass(frozen=True)
class AnswerKey:
    rows: tuple[AnswerRow, ...]
    ignored_columns: tuple[str, ...]  # extra columns skipped (only with ignore_extra=True)


def read_answer_key(
    path: str | Path, known_portals: Iterable[str] | None = None, *, allow_assessor: bool = True
) -> list[AnswerRow]:
    """All rows of the file, or AnswerKeyError with every problem (unknown columns included)."""
    return list(load_answer_key(path, known_portals, allow_assessor=allow_assessor).rows)


def load_answer_key(
    path: str | Path,
    known_portals: Iterable[str] | None = None,
    *,
    allow_assessor: bool = True,
    ignore_extra: bool = False,
) -> AnswerKey:
    """The rows of the file, or AnswerKeyError with every problem.

    `known_portals`: when given, a portal id outside it is a problem of its row.
    `ignore_extra`: columns other than the known ones are skipped (and named in the result)
    instead of refusing the file.
    """
    text = _read_text(path)
    known = set(known_portals) if known_portals is not None else None
    reader = csv.reader(io.StringIO(text, newline=""))
    problems: list[str] = []
    try:
        header = next(reader)
    except StopIteration:
        raise AnswerKeyError(path, ["line 1: empty file (expected the header portal,indicator,present)"]) from None
    except csv.Error as exc:
        raise AnswerKeyError(path, [f"line 1: not a CSV header: {exc}"]) from None
    columns = [c.strip().lower() for c in header]
    allowed = REQUIRED + (OPTIONAL if allow_assessor else ("note",))
    missing = [c for c in REQUIRED if c not in columns]
    unknown = [c for c in columns if c not in allowed]
    ignored = tuple(unknown) if ignore_extra else ()
    unknown = [] if ignore_extra else unknown
    duplicated = sorted({c for c in columns if columns.count(c) > 1})
    if missing or unknown or duplicated:
        reasons = []
        if missing:
            reasons.append(f"missing column(s) {', '.join(missing)}")
        if unknown:
            reasons.append(f"unknown column(s) {', '.join(unknown)} (allowed: {', '.join(allowed)})")
        if duplicated:
            reasons.append(f"repeated column(s) {', '.join(duplicated)}")
        raise AnswerKeyError(path, [f"line 1: {'; '.join(reasons)}"])
    rows: list[AnswerRow] = []
    seen: dict[tuple[str, str, str], int] = {}
    try:
        for fields in reader:
            line = reader.line_num
            if not any(f.strip() for f in fields):
                continue  # blank lines are allowed
            if len(fields) != len(columns):
                problems.append(f"line {line}: {len(fields)} fields, the header has {len(columns)}")
                continue
            record = dict(zip(columns, (f.strip() for f in fields), strict=True))
            reasons = []
            portal = record["portal"]
            if not portal:
                reasons.append("empty portal")
            elif known is not None and portal not in known:
                reasons.append(f"unknown portal {portal!r} (not in the database)")
            indicator = indicator_id(record["indicator"]) if record["indicator"] else None
            if indicator is None:
                reasons.append(f"unknown indicator {record['indicator']!r}")
            value = parse_value(record["present"])
            if value is None:
                accepted = "1/0, true/false, yes/no, present/absent or unsure"
                reasons.append(f"present must be {accepted}, not {record['present']!r}")
            assessor = record.get("assessor") or None
            note = record.get("note") or None
            for name, field_value in (("assessor", assessor), ("note", note)):
                if field_value and len(field_value) > (200 if name == "assessor" else MAX_FIELD):
                    reasons.append(f"{name} too long")
            if not reasons:
                key = (portal, indicator or "", assessor or "")
                if key in seen:
                    who = f" by {assessor}" if assessor else ""
                    reasons.append(f"repeats {portal},{indicator}{who} of line {seen[key]}")
                else:
                    seen[key] = line
            if reasons:
                problems.append(f"line {line}: {'; '.join(reasons)}")
                continue
            rows.append(AnswerRow(line, portal, indicator or "", value or "", assessor, note))
    except csv.Error as exc:
        problems.append(f"line {reader.line_num}: malformed CSV: {exc}")
    if problems:
        raise AnswerKeyError(path, problems)
    if not rows:
        raise AnswerKeyError(path, ["the file has a header but no rows"])
    return AnswerKey(tuple(rows), ignored)


def _read_text(path: str | Path) -> str:
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise AnswerKeyError(path, [f"cannot read the file: {exc.strerror or exc}"]) from None
    if b"\x00" in raw:
        raise AnswerKeyError(path, ["not a text file (NUL bytes)"])
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise AnswerKeyError(path, [f"line {line}: not UTF-8"]) from None
