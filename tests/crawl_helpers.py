"""Shared helpers of the crawl tests: seeds for the test web, running `portal-evidence crawl` in a
subprocess (Twisted's reactor cannot restart), and reading the resulting SQLite database."""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parent.parent
CLI = [sys.executable, "-m", "portal_evidence"]


def closed_port() -> int:
    """A port on 127.0.0.1 where nothing listens (a portal that cannot be reached)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def write_seeds(path: Path, web, portals: tuple[str, ...] = ("en", "fr", "de", "ru", "es", "ar"),
                extra_rows: tuple[str, ...] = ()) -> Path:
    rows = ["id,country,name,level,url,languages,extra_hosts"]
    languages = {"en": "en", "fr": "fr", "de": "de", "ru": "ru", "es": "es", "ar": "ar"}
    for name in portals:
        extra = f"127.0.0.1:{web.port('en_participate')}" if name == "en" else ""
        rows.append(f"{name},XXX,Test portal {name},city,{web.url(name)},{languages.get(name, '')},{extra}")
    rows.extend(extra_rows)
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def crawl_env(proxy_url: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k.lower() not in ("http_proxy", "https_proxy", "no_proxy")}
    env["PORTAL_EVIDENCE_PROFILE"] = "fast"
    env.pop("PORTAL_EVIDENCE_DB", None)
    if proxy_url:
        env["http_proxy"] = proxy_url
        env["no_proxy"] = ""
    return env


def run_crawl(args: list[str], env: dict[str, str], cwd: Path, timeout: float = 90) -> subprocess.CompletedProcess:
    return subprocess.run([*CLI, "crawl", *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout)


def query(db_file: Path, sql: str, *params: object) -> list[tuple]:
    with sqlite3.connect(db_file) as conn:
        return conn.execute(sql, params).fetchall()


def pages(db_file: Path, web) -> dict[tuple[str, str], dict]:
    """(site, path) -> page row of the latest run; `site` is the test-web folder serving the URL."""
    site_of_port = {web.port(name): name for name in web.sites}
    rows = query(
        db_file,
        "SELECT portal_id, url, final_url, status, depth, rendered, note, http_status, title FROM pages "
        "WHERE run_id = (SELECT max(id) FROM crawl_runs)",
    )
    result = {}
    for _portal, url, final_url, status, depth, rendered, note, http_status, title in rows:
        parts = urlsplit(url)
        if parts.port not in site_of_port:
            continue  # a portal that is not served (unreachable on purpose)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        result[(site_of_port[parts.port], path)] = {
            "url": url, "final_url": final_url, "status": status, "depth": depth, "rendered": bool(rendered),
            "note": note, "http_status": http_status, "title": title,
        }
    return result


def candidates(db_file: Path) -> dict[tuple[str, str], int]:
    rows = query(
        db_file,
        "SELECT portal_id, indicator, candidate FROM candidates WHERE run_id = (SELECT max(id) FROM crawl_runs)",
    )
    return {(portal, indicator): value for portal, indicator, value in rows}
