"""The assessors' review web app: server-rendered pages and the JSON API that mirrors them.

`create_app(engine)` builds a FastAPI application. Pages (Jinja2, autoescaped) work without
JavaScript; `static/review.js` adds the keyboard shortcuts. Every page has a twin under `/api/`
returning the same data as JSON, and every action is a POST that needs a logged-in user with the
right role and the session's CSRF token (form field `csrf_token` or header `X-CSRF-Token`).

Errors are one shape everywhere under /api/: `{"error": {"code": str, "message": str}}` with a
4xx status; pages show the same code and message. A refused request changes nothing, since every
check runs before the one INSERT of an action.
"""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, urlsplit

from fastapi import FastAPI, Form, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Engine
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware

from review import store
from review.store import DEFAULT_ALERT_THRESHOLD, PortalFilters, ReviewError, UserInfo
from review.throttle import LoginThrottle

HERE = Path(__file__).resolve().parent
SECRET_ENV = "PORTAL_EVIDENCE_SECRET"
SESSION_COOKIE = "pe_session"

# No inline script or style anywhere: everything the pages run or style comes from /static.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    # Evidence links lead to outside sites: they learn nothing of the review app.
    (b"referrer-policy", b"no-referrer"),
    (b"cache-control", b"no-store"),
)


