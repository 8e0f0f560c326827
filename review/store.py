"""Reading and writing the review's data: users, assignments, decisions, and the portal views.

Every function takes an `Engine`, runs in its own short transaction and returns plain values
(frozen dataclasses or JSON-ready dicts), so the web app, its JSON API and the command line show
exactly the same data. Queries are built with SQLAlchemy expressions only (bound parameters, no
SQL text from strings). Decisions are only ever inserted (see storage/decisions.py).

Who sees what:
- an assessor sees the portals assigned to them and only their *own* decisions;
- a reviewer or admin sees every portal, every assessor's current decision, the disagreements
  and the final decisions, and records final decisions.
"""

from __future__ import annotations

import contextlib
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Engine, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from detectors.model import INDICATORS
from review.catalogue import catalogue
from review.highlight import split_snippet
from review.verdicts import DecisionRow, current_by_author, is_disagreement, verdict
from storage.decisions import DECISION_VALUES, ROLES, Assignment, Decision, User
from storage.models import Candidate, CrawlRun, EvidenceRecord, PageRecord, Portal

NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,99}$")
MIN_PASSWORD = 8
MAX_NOTE = 4000
MAX_URL = 2000
ASSESSORS_PER_PORTAL = 2
EVIDENCE_SHOWN = 50  # per indicator on the portal page; the count says how many there are
DEFAULT_ALERT_THRESHOLD = 0.05


class ReviewError(Exception):
    """A request the review cannot honour; `code` maps to an HTTP status in the app."""

    status = 400

    def __init__(self, code: str, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        if status is not None:
            self.status = status


def not_found(message: str) -> ReviewError:
    return ReviewError("not_found", message, 404)


def forbidden(message: str) -> ReviewError:
    return ReviewError("forbidden", message, 403)


@dataclass(frozen=True)
class UserInfo:
    id: int
    name: str
    role: str

    @property
    def is_reviewer(self) -> bool:
        return self.role in ("reviewer", "admin")

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "role": self.role}


def _now() -> datetime:
    return datetime.now(UTC)


# -- users ---------------------------------------------------------------------------------------


def _hasher() -> Any:
    from argon2 import PasswordHasher

    return PasswordHasher()


def check_user_fields(name: str, role: str, password: str) -> None:
    if not NAME_RE.match(name or ""):
        raise ReviewError("bad_request", "user name: 1-100 letters, digits or _.@- (starting with a letter or digit)")
    if role not in ROLES:
        raise ReviewError("bad_request", f"role must be one of {', '.join(ROLES)}")
    if len(password) < MIN_PASSWORD:
        raise ReviewError("bad_request", f"password must have at least {MIN_PASSWORD} characters")


def create_user(engine: Engine, name: str, role: str, password: str) -> UserInfo:
    check_user_fields(name, role, password)
    hashed = _hasher().hash(password)
    try:
        with engine.begin() as conn:
            new_id = conn.execute(
                insert(User).values(name=name, role=role, password_hash=hashed, active=True, created_at=_now())
            ).inserted_primary_key[0]
    except IntegrityError:
        raise ReviewError("conflict", f"user {name!r} already exists", 409) from None
    return UserInfo(int(new_id), name, role)


def list_users(engine: Engine) -> list[UserInfo]:
    with engine.connect() as conn:
        rows = conn.execute(select(User.id, User.name, User.role).where(User.active).order_by(User.name))
        return [UserInfo(r.id, r.name, r.role) for r in rows]


def users_with_assignments(engine: Engine) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        assigned: dict[int, list[str]] = defaultdict(list)
        for user_id, portal_id in conn.execute(select(Assignment.user_id, Assignment.portal_id)):
            assigned[user_id].append(portal_id)
        rows = conn.execute(select(User.id, User.name, User.role).where(User.active).order_by(User.name)).all()
    return [{"name": r.name, "role": r.role, "portals": sorted(assigned.get(r.id, []))} for r in rows]


def get_user(engine: Engine, user_id: int) -> UserInfo | None:
    with engine.connect() as conn:
        row = conn.execute(select(User.id, User.name, User.role).where(User.id == user_id, User.active)).first()
    return UserInfo(row.id, row.name, row.role) if row else None


