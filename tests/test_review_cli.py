"""`portal-evidence users ...` and `portal-evidence serve` from the command line."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from click.testing import CliRunner

from portal_evidence.cli import cli
from review.fixtures import build
from review.store import authenticate
from storage.database import open_database

REPO = Path(__file__).resolve().parent.parent


def run(*args, stdin=None):
    return CliRunner().invoke(cli, list(args), input=stdin, catch_exceptions=False)


def test_users_add_list_assign(tmp_path):
    url = f"sqlite:///{tmp_path / 'u.db'}"
    added = run("users", "add", "ana", "--role", "assessor", "--password-stdin", "--db", url, stdin="a-good-password\n")
    assert added.exit_code == 0 and "user ana (assessor) created" in added.output
    prompted = run("users", "add", "rita", "--role", "reviewer", "--db", url, stdin="rita-password\nrita-password\n")
    assert prompted.exit_code == 0, prompted.output
    engine = open_database(url)
    assert authenticate(engine, "ana", "a-good-password").role == "assessor"
    assert authenticate(engine, "rita", "rita-password").role == "reviewer"
    duplicate = run("users", "add", "ana", "--role", "admin", "--password-stdin", "--db", url, stdin="another-password\n")
    assert duplicate.exit_code == 2 and "already exists" in duplicate.output
    short = run("users", "add", "bo", "--role", "admin", "--password-stdin", "--db", url, stdin="short\n")
    assert short.exit_code == 2 and "at least 8" in short.output
    bad_role = run("users", "add", "bo", "--role", "boss", "--password-stdin", "--db", url, stdin="long-password\n")
    assert bad_role.exit_code == 2
    listed = run("users", "list", "--db", url)
    assert listed.output.splitlines() == ["ana\tassessor", "rita\treviewer"]
    build(engine, portals=1, hostile=False)
    assigned = run("users", "assign", "fr-nat-000", "ana", "--db", url)
    assert assigned.exit_code == 0 and "fr-nat-000 assigned to ana" in assigned.output
    assert run("users", "assign", "fr-nat-000", "rita", "--db", url).exit_code == 2
    assert run("users", "assign", "nope", "ana", "--db", url).exit_code == 2
    engine.dispose()


def test_serve_refuses_a_missing_database(tmp_path):
    result = run("serve", "--db", f"sqlite:///{tmp_path / 'none.db'}")
    assert result.exit_code == 2 and "no database file" in result.output


def test_serve_answers_on_localhost(tmp_path):
    url = f"sqlite:///{tmp_path / 's.db'}"
    engine = open_database(url)
    build(engine, portals=1)
    engine.dispose()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "PORTAL_EVIDENCE_SECRET": "cli-test"}
    process = subprocess.Popen(
        [sys.executable, "-m", "portal_evidence", "serve", "--db", url, "--port", str(port)],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never via a proxy of the environment
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with direct.open(f"http://127.0.0.1:{port}/login", timeout=2) as response:
                    body = response.read().decode()
                    assert response.status == 200 and "Log in" in body
                    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(process.stderr.read().decode()) from None
                time.sleep(0.2)
    finally:
        process.terminate()
        process.wait(10)
