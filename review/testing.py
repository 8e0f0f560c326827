"""Helpers for in-process tests of the review app (used by tests/test_review_*.py and the benchmark)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select

from review.fixtures import DEMO_USERS, add_demo_users, build
from storage.database import open_database
from storage.decisions import Decision


def demo_database(folder: Path, **build_args: Any) -> tuple[Engine, str]:
    """A fresh SQLite database in `folder` with the fixture portals and the demo users."""
    url = f"sqlite:///{folder / 'review.db'}"
    engine = open_database(url)
    build(engine, **build_args)
    add_demo_users(engine)
    return engine, url


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