def authenticate(engine: Engine, name: str, password: str) -> UserInfo | None:
    """The user if the password is right, else None (same answer for an unknown name)."""
    from argon2.exceptions import InvalidHashError, VerificationError

    with engine.connect() as conn:
        row = conn.execute(
            select(User.id, User.name, User.role, User.password_hash).where(User.name == name, User.active)
        ).first()
    hasher = _hasher()
    if row is None:
        # Spend the same time as for a real user, so timing does not tell which names exist.
        with contextlib.suppress(VerificationError, InvalidHashError):
            hasher.verify(_dummy_hash(), password)
        return None
    try:
        hasher.verify(row.password_hash, password)
    except (VerificationError, InvalidHashError):
        return None
    return UserInfo(row.id, row.name, row.role)


_DUMMY: list[str] = []


def _dummy_hash() -> str:
    if not _DUMMY:
        _DUMMY.append(_hasher().hash("not a password of anyone"))
    return _DUMMY[0]


# -- assignments ---------------------------------------------------------------------------------


def assign(engine: Engine, portal_id: str, user_name: str) -> None:
    """Give a portal to an assessor (at most two assessors per portal)."""
    with engine.begin() as conn:
        if conn.execute(select(Portal.id).where(Portal.id == portal_id)).first() is None:
            raise not_found(f"unknown portal {portal_id!r}")
        user = conn.execute(select(User.id, User.role).where(User.name == user_name, User.active)).first()
        if user is None:
            raise not_found(f"unknown user {user_name!r}")
        if user.role != "assessor":
            raise ReviewError("bad_request", f"{user_name!r} is a {user.role}; only assessors are assigned portals")
        assigned = conn.execute(select(Assignment.user_id).where(Assignment.portal_id == portal_id)).scalars().all()
        if user.id in assigned:
            raise ReviewError("conflict", f"{user_name!r} is already assigned to {portal_id!r}", 409)
        if len(assigned) >= ASSESSORS_PER_PORTAL:
            raise ReviewError("conflict", f"{portal_id!r} already has {ASSESSORS_PER_PORTAL} assessors", 409)
        conn.execute(insert(Assignment).values(portal_id=portal_id, user_id=user.id, created_at=_now()))


def unassign(engine: Engine, portal_id: str, user_name: str) -> None:
    """Take a portal back from an assessor. Their decisions on it stay (decisions are never deleted)."""
    with engine.begin() as conn:
        user = conn.execute(select(User.id).where(User.name == user_name)).first()
        if user is None:
            raise not_found(f"unknown user {user_name!r}")
        removed = conn.execute(
            delete(Assignment).where(Assignment.portal_id == portal_id, Assignment.user_id == user.id)
        ).rowcount
        if not removed:
            raise not_found(f"{user_name!r} is not assigned to {portal_id!r}")


def deactivate_user(engine: Engine, user_name: str) -> None:
    """Close an account: it can no longer log in and its open sessions stop working at once
    (every request looks the user up as active). Its decisions and history stay."""
    with engine.begin() as conn:
        changed = conn.execute(
            update(User).where(User.name == user_name, User.active).values(active=False)
        ).rowcount
    if not changed:
        raise not_found(f"unknown or already inactive user {user_name!r}")


def assignees(engine: Engine, portal_id: str) -> list[str]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(User.name).join(Assignment, Assignment.user_id == User.id).where(Assignment.portal_id == portal_id)
        )
        return sorted(r.name for r in rows)


def _is_assigned(conn: Any, portal_id: str, user_id: int) -> bool:
    query = select(Assignment.id).where(Assignment.portal_id == portal_id, Assignment.user_id == user_id)
    return conn.execute(query).first() is not None


# -- decisions -----------------------------------------------------------------------------------


def check_evidence_url(url: str | None) -> str | None:
    url = (url or "").strip()
    if not url:
        return None
    if len(url) > MAX_URL:
        raise ReviewError("bad_request", f"evidence URL longer than {MAX_URL} characters")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ReviewError("bad_request", "evidence URL must be an http(s) address")
    return url


