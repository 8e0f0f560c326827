"""Helpers for in-process tests of the review app (used by tests/test_review_*.py and the benchmark)."""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select

from review.fixtures import DEMO_USERS, add_demo_users, build
from storage.database import open_database
from storage.decisions import Decision

# Built databases by build arguments: a test copies the file instead of building it again (the
# build hashes four passwords with Argon2, which is slow on purpose).
_TEMPLATES: dict[tuple[tuple[str, Any], ...], Path] = {}
_TEMPLATE_DIR: list[Path] = []


def demo_database(folder: Path, **build_args: Any) -> tuple[Engine, str]:
    """A fresh SQLite database in `folder` with the fixture portals and the demo users."""
    target = folder / "review.db"
    key = tuple(sorted(build_args.items()))
    template = _TEMPLATES.get(key)
    if template is None:
        if not _TEMPLATE_DIR:
            _TEMPLATE_DIR.append(Path(tempfile.mkdtemp(prefix="review-templates-")))
            atexit.register(shutil.rmtree, _TEMPLATE_DIR[0], True)
        template = _TEMPLATE_DIR[0] / f"template-{len(_TEMPLATES)}.db"
        engine = open_database(f"sqlite:///{template}")
        build(engine, **build_args)
        add_demo_users(engine)
        engine.dispose()  # the last connection closing checkpoints the WAL into the file
        _TEMPLATES[key] = template
    shutil.copyfile(template, target)
    url = f"sqlite:///{target}"
    return open_database(url), url


def login(client: Any, name: str, password: str | None = None) -> str:
    """Log `client` (a TestClient) in through the API; returns the session's CSRF token."""
    token = client.get("/api/session").json()["csrf_token"]
    password = DEMO_USERS[name][1] if password is None else password
    response = client.post("/api/login", json={"name": name, "password": password}, headers={"X-CSRF-Token": token})
    if response.status_code != 200:
        raise AssertionError(f"login of {name} failed: {response.status_code} {response.text}")
    return response.json()["csrf_token"]


def decision_count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(Decision)).scalar_one())
