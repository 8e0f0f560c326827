"""`scrapy crawl portal` refuses a bad seeds file like `portal-evidence crawl`: one line, exit code 2."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def scrapy_crawl(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "scrapy", "crawl", "portal", *args]
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("id,country\nx,y\n", "missing required column(s)"),
        (None, "no such file"),
    ],
)
def test_bad_seeds_are_refused_without_a_traceback(tmp_path, content, expected):
    seeds = tmp_path / "seeds.csv"
    if content is not None:
        seeds.write_text(content, encoding="utf-8")
    done = scrapy_crawl("-a", f"seeds={seeds}", "-s", "LOG_LEVEL=ERROR")
    assert done.returncode == 2
    assert expected in done.stderr
    assert "Traceback" not in done.stderr + done.stdout


def test_missing_seeds_argument_is_refused():
    done = scrapy_crawl("-s", "LOG_LEVEL=ERROR")
    assert done.returncode == 2
    assert "-a seeds=FILE.csv" in done.stderr