def record_decision(
    engine: Engine,
    viewer: UserInfo,
    portal_id: str,
    indicator: str,
    value: str,
    note: str | None = None,
    evidence_url: str | None = None,
    source: str = "review",
) -> dict[str, Any]:
    """Append one decision: an assessment by an assessor, a final decision by a reviewer/admin."""
    if indicator not in INDICATORS:
        raise ReviewError("bad_request", f"unknown indicator {indicator!r}")
    if value not in DECISION_VALUES:
        raise ReviewError("bad_request", f"decision must be one of {', '.join(DECISION_VALUES)}")
    note = (note or "").strip() or None
    if note and len(note) > MAX_NOTE:
        raise ReviewError("bad_request", f"note longer than {MAX_NOTE} characters")
    evidence_url = check_evidence_url(evidence_url)
    kind = "final" if viewer.is_reviewer else "assessment"
    with engine.begin() as conn:
        if conn.execute(select(Portal.id).where(Portal.id == portal_id)).first() is None:
            raise not_found(f"unknown portal {portal_id!r}")
        if kind == "assessment" and not _is_assigned(conn, portal_id, viewer.id):
            raise forbidden(f"portal {portal_id!r} is not assigned to {viewer.name}")
        current = _latest_candidates(conn, [portal_id]).get((portal_id, indicator))
        row = {
            "portal_id": portal_id,
            "indicator": indicator,
            "kind": kind,
            "value": value,
            "note": note,
            "evidence_url": evidence_url,
            "user_id": viewer.id,
            "author": viewer.name,
            "source": source,
            "run_id": current["run_id"] if current else None,
            "candidate": current["candidate"] if current else None,
            "created_at": _now(),
        }
        new_id = conn.execute(insert(Decision).values(**row)).inserted_primary_key[0]
    return _decision_json({**row, "id": int(new_id)})


def _decision_json(row: Mapping[str, Any]) -> dict[str, Any]:
    created = row["created_at"]
    return {
        "id": row["id"],
        "portal": row["portal_id"],
        "indicator": row["indicator"],
        "kind": row["kind"],
        "value": row["value"],
        "note": row["note"],
        "evidence_url": row["evidence_url"],
        "author": row["author"],
        "source": row["source"],
        "run_id": row["run_id"],
        "candidate": row["candidate"],
        "created_at": created.isoformat() if isinstance(created, datetime) else created,
    }


_DECISION_COLUMNS = (
    Decision.id,
    Decision.portal_id,
    Decision.indicator,
    Decision.kind,
    Decision.value,
    Decision.note,
    Decision.evidence_url,
    Decision.user_id,
    Decision.author,
    Decision.source,
    Decision.run_id,
    Decision.candidate,
    Decision.created_at,
)


def decision_rows(conn: Any, portal_ids: Iterable[str] | None = None) -> list[Mapping[str, Any]]:
    """Every stored decision (optionally of some portals), oldest first."""
    query = select(*_DECISION_COLUMNS).order_by(Decision.id)
    if portal_ids is not None:
        query = query.where(Decision.portal_id.in_(list(portal_ids)))
    result = conn.execute(query)
    keys = tuple(result.keys())
    return [dict(zip(keys, r, strict=True)) for r in result.tuples()]


def verdict_rows(rows: Iterable[Mapping[str, Any]]) -> list[DecisionRow]:
    return [DecisionRow(r["id"], r["kind"], r["author"], r["value"]) for r in rows]


def group_decisions(rows: Iterable[Mapping[str, Any]]) -> dict[tuple[str, str], list[Mapping[str, Any]]]:
    grouped: dict[tuple[str, str], list[Mapping[str, Any]]] = defaultdict(list)
    for row in rows:
        grouped[(row["portal_id"], row["indicator"])].append(row)
    return grouped


def history(engine: Engine, viewer: UserInfo, portal_id: str, indicator: str | None = None) -> list[dict[str, Any]]:
    """The decisions on a portal, newest first; an assessor sees only their own."""
    with engine.connect() as conn:
        _check_portal_access(conn, viewer, portal_id)
        rows = decision_rows(conn, [portal_id])
    rows = [r for r in rows if indicator is None or r["indicator"] == indicator]
    if not viewer.is_reviewer:
        rows = [r for r in rows if r["user_id"] == viewer.id]
    return [_decision_json(r) for r in reversed(rows)]


