"""kill -9 in the middle of a crawl, then `crawl` again: the run is resumed, nothing is fetched or
stored twice, and the final scores equal those of an uninterrupted crawl of the same web."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

from crawl_helpers import CLI, crawl_env, query, run_crawl
from webserver import serve

EVIDENCE = {
    "contact.html": "<h1>Contact us</h1><address>Town Hall, 1 Main Street, Resumeville</address>"
    "<p>Telephone: 01234 567 890. Email: info@resumeville.example</p>",
    "privacy.html": "<h1>Privacy notice</h1><p>The council, as data controller, processes your personal data under"
    " the General Data Protection Regulation. You have the right to access and erase your data; contact our"
    " Data Protection Officer at dpo@resumeville.example.</p>",
    "feedback.html": "<h1>Tell us what you think</h1><p>Give feedback on council services.</p>"
    '<form method="post" action="/feedback/send"><label>Your comments <textarea name="comments"></textarea>'
    '</label><label>Email <input type="email" name="email"></label><button type="submit">Send feedback</button></form>',
}


L = "abcdefgh"


def build_site(root: Path) -> None:
    """One portal: a home page, 6 sections of 8 pages, and three evidence pages at depth 3.

    Names use letters, not digits, so that no per-pattern cap binds: which capped URLs win depends
    on discovery order, which no crawl (interrupted or not) can promise to repeat.
    """
    site = root / "resume"
    site.mkdir(parents=True)
    sections = "".join(f'<li><a href="/s{L[i]}/index.html">Section {i}</a></li>' for i in range(6))
    (site / "index.html").write_text(
        f'<html lang="en"><head><title>Resumeville</title></head><body><ul>{sections}</ul></body></html>'
    )
    for i in range(6):
        folder = site / f"s{L[i]}"
        folder.mkdir()
        links = "".join(f'<li><a href="p{L[j]}.html">Page {i}.{j}</a></li>' for j in range(8))
        (folder / "index.html").write_text(
            f'<html lang="en"><head><title>Section {i}</title></head><body><ul>{links}</ul></body></html>'
        )
        for j in range(8):
            extra = ""
            if (i, j) == (1, 2):
                extra = '<a href="/contact.html">Contact us</a>'
            if (i, j) == (4, 5):
                extra = '<a href="/deep/privacy.html">Privacy notice</a> <a href="/feedback.html">Feedback</a>'
            (folder / f"p{L[j]}.html").write_text(
                f'<html lang="en"><head><title>Page {i}.{j}</title></head><body><main><h1>Page {i}.{j}</h1>'
                f"<p>Council news item number {i * 8 + j} about roads and parks.</p>{extra}</main></body></html>"
            )
    (site / "deep").mkdir()
    for name, body in EVIDENCE.items():
        target = site / ("deep" if name == "privacy.html" else "") / name
        target.write_text(f'<html lang="en"><head><title>{name}</title></head><body><main>{body}</main></body></html>')


def scores(db: Path) -> list[tuple]:
    return query(
        db,
        "SELECT portal_id, indicator, candidate, round(confidence, 4), evidence_count, best_evidence_url "
        "FROM candidates WHERE run_id = (SELECT max(id) FROM crawl_runs) ORDER BY portal_id, indicator",
    )


def test_kill_9_then_resume_gives_the_uninterrupted_scores(tmp_path: Path) -> None:
    build_site(tmp_path / "web")
    with serve(tmp_path / "web", delay=0.15) as web:
        seeds = tmp_path / "seeds.csv"
        seeds.write_text(f"id,country,name,level,url\nresume,XXX,Resumeville,city,{web.url('resume')}\n")
        env = crawl_env(None)
        # Small write batches, so that the database fills steadily and the kill below lands in
        # the middle of the crawl, with a batch still unwritten, whatever the machine's speed.
        env["PORTAL_EVIDENCE_STORE_BATCH"] = "4"
        args = ["--seeds", str(seeds), "--render", "never"]

        whole = tmp_path / "whole.db"
        done = run_crawl([*args, "--db", f"sqlite:///{whole}"], env, tmp_path)
        assert done.returncode == 0, done.stderr[-2000:]
        expected = scores(whole)
        expected_pages = query(whole, "SELECT count(*) FROM pages")[0][0]
        assert expected_pages == 1 + 6 + 48 + 3
        assert any(row[1] == "privacy_policy" and row[2] == 1 for row in expected)

        killed = tmp_path / "killed.db"
        process = subprocess.Popen(
            [*CLI, "crawl", *args, "--db", f"sqlite:///{killed}"], env=env, cwd=tmp_path,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )
        deadline = time.monotonic() + 60
        stored = 0
        while time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.2)
            if killed.exists():
                try:
                    stored = query(killed, "SELECT count(*) FROM pages")[0][0]
                except Exception:  # the schema is being created
                    continue
                if stored >= 12:
                    break
        assert process.poll() is None, "the crawl finished before it could be killed"
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        assert 12 <= stored < expected_pages
        assert query(killed, "SELECT status FROM crawl_runs") == [("running",)]
        fetched_before = len(web.sites["resume"].log)

        log_before = list(web.sites["resume"].log)
        resumed = run_crawl([*args, "--db", f"sqlite:///{killed}"], env, tmp_path)
        assert resumed.returncode == 0, resumed.stderr[-2000:]
        assert "Resuming unfinished run 1" in resumed.stderr
        assert query(killed, "SELECT id, status FROM crawl_runs") == [(1, "finished")]
        # Pages stored before the kill were not fetched again.
        stored_urls = {url for (url,) in query(killed, "SELECT url FROM pages WHERE id <= ?", stored)}
        refetched = [path for _, path, _ in web.sites["resume"].log[fetched_before:]
                     if web.url("resume", path) in stored_urls and path != "/robots.txt"]
        assert refetched == [], refetched
        assert len(log_before) == fetched_before
        # Nothing stored twice, and the same pages and scores as the uninterrupted crawl.
        assert query(killed, "SELECT count(*), count(DISTINCT url) FROM pages") == [(expected_pages, expected_pages)]
        assert scores(killed) == expected
