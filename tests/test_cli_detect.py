"""`portal-evidence detect`: the contract's JSON, text output, and exit code 2 for every bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from detectors import INDICATORS
from portal_evidence.cli import main

SAMPLE = "<html lang='en'><head><title>Contact</title></head><body><footer><a href='mailto:a@city.example'>a</a>" \
         "<a href='../privacy'>Privacy</a></footer></body></html>"


def run_cli(args: list[str], capsys) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as info:
        main(args)
    out, err = capsys.readouterr()
    return info.value.code, out, err


def test_json_output_follows_the_contract(tmp_path: Path, capsys) -> None:
    path = tmp_path / "page.html"
    path.write_text(SAMPLE, encoding="utf-8")
    code, out, _ = run_cli(["detect", str(path), "--url", "https://www.city.example/about/contact"], capsys)
    assert code == 0
    data = json.loads(out)
    assert data["url"] == "https://www.city.example/about/contact"
    assert data["language"] == "en"
    assert list(data["indicators"]) == list(INDICATORS)
    assert data["indicators"]["contact_info"]["present"] is True
    ev = data["indicators"]["contact_info"]["evidence"][0]
    assert set(ev) == {"rule", "snippet", "locator", "target_url"}


def test_text_output(tmp_path: Path, capsys) -> None:
    path = tmp_path / "page.html"
    path.write_text(SAMPLE, encoding="utf-8")
    code, out, _ = run_cli(["detect", str(path), "--format", "text"], capsys)
    assert code == 0
    assert "contact_info" in out and "contact.mailto_chrome" in out


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (None, "no such file"),
        (b"", "empty"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "PDF"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "PNG"),
        (b"name,phone\nA,123\n", "HTML"),
    ],
)
def test_bad_input_gives_one_line_and_exit_code_2(tmp_path: Path, capsys, content: bytes | None, reason: str) -> None:
    path = tmp_path / "input.html"
    if content is not None:
        path.write_bytes(content)
    code, out, err = run_cli(["detect", str(path)], capsys)
    assert code == 2
    assert out == ""
    assert reason.lower() in err.lower()
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_directory_and_usage_errors(tmp_path: Path, capsys) -> None:
    code, _, err = run_cli(["detect", str(tmp_path)], capsys)
    assert code == 2 and "Traceback" not in err
    code, _, err = run_cli(["detect"], capsys)
    assert code == 2
    code, _, err = run_cli(["detect", "x.html", "--format", "yaml"], capsys)
    assert code == 2


def test_console_script_runs_as_a_module(tmp_path: Path) -> None:
    path = tmp_path / "page.html"
    path.write_bytes(SAMPLE.encode("utf-16"))  # any encoding with a BOM
    proc = subprocess.run([sys.executable, "-m", "portal_evidence", "detect", str(path)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["indicators"]["contact_info"]["present"]