# -- candidates ----------------------------------------------------------------------------------


def _run_ids(conn: Any, portal_ids: list[str]) -> dict[str, list[int]]:
    """The scored runs of each portal, newest first."""
    query = select(Candidate.portal_id, Candidate.run_id).distinct()
    if len(portal_ids) < 500:
        query = query.where(Candidate.portal_id.in_(portal_ids))
    runs: dict[str, list[int]] = defaultdict(list)
    for portal_id, run_id in conn.execute(query):
        runs[portal_id].append(run_id)
    return {p: sorted(r, reverse=True) for p, r in runs.items()}


def _candidates_of_runs(conn: Any, pairs: Iterable[tuple[str, int]]) -> dict[tuple[str, str], dict[str, Any]]:
    pairs = list(pairs)
    out: dict[tuple[str, str], dict[str, Any]] = {}
    if not pairs:
        return out
    wanted = set(pairs)
    portal_ids = sorted({p for p, _ in pairs})
    query = select(
        Candidate.portal_id,
        Candidate.run_id,
        Candidate.indicator,
        Candidate.candidate,
        Candidate.confidence,
        Candidate.status,
        Candidate.evidence_count,
        Candidate.best_evidence_url,
    )
    if len(portal_ids) < 500:
        query = query.where(Candidate.portal_id.in_(portal_ids))
    if len({r for _, r in pairs}) == 1:
        query = query.where(Candidate.run_id == pairs[0][1])
    for row in conn.execute(query):
        if (row.portal_id, row.run_id) in wanted:
            out[(row.portal_id, row.indicator)] = dict(row._mapping)
    return out


def _latest_candidates(conn: Any, portal_ids: list[str]) -> dict[tuple[str, str], dict[str, Any]]:
    runs = _run_ids(conn, portal_ids)
    return _candidates_of_runs(conn, [(p, r[0]) for p, r in runs.items() if p in set(portal_ids)])


def latest_candidates_all(conn: Any) -> dict[tuple[str, str], dict[str, Any]]:
    """Candidates of the latest scored run of every portal, keyed by (portal, indicator)."""
    latest = (
        select(Candidate.portal_id, func.max(Candidate.run_id).label("run_id")).group_by(Candidate.portal_id).subquery()
    )
    query = select(
        Candidate.portal_id,
        Candidate.run_id,
        Candidate.indicator,
        Candidate.candidate,
        Candidate.confidence,
        Candidate.status,
        Candidate.evidence_count,
        Candidate.best_evidence_url,
        Candidate.best_evidence_id,
    ).join(latest, (Candidate.portal_id == latest.c.portal_id) & (Candidate.run_id == latest.c.run_id))
    result = conn.execute(query)
    keys = tuple(result.keys())
    # dict(zip(...)) per plain tuple: several times faster than Row._mapping on thousands of rows.
    portal_at, indicator_at = keys.index("portal_id"), keys.index("indicator")
    return {(r[portal_at], r[indicator_at]): dict(zip(keys, r, strict=True)) for r in result.tuples()}


# -- views ---------------------------------------------------------------------------------------


def _portal_json(row: Any) -> dict[str, Any]:
    return {"id": row.id, "name": row.name, "country": row.country, "level": row.level, "url": row.url}


def _check_portal_access(conn: Any, viewer: UserInfo, portal_id: str) -> Any:
    row = conn.execute(
        select(Portal.id, Portal.name, Portal.country, Portal.level, Portal.url).where(Portal.id == portal_id)
    ).first()
    if row is None:
        raise not_found(f"unknown portal {portal_id!r}")
    if not viewer.is_reviewer and not _is_assigned(conn, portal_id, viewer.id):
        raise forbidden(f"portal {portal_id!r} is not assigned to {viewer.name}")
    return row


