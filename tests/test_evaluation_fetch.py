"""`python -m evaluation.fetch_corpus`: pages fetched by repository, commit and path from a local raw-file host."""

from __future__ import annotations

import csv
import io
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from evaluation.corpus import load_corpus
from evaluation.fetch_corpus import main, read_sources, run

COMMIT = "0123456789abcdef0123456789abcdef01234567"
HEADER = ["file", "source_repo", "commit", "source_path", "site", "url_if_known", "language", "licence_of_repo",
          "eparticipation", "open_data", "accessibility_statement", "mobile_app", "privacy_policy", "contact_info",
          "online_payment", "search_function", "social_media", "notes"]
PAGE_A = b"<html lang='en'><body><footer><a href='mailto:info@city.example'>Mail</a></footer></body></html>\r\n"
PAGE_B = "<html lang='de'><body><p>Gr\u00fc\u00dfe</p></body></html>".encode()
FILES = {
    f"/owner/repo/{COMMIT}/tests/files/a%20page.html": PAGE_A,
    f"/owner/repo/{COMMIT}/b.html": PAGE_B,
}


@pytest.fixture()
def raw_host() -> Iterator[tuple[str, list[str]]]:
    requested: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            requested.append(self.path)
            body = FILES.get(self.path)
            self.send_response(200 if body is not None else 404)
            self.end_headers()
            self.wfile.write(body if body is not None else b"not found")

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", requested
    finally:
        server.shutdown()
        server.server_close()


def write_manifest(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=HEADER, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({**{k: "0" for k in HEADER[8:17]}, "language": "en", "notes": "", **row})
    return path


def row(file: str, repo: str = "owner/repo", commit: str = COMMIT, path: str = "b.html", **labels: str) -> dict:
    return {"file": file, "source_repo": repo, "commit": commit, "source_path": path, **labels}


def test_fetches_every_page_exactly_and_the_result_is_a_corpus(tmp_path, raw_host):
    base, requested = raw_host
    manifest = write_manifest(tmp_path / "m.csv", [
        row("a.html", path="tests/files/a page.html", contact_info="1"),
        row("b.html", language="de"),
        row("made.html", repo="made-up", commit="", path=""),
    ])
    out = io.StringIO()
    assert run(manifest, tmp_path / "out", base, force=False, timeout=5, out=out) == 0
    assert (tmp_path / "out" / "pages" / "a.html").read_bytes() == PAGE_A  # bytes as published, CR kept
    assert (tmp_path / "out" / "pages" / "b.html").read_bytes() == PAGE_B
    assert "2 fetched, 0 already present, 1 made-up rows skipped, 0 failed" in out.getvalue()
    assert f"/owner/repo/{COMMIT}/tests/files/a%20page.html" in requested
    # the made-up row has no page, so the fetched folder is scored without it
    (tmp_path / "out" / "manifest.csv").write_text(
        "\n".join(line for line in (tmp_path / "out" / "manifest.csv").read_text().splitlines()
                  if not line.startswith("made.html")) + "\n")
    assert [p.file for p in load_corpus(tmp_path / "out")] == ["a.html", "b.html"]


def test_present_pages_are_kept_unless_forced_and_failures_are_listed(tmp_path, raw_host):
    base, requested = raw_host
    manifest = write_manifest(tmp_path / "m.csv", [row("b.html"), row("gone.html", path="missing.html")])
    (tmp_path / "out" / "pages").mkdir(parents=True)
    (tmp_path / "out" / "pages" / "b.html").write_bytes(b"kept")
    out = io.StringIO()
    assert run(manifest, tmp_path / "out", base, force=False, timeout=5, out=out) == 1
    assert (tmp_path / "out" / "pages" / "b.html").read_bytes() == b"kept"
    assert not any(path.endswith("/b.html") for path in requested)  # not even asked for
    assert not (tmp_path / "out" / "pages" / "gone.html").exists()
    assert "line 3: gone.html" in out.getvalue() and "HTTP 404" in out.getvalue()
    assert run(manifest, tmp_path / "out", base, force=True, timeout=5, out=io.StringIO()) == 1
    assert (tmp_path / "out" / "pages" / "b.html").read_bytes() == PAGE_B


@pytest.mark.parametrize(("bad", "message"), [
    (row("../x.html"), "plain file name"),
    (row("x.html", repo="not a repo"), "owner/name"),
    (row("x.html", commit="abc"), "40 hex digits"),
    (row("x.html", path="../../etc/passwd"), "relative path"),
    (row("x.html", path=""), "relative path"),
])
def test_bad_rows_stop_everything_with_their_line(tmp_path, capsys, bad, message):
    manifest = write_manifest(tmp_path / "m.csv", [row("ok.html"), bad])
    assert main([str(manifest), str(tmp_path / "out"), "--base-url", "http://127.0.0.1:9"]) == 2
    err = capsys.readouterr().err
    assert "line 3" in err and message in err
    assert not (tmp_path / "out").exists()  # nothing downloaded, nothing created


def test_missing_columns_and_missing_manifest(tmp_path, capsys):
    (tmp_path / "m.csv").write_text("file,language\na.html,en\n")
    assert main([str(tmp_path / "m.csv"), str(tmp_path / "out")]) == 2
    assert "missing column(s) source_repo, commit, source_path" in capsys.readouterr().err
    assert main([str(tmp_path / "absent.csv"), str(tmp_path / "out")]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_the_shipped_development_manifest_is_well_formed():
    manifest = Path(__file__).resolve().parents[1] / "evaluation" / "devpages" / "manifest.csv"
    sources, skipped = read_sources(manifest)
    assert len(sources) >= 30 and skipped == 0
    assert len({s.repo for s in sources}) >= 5