class SecurityHeaders:
    """Pure ASGI middleware adding the security headers to every response."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: dict) -> None:
            if message["type"] == "http.response.start":
                headers = [h for h in message.get("headers", []) if h[0].lower() not in dict(SECURITY_HEADERS)]
                message = {**message, "headers": headers + list(SECURITY_HEADERS)}
            await send(message)

        await self.app(scope, receive, send_with_headers)


_CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f]")


def safe_href(url: Any) -> str | None:
    """The URL if it may be a clickable link (absolute http/https), else None: shown as text."""
    if not isinstance(url, str):
        return None
    text = url.strip()
    try:
        parts = urlsplit(text)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    if _CONTROL_CHARS.search(text):
        return None
    return text


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    indicator: str = Field(max_length=64)
    value: str = Field(max_length=20)
    note: str | None = Field(default=None, max_length=store.MAX_NOTE)
    evidence_url: str | None = Field(default=None, max_length=store.MAX_URL)


class LoginIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(max_length=100)
    password: str = Field(max_length=1000)


def client_of(request: Request) -> str:
    """The peer address (no proxy headers are trusted: the app is served directly)."""
    return request.client.host if request.client else "unknown"


def create_app(
    engine: Engine,
    *,
    secret_key: str | None = None,
    alert_threshold: float = DEFAULT_ALERT_THRESHOLD,
    https_only: bool = False,
) -> FastAPI:
    app = FastAPI(
        title="portal-evidence review",
        version="1",
        description="Assessors' review of crawled evidence. Every POST needs the session cookie and the "
        "X-CSRF-Token header (GET /api/session returns the token). Errors: "
        '{"error": {"code": str, "message": str}}.',
        docs_url=None,  # the stock Swagger page loads script from a CDN and inline: our own page instead
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )
    app.state.engine = engine
    throttle = app.state.login_throttle = LoginThrottle()
    app.state.alert_threshold = alert_threshold
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    templates.env.filters["safe_href"] = safe_href
    templates.env.globals["INDICATOR_KEYS"] = store.INDICATORS
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    app.add_middleware(
        SessionMiddleware,
        secret_key=secret_key or os.environ.get(SECRET_ENV) or secrets.token_hex(32),
        session_cookie=SESSION_COOKIE,
        same_site="strict",
        https_only=https_only,
        max_age=12 * 3600,
    )
    app.add_middleware(SecurityHeaders)

    # -- plumbing ---------------------------------------------------------------------------------

    def is_api(request: Request) -> bool:
        return request.url.path.startswith("/api/")

    def csrf_token(request: Request) -> str:
        token = request.session.get("csrf")
        if not token:
            token = secrets.token_urlsafe(32)
            request.session["csrf"] = token
        return token

    def check_csrf(request: Request, sent: str | None) -> None:
        expected = request.session.get("csrf")
        sent = sent or request.headers.get("x-csrf-token")
        if not expected or not sent or not secrets.compare_digest(str(expected), str(sent)):
            raise ReviewError("csrf", "missing or wrong CSRF token (reload the page)", 403)

    def viewer(request: Request) -> UserInfo:
        uid = request.session.get("uid")
        user = store.get_user(engine, uid) if isinstance(uid, int) else None
        if user is None:
            raise ReviewError("unauthorized", "log in first", 401)
        return user

    def reviewer(request: Request) -> UserInfo:
        user = viewer(request)
        if not user.is_reviewer:
            raise ReviewError("forbidden", "reviewers and admins only", 403)
        return user

    def render(request: Request, name: str, context: dict[str, Any], status: int = 200) -> HTMLResponse:
        uid = request.session.get("uid")
        user = store.get_user(engine, uid) if isinstance(uid, int) else None
        base = {"csrf_token": csrf_token(request), "user": user, "alert_threshold": alert_threshold}
        return templates.TemplateResponse(request, name, {**base, **context}, status_code=status)

    def error_response(request: Request, status: int, code: str, message: str) -> Response:
        if is_api(request):
            return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)
        if status == 401:
            return RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=303)
        return render(request, "error.html", {"code": code, "message": message, "status": status}, status)

    @app.exception_handler(ReviewError)
    async def on_review_error(request: Request, exc: ReviewError) -> Response:
        return error_response(request, exc.status, exc.code, exc.message)

    @app.exception_handler(RequestValidationError)
    async def on_validation_error(request: Request, exc: RequestValidationError) -> Response:
        problems = []
        for err in exc.errors()[:5]:
            where = ".".join(str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path"))
            problems.append(f"{where or 'request'}: {err.get('msg', 'invalid')}")
        return error_response(request, 422, "invalid_request", "; ".join(problems) or "invalid request")

    @app.exception_handler(StarletteHTTPException)
    async def on_http_error(request: Request, exc: StarletteHTTPException) -> Response:
        codes = {404: "not_found", 405: "method_not_allowed"}
        message = exc.detail if isinstance(exc.detail, str) else "request refused"
        if exc.status_code == 404:
            message = "no such page"
        return error_response(request, exc.status_code, codes.get(exc.status_code, "bad_request"), message)

    # -- JSON API ---------------------------------------------------------------------------------

    @app.get("/api/session", tags=["session"], summary="Who is logged in, and the CSRF token for POSTs")
    def api_session(request: Request) -> dict[str, Any]:
        uid = request.session.get("uid")
        user = store.get_user(engine, uid) if isinstance(uid, int) else None
        return {"user": user.to_json() if user else None, "csrf_token": csrf_token(request)}

    @app.post("/api/login", tags=["session"], summary="Log in (needs the CSRF token of GET /api/session)")
    def api_login(request: Request, body: LoginIn) -> dict[str, Any]:
        check_csrf(request, None)
        wait = throttle.retry_after(body.name, client_of(request))
        if wait:
            raise ReviewError("too_many_requests", f"too many failed logins: try again in {wait} s", 429)
        user = store.authenticate(engine, body.name, body.password)
        if user is None:
            throttle.failed(body.name, client_of(request))
            raise ReviewError("unauthorized", "wrong user name or password", 401)
        throttle.succeeded(body.name)
        return {"user": start_session(request, user).to_json(), "csrf_token": request.session["csrf"]}

    @app.post("/api/logout", tags=["session"], summary="Log out")
    def api_logout(request: Request) -> dict[str, Any]:
        check_csrf(request, None)
        request.session.clear()
        return {"user": None}

    @app.get("/api/portals", tags=["portals"], summary="Portals with review progress, filtered")
    def api_portals(
        request: Request,
        country: str | None = None,
        level: str | None = None,
        indicator: str | None = None,
        candidate_status: str | None = None,
        status: str | None = None,
        disagreement: bool = False,
    ) -> dict[str, Any]:
        user = viewer(request)
        filters = PortalFilters(country, level, indicator, candidate_status, status, disagreement)
        return store.portal_list(engine, user, filters)

    @app.get("/api/portals/{portal_id}", tags=["portals"], summary="One portal: nine indicators, evidence, decisions")
    def api_portal(request: Request, portal_id: str) -> dict[str, Any]:
        return strip_parts(store.portal_page(engine, viewer(request), portal_id))

    @app.get("/api/portals/{portal_id}/history", tags=["decisions"], summary="Decision history (own for assessors)")
    def api_history(request: Request, portal_id: str, indicator: str | None = None) -> dict[str, Any]:
        return {"decisions": store.history(engine, viewer(request), portal_id, indicator)}

    @app.post(
        "/api/portals/{portal_id}/decisions",
        tags=["decisions"],
        summary="Record a decision (assessment; a final decision for reviewers)",
        status_code=201,
    )
    def api_decide(request: Request, portal_id: str, body: DecisionIn) -> dict[str, Any]:
        user = viewer(request)
        check_csrf(request, None)
        decision = store.record_decision(
            engine, user, portal_id, body.indicator, body.value, body.note, body.evidence_url, source="api"
        )
        return {"decision": decision}

    @app.get("/api/next", tags=["portals"], summary="The next portal the viewer still has work on")
    def api_next(request: Request, after: str | None = None) -> dict[str, Any]:
        return {"portal": store.next_unreviewed(engine, viewer(request), after)}

    @app.get("/api/disagreements", tags=["review"], summary="Disagreements and their shares (reviewers)")
    def api_disagreements(request: Request) -> dict[str, Any]:
        reviewer(request)
        return {
            "disagreements": store.disagreements(engine),
            "stats": store.disagreement_stats(engine, alert_threshold),
        }

    @app.get("/api/users", tags=["admin"], summary="Users, roles and assigned portals (admins)")
    def api_users(request: Request) -> dict[str, Any]:
        if viewer(request).role != "admin":
            raise ReviewError("forbidden", "admins only", 403)
        return {"users": store.users_with_assignments(engine)}

    @app.get("/api/docs", response_class=HTMLResponse, include_in_schema=False)
    def api_docs(request: Request) -> HTMLResponse:
        schema = app.openapi()
        endpoints = [
            {
                "method": method.upper(),
                "path": path,
                "summary": op.get("summary", ""),
                "tag": (op.get("tags") or [""])[0],
            }
            for path, ops in schema["paths"].items()
            for method, op in ops.items()
        ]
        return render(request, "api_docs.html", {"endpoints": endpoints, "description": schema["info"]["description"]})

    # -- pages ------------------------------------------------------------------------------------

    def start_session(request: Request, user: UserInfo) -> UserInfo:
        request.session.clear()  # a new session id-equivalent and a new CSRF token after login
        request.session["uid"] = user.id
        request.session["csrf"] = secrets.token_urlsafe(32)
        return user

    @app.get("/login", response_class=HTMLResponse, include_in_schema=False)
    def login_page(request: Request, next: str = "/next") -> HTMLResponse:
        return render(request, "login.html", {"next": safe_next(next), "message": None})

    @app.post("/login", include_in_schema=False)
    def login_submit(
        request: Request,
        name: Annotated[str, Form(max_length=100)],
        password: Annotated[str, Form(max_length=1000)],
        csrf_token_field: Annotated[str, Form(alias="csrf_token")] = "",
        next: Annotated[str, Form()] = "/next",
    ) -> Response:
        check_csrf(request, csrf_token_field)
        wait = throttle.retry_after(name, client_of(request))
        if wait:
            context = {"next": safe_next(next), "message": f"Too many failed logins: try again in {wait} s."}
            return render(request, "login.html", context, 429)
        user = store.authenticate(engine, name, password)
        if user is None:
            throttle.failed(name, client_of(request))
            context = {"next": safe_next(next), "message": "Wrong user name or password."}
            return render(request, "login.html", context, 401)
        throttle.succeeded(name)
        start_session(request, user)
        return RedirectResponse(safe_next(next), status_code=303)

    @app.post("/logout", include_in_schema=False)
    def logout(request: Request, csrf_token_field: Annotated[str, Form(alias="csrf_token")] = "") -> Response:
        check_csrf(request, csrf_token_field)
        request.session.clear()
        return RedirectResponse("/login", status_code=303)

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def portals_page(
        request: Request,
        country: str | None = None,
        level: str | None = None,
        indicator: str | None = None,
        candidate_status: str | None = None,
        status: str | None = None,
        disagreement: Annotated[bool, Query()] = False,
    ) -> HTMLResponse:
        user = viewer(request)
        filters = PortalFilters(
            country or None, level or None, indicator or None, candidate_status or None, status or None, disagreement
        )
        data = store.portal_list(engine, user, filters)
        alerts = store.disagreement_stats(engine, alert_threshold)["alerts"] if user.is_reviewer else []
        context = {**data, "filters": filters, "indicators": store.INDICATORS, "alerts": alerts}
        return render(request, "portals.html", context)

    @app.get("/portals/{portal_id}", response_class=HTMLResponse, include_in_schema=False)
    def portal_view(request: Request, portal_id: str) -> HTMLResponse:
        data = store.portal_page(engine, viewer(request), portal_id)
        return render(request, "portal.html", data)

    @app.post("/portals/{portal_id}/decisions", include_in_schema=False)
    def portal_decide(
        request: Request,
        portal_id: str,
        indicator: Annotated[str, Form(max_length=64)],
        value: Annotated[str, Form(max_length=20)],
        note: Annotated[str, Form(max_length=store.MAX_NOTE)] = "",
        evidence_url: Annotated[str, Form(max_length=store.MAX_URL)] = "",
        csrf_token_field: Annotated[str, Form(alias="csrf_token")] = "",
    ) -> Response:
        user = viewer(request)
        check_csrf(request, csrf_token_field)
        store.record_decision(engine, user, portal_id, indicator, value, note, evidence_url, source="review")
        return RedirectResponse(f"/portals/{quote(portal_id, safe='')}#ind-{indicator}", status_code=303)

    @app.get("/next", include_in_schema=False)
    def next_page(request: Request, after: str | None = None) -> Response:
        portal = store.next_unreviewed(engine, viewer(request), after)
        if portal is None:
            return RedirectResponse("/?done=1", status_code=303)
        return RedirectResponse(f"/portals/{quote(portal, safe='')}", status_code=303)

    @app.get("/disagreements", response_class=HTMLResponse, include_in_schema=False)
    def disagreements_page(request: Request) -> HTMLResponse:
        reviewer(request)
        context = {
            "disagreements": store.disagreements(engine),
            "stats": store.disagreement_stats(engine, alert_threshold),
        }
        return render(request, "disagreements.html", context)

    return app


def safe_next(target: str | None) -> str:
    """Only same-site paths after login (no open redirect to another host)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/next"
    return target


def strip_parts(page: dict[str, Any]) -> dict[str, Any]:
    """The API gives the highlight as offsets; the page's pre-split parts are for templates."""
    for indicator in page["indicators"]:
        for item in indicator["evidence"]:
            item.pop("parts", None)
    return page