def _visible_decisions(viewer: UserInfo, rows: list[Mapping[str, Any]]) -> dict[str, Any]:
    """What the viewer may know of the decisions on one (portal, indicator)."""
    own_kind = "final" if viewer.is_reviewer else "assessment"
    own = [r for r in rows if r["user_id"] == viewer.id and r["kind"] == own_kind]
    mine = _decision_json(own[-1]) if own else None
    out: dict[str, Any] = {"mine": mine}
    if viewer.is_reviewer:
        result = verdict(verdict_rows(rows))
        latest_by_author = {r["author"]: r for r in rows if r["kind"] == "assessment"}
        out["assessments"] = [_decision_json(latest_by_author[a.author]) for a in result.assessments]
        finals = [r for r in rows if r["kind"] == "final"]
        out["final"] = _decision_json(finals[-1]) if finals else None
        out["verdict"] = {"state": result.state, "value": result.value}
        out["disagreement"] = is_disagreement(result.assessments)
    return out


def portal_page(engine: Engine, viewer: UserInfo, portal_id: str) -> dict[str, Any]:
    """Everything the portal page shows (and `GET /api/portals/{id}` returns)."""
    info = catalogue()
    with engine.connect() as conn:
        portal = _check_portal_access(conn, viewer, portal_id)
        runs = _run_ids(conn, [portal_id]).get(portal_id, [])
        run_id = runs[0] if runs else None
        previous_run = runs[1] if len(runs) > 1 else None
        current = _candidates_of_runs(conn, [(portal_id, run_id)]) if run_id else {}
        previous = _candidates_of_runs(conn, [(portal_id, previous_run)]) if previous_run else {}
        evidence: dict[str, list[dict[str, Any]]] = defaultdict(list)
        if run_id is not None:
            query = (
                select(
                    EvidenceRecord.indicator,
                    EvidenceRecord.rule,
                    EvidenceRecord.snippet,
                    EvidenceRecord.locator,
                    EvidenceRecord.target_url,
                    EvidenceRecord.weight,
                    EvidenceRecord.rendered,
                    EvidenceRecord.depth,
                    PageRecord.url,
                    PageRecord.title,
                )
                .join(PageRecord, PageRecord.id == EvidenceRecord.page_id)
                .where(EvidenceRecord.run_id == run_id, EvidenceRecord.portal_id == portal_id)
                .order_by(EvidenceRecord.indicator, EvidenceRecord.weight.desc(), EvidenceRecord.id)
            )
            for row in conn.execute(query):
                items = evidence[row.indicator]
                if len(items) >= EVIDENCE_SHOWN:
                    continue
                before, match, after = split_snippet(row.rule, row.snippet)
                items.append(
                    {
                        "rule": row.rule,
                        "snippet": row.snippet,
                        "highlight": [len(before), len(before) + len(match)] if match else None,
                        "parts": [before, match, after],
                        "locator": row.locator,
                        "target_url": row.target_url,
                        "weight": row.weight,
                        "rendered": bool(row.rendered),
                        "depth": row.depth,
                        "page_url": row.url,
                        "page_title": row.title,
                    }
                )
        run_row = None
        if run_id is not None:
            run_row = conn.execute(select(CrawlRun.id, CrawlRun.started_at).where(CrawlRun.id == run_id)).first()
        decisions = group_decisions(decision_rows(conn, [portal_id]))
        assigned = conn.execute(
            select(User.name).join(Assignment, Assignment.user_id == User.id).where(Assignment.portal_id == portal_id)
        ).scalars()
        assigned_names = sorted(assigned)
    indicators = []
    decided = 0
    for ident in INDICATORS:
        cand = current.get((portal_id, ident))
        prev = previous.get((portal_id, ident))
        seen = _visible_decisions(viewer, decisions.get((portal_id, ident), []))
        if seen["mine"] is not None:
            decided += 1
        indicators.append(
            {
                "id": ident,
                "label": info[ident].label,
                "headline": info[ident].headline,
                "definition": info[ident].definition,
                "un_features": list(info[ident].un_features),
                "candidate": cand["candidate"] if cand else None,
                "confidence": round(cand["confidence"], 4) if cand else None,
                "status": cand["status"] if cand else None,
                "evidence_count": cand["evidence_count"] if cand else 0,
                "best_evidence_url": cand["best_evidence_url"] if cand else None,
                "previous": (
                    {"run_id": previous_run, "candidate": prev["candidate"], "status": prev["status"]} if prev else None
                ),
                "evidence": evidence.get(ident, []),
                **seen,
            }
        )
    return {
        "portal": _portal_json(portal),
        "run": {"id": run_row.id, "started_at": run_row.started_at.isoformat()} if run_row else None,
        "previous_run": previous_run,
        "assessors": assigned_names,
        "viewer": viewer.to_json(),
        "progress": {"decided": decided, "total": len(INDICATORS)},
        "indicators": indicators,
    }


@dataclass(frozen=True)
class PortalFilters:
    country: str | None = None
    level: str | None = None
    indicator: str | None = None
    candidate_status: str | None = None  # found | not_found | not_reached, for `indicator` or any
    status: str | None = None  # review status: unreviewed | partial | done
    disagreement: bool = False

    def check(self) -> None:
        if self.indicator and self.indicator not in INDICATORS:
            raise ReviewError("bad_request", f"unknown indicator {self.indicator!r}")
        if self.candidate_status and self.candidate_status not in ("found", "not_found", "not_reached"):
            raise ReviewError("bad_request", "candidate_status must be found, not_found or not_reached")
        if self.status and self.status not in ("unreviewed", "partial", "done"):
            raise ReviewError("bad_request", "status must be unreviewed, partial or done")


def portal_list(engine: Engine, viewer: UserInfo, filters: PortalFilters | None = None) -> dict[str, Any]:
    """The portals list with review progress (the viewer's own, or verified for reviewers)."""
    filters = filters or PortalFilters()
    filters.check()
    with engine.connect() as conn:
        query = select(Portal.id, Portal.name, Portal.country, Portal.level, Portal.url).order_by(Portal.id)
        if not viewer.is_reviewer:
            query = query.join(Assignment, Assignment.portal_id == Portal.id).where(Assignment.user_id == viewer.id)
        if filters.country:
            query = query.where(Portal.country == filters.country)
        if filters.level:
            query = query.where(Portal.level == filters.level)
        portals = list(conn.execute(query))
        candidates = latest_candidates_all(conn)
        decisions = group_decisions(decision_rows(conn, None if viewer.is_reviewer else [p.id for p in portals]))
        countries = sorted(set(conn.execute(select(Portal.country).distinct()).scalars()))
        levels = sorted(set(conn.execute(select(Portal.level).distinct()).scalars()))
    out = []
    for portal in portals:
        found = 0
        statuses: dict[str, str | None] = {}
        decided = open_disagreements = 0
        for ident in INDICATORS:
            cand = candidates.get((portal.id, ident))
            statuses[ident] = cand["status"] if cand else None
            found += 1 if cand and cand["candidate"] else 0
            rows = decisions.get((portal.id, ident), [])
            if viewer.is_reviewer:
                result = verdict(verdict_rows(rows))
                decided += result.state in ("final", "agreed", "single")
                open_disagreements += result.state == "disagreement"
            else:
                decided += any(r["user_id"] == viewer.id and r["kind"] == "assessment" for r in rows)
        if filters.candidate_status:
            wanted = [filters.indicator] if filters.indicator else list(INDICATORS)
            if not any(statuses[i] == filters.candidate_status for i in wanted):
                continue
        elif filters.indicator and statuses[filters.indicator] != "found":
            continue
        review_status = "done" if decided == len(INDICATORS) else ("partial" if decided else "unreviewed")
        if filters.status and review_status != filters.status:
            continue
        if filters.disagreement and not open_disagreements:
            continue
        item = {
            **_portal_json(portal),
            "found": found,
            "decided": decided,
            "total": len(INDICATORS),
            "review_status": review_status,
        }
        if viewer.is_reviewer:
            item["open_disagreements"] = open_disagreements
        out.append(item)
    return {"portals": out, "countries": countries, "levels": levels}


def next_unreviewed(engine: Engine, viewer: UserInfo, after: str | None = None) -> str | None:
    """The next portal (by id, after `after`, wrapping round) the viewer still has work on."""
    status = None if viewer.is_reviewer else "done"
    items = portal_list(engine, viewer)["portals"]
    if viewer.is_reviewer:
        todo = [p["id"] for p in items if p["open_disagreements"] or p["review_status"] != "done"]
        # Reviewers reconcile disagreements first.
        firsts = [p["id"] for p in items if p["open_disagreements"]]
        todo = firsts or todo
    else:
        todo = [p["id"] for p in items if p["review_status"] != status]
    if not todo:
        return None
    later = [p for p in todo if after is None or p > after]
    return (later or todo)[0]


# -- disagreements -------------------------------------------------------------------------------


def disagreements(engine: Engine) -> list[dict[str, Any]]:
    """Every (portal, indicator) whose assessors disagree, open ones first (reviewers only)."""
    with engine.connect() as conn:
        grouped = group_decisions(decision_rows(conn))
        names = dict(conn.execute(select(Portal.id, Portal.name)).all())
    out = []
    for (portal_id, indicator), rows in sorted(grouped.items()):
        result = verdict(verdict_rows(rows))
        if not is_disagreement(result.assessments):
            continue
        finals = [r for r in rows if r["kind"] == "final"]
        out.append(
            {
                "portal": portal_id,
                "portal_name": names.get(portal_id),
                "indicator": indicator,
                "assessments": [{"author": a.author, "value": a.value} for a in result.assessments],
                "final": finals[-1]["value"] if finals else None,
                "resolved": bool(finals),
            }
        )
    out.sort(key=lambda d: (d["resolved"], d["portal"], INDICATORS.index(d["indicator"])))
    return out


def disagreement_stats(engine: Engine, threshold: float = DEFAULT_ALERT_THRESHOLD) -> dict[str, Any]:
    """Share of disagreements per assessor and per indicator, with alerts above `threshold`.

    An item counts for an assessor when they and at least one other assessor have a current
    assessment on it; it is a disagreement when the current values differ. Reconciled items still
    count: the share measures how often assessors disagree, not how much work is left.
    """
    with engine.connect() as conn:
        grouped = group_decisions(decision_rows(conn))
    per_assessor: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    per_indicator: dict[str, list[int]] = {i: [0, 0] for i in INDICATORS}
    for (_portal, indicator), rows in grouped.items():
        current = current_by_author(verdict_rows(rows))
        if len(current) < 2:
            continue
        differs = is_disagreement(current.values())
        for author in current:
            per_assessor[author][0] += 1
            per_assessor[author][1] += differs
        bucket = per_indicator.setdefault(indicator, [0, 0])
        bucket[0] += 1
        bucket[1] += differs

    def entry(key: str, name: str, counts: list[int]) -> dict[str, Any]:
        share = counts[1] / counts[0] if counts[0] else None
        return {
            key: name,
            "compared": counts[0],
            "disagreements": counts[1],
            "share": share,
            "alert": share is not None and share > threshold,
        }

    assessors = [entry("assessor", a, c) for a, c in sorted(per_assessor.items())]
    indicators = [entry("indicator", i, c) for i, c in per_indicator.items()]
    return {
        "threshold": threshold,
        "per_assessor": assessors,
        "per_indicator": indicators,
        "alerts": [e for e in assessors + indicators if e["alert"]],
    }


# -- import --------------------------------------------------------------------------------------


def known_portal_ids(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        return set(conn.execute(select(Portal.id)).scalars())


def import_answer_key(engine: Engine, rows: Iterable[Any], label: str) -> dict[str, int]:
    """Append the (already validated) rows of an answer key as decisions, in one transaction.

    A row with an assessor becomes that assessor's assessment (linked to the user of that name if
    there is one); a row without becomes a final decision authored by `import:<label>`.
    """
    rows = list(rows)
    now = _now()
    counts = {"final": 0, "assessment": 0}
    with engine.begin() as conn:
        users = dict(conn.execute(select(User.name, User.id)).all())
        latest = latest_candidates_all(conn)
        values = []
        for row in rows:
            kind = "assessment" if row.assessor else "final"
            counts[kind] += 1
            cand = latest.get((row.portal, row.indicator))
            values.append(
                {
                    "portal_id": row.portal,
                    "indicator": row.indicator,
                    "kind": kind,
                    "value": row.value,
                    "note": row.note,
                    "evidence_url": None,
                    "user_id": users.get(row.assessor) if row.assessor else None,
                    "author": row.assessor or f"import:{label}"[:200],
                    "source": "import",
                    "run_id": cand["run_id"] if cand else None,
                    "candidate": cand["candidate"] if cand else None,
                    "created_at": now,
                }
            )
        if values:
            conn.execute(insert(Decision), values)
    return counts
