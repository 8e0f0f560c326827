"""Crawl throughput benchmark (a script, not a test): `python benchmarks/crawl_throughput.py`.

On one generated site served on 127.0.0.1 (a separate server process), it measures:
1. a bare Scrapy spider (link following only) in pages/s, with Scrapy's default asyncio reactor
   and with the epoll reactor (faster here: with asyncio the bare spider is latency-bound);
2. `portal-evidence crawl` (spider, detectors, pipelines, SQLite storage) in pages/s; bar >= 0.8x of 1;
3. rendered pages/s: `portal-evidence crawl --render always` (context recycling) against a bare
   scrapy-playwright spider with its defaults (one new page per request, one context);
4. peak RSS of `portal-evidence crawl` over a 10,000-page site.
Every crawl runs in its own process (Twisted's reactor cannot restart) with the fast profile.
Page names carry no digits, so no per-pattern cap of the crawler cuts the site short.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"


def name(i: int) -> str:
    """Page i as letters only: 0 -> 'a', 27 -> 'bb' (no digits, so every URL has its own shape)."""
    letters = ""
    i += 1
    while i:
        i, rest = divmod(i - 1, 26)
        letters = chr(97 + rest) + letters
    return f"/p/{letters}.html"


def generate_site(root: Path, pages: int, seed: int = 7) -> None:
    """A tree (page i links to 10i+1..10i+10) plus 5 random links per page, about 1.8 KB per page."""
    rng = random.Random(seed)
    (root / "p").mkdir(parents=True)
    for i in range(pages):
        children = [c for c in range(10 * i + 1, 10 * i + 11) if c < pages]
        extra = rng.sample(range(pages), 5)
        links = "".join(f'<li><a href="{name(j)}">Page {j}</a></li>' for j in children + extra)
        body = (
            f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Page {i} - Benchmark City</title>'
            f'</head><body><header><nav><a href="/">Home</a></nav><form role="search" action="/search">'
            f'<input type="search" name="q"><button>Search</button></form></header><main><h1>Page {i}</h1>'
            f"<p>{'Council services, news and events for the residents of Benchmark City. ' * 8}</p>"
            f'<img src="/logo.png"><ul>{links}</ul></main><footer><a href="/p/a.html">About</a></footer>'
            f"</body></html>"
        )
        path = root / "index.html" if i == 0 else root / name(i).lstrip("/")
        path.write_text(body, encoding="utf-8")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve(root: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "--directory", str(root)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    for _ in range(100):
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.05)
    return server, f"http://127.0.0.1:{port}/"


BARE_SPIDER = '''
import sys, scrapy
from scrapy.crawler import CrawlerProcess
from scrapy.linkextractors import LinkExtractor

START, RENDER = sys.argv[1], sys.argv[2] == "render"
LIMIT, REACTOR = int(sys.argv[3]), sys.argv[4]

class Bare(scrapy.Spider):
    name = "bare"
    extractor = LinkExtractor()
    count = 0
    async def start(self):
        yield scrapy.Request(START, meta={"playwright": RENDER})
    def parse(self, response):
        Bare.count += 1
        for link in self.extractor.extract_links(response):
            yield scrapy.Request(link.url, meta={"playwright": RENDER})

settings = {"LOG_LEVEL": "ERROR", "CONCURRENT_REQUESTS": 32, "CONCURRENT_REQUESTS_PER_DOMAIN": 8,
            "DOWNLOAD_DELAY": 0, "ROBOTSTXT_OBEY": False, "COOKIES_ENABLED": False, "TELNETCONSOLE_ENABLED": False,
            "CLOSESPIDER_PAGECOUNT": LIMIT, "TWISTED_REACTOR": REACTOR}
if RENDER:
    settings.update({
        "DOWNLOAD_HANDLERS": {"http": "scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler",
                              "https": "scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler"},
        "PLAYWRIGHT_LAUNCH_OPTIONS": {"executable_path": "@CHROMIUM@", "headless": True,
                                      "args": ["--no-sandbox", "--disable-gpu"]},
        "CONCURRENT_REQUESTS_PER_DOMAIN": 8,
    })
process = CrawlerProcess(settings)
process.crawl(Bare)
process.start()
print(Bare.count)
'''.replace("@CHROMIUM@", CHROMIUM)


ASYNCIO = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"  # Scrapy's default, needed by Playwright
EPOLL = "twisted.internet.epollreactor.EPollReactor"


def run_bare(start: str, limit: int, render: bool, reactor: str = ASYNCIO) -> tuple[int, float, int]:
    stage(f"bare {'scrapy-playwright' if render else 'Scrapy'} spider, {limit} pages, {reactor.split('.')[-1]}")
    began = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", BARE_SPIDER, start, "render" if render else "plain", str(limit),
                           reactor],
                          capture_output=True, text=True, cwd=tempfile.gettempdir(), timeout=1800)
    elapsed = time.perf_counter() - began
    if done.returncode != 0:
        raise SystemExit(f"bare spider failed: {done.stderr[-500:]}")
    return int(done.stdout.strip().splitlines()[-1]), elapsed, _child_peak_rss()


def _child_peak_rss() -> int:
    """Peak RSS in MB of the largest child process waited for so far (Linux: ru_maxrss in KB)."""
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024


def _time_prefix() -> list[str]:
    # GNU time reports the peak RSS of exactly the crawl process (%M, KB).
    return ["/usr/bin/time", "-f", "PEAK_RSS_KB %M"] if os.path.exists("/usr/bin/time") else []


def stage(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def run_ours(start: str, pages: int, workdir: Path, render: str) -> tuple[int, float, int]:
    seeds = workdir / f"seeds-{render}-{pages}.csv"
    seeds.write_text(f"id,country,name,level,url\nbench,XXX,Benchmark City,city,{start}\n")
    db = workdir / f"bench-{render}-{pages}.db"
    env = dict(os.environ, PORTAL_EVIDENCE_PROFILE="fast", no_proxy="*")
    env.pop("PORTAL_EVIDENCE_DB", None)
    log = open(workdir / f"crawl-{render}-{pages}.log", "w+")  # noqa: SIM115 (read back below)
    stage(f"portal-evidence crawl --render {render}, {pages} pages")
    began = time.perf_counter()
    done = subprocess.run(
        [*_time_prefix(), sys.executable, "-m", "portal_evidence", "crawl", "--seeds", str(seeds), "--db", f"sqlite:///{db}",
         "--max-pages", str(pages), "--render", render, "--fresh"],
        stdout=subprocess.PIPE, stderr=log, text=True, env=env, cwd=workdir, timeout=1800,
    )
    log.seek(0)
    stderr = log.read()
    elapsed = time.perf_counter() - began
    if done.returncode != 0:
        raise SystemExit(f"portal-evidence crawl failed: {stderr[-800:]}")
    import sqlite3

    with sqlite3.connect(db) as conn:
        stored = conn.execute("SELECT count(*) FROM pages WHERE status = 'ok'").fetchone()[0]
    peaks = [int(line.split()[1]) for line in stderr.splitlines() if line.startswith("PEAK_RSS_KB")]
    return stored, elapsed, (peaks[-1] // 1024 if peaks else _child_peak_rss())


def run_plain(start: str, args: argparse.Namespace, workdir: Path, results: dict[str, object]) -> None:
    """Plain (unrendered) crawls: the bare Scrapy spider on both reactors, then ours."""
    n, s, _ = run_bare(start, args.pages, render=False)
    results["bare_scrapy"] = {"pages": n, "seconds": round(s, 2), "pages_per_s": round(n / s, 1)}
    # On this server the asyncio reactor makes a bare spider latency-bound; the epoll
    # reactor is the faster baseline, so both are reported.
    n, s, _ = run_bare(start, args.pages, render=False, reactor=EPOLL)
    results["bare_scrapy_epoll"] = {"pages": n, "seconds": round(s, 2), "pages_per_s": round(n / s, 1)}
    n, s, peak = run_ours(start, args.pages, workdir, "never")
    results["portal_evidence_crawl"] = {"pages": n, "seconds": round(s, 2), "pages_per_s": round(n / s, 1),
                                        "peak_rss_mb": peak}
    ours = results["portal_evidence_crawl"]["pages_per_s"]
    results["ratio_vs_bare"] = round(ours / results["bare_scrapy"]["pages_per_s"], 2)
    results["ratio_vs_bare_epoll"] = round(ours / results["bare_scrapy_epoll"]["pages_per_s"], 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--render-pages", type=int, default=150)
    parser.add_argument("--big-pages", type=int, default=10000)
    parser.add_argument("--skip-render", action="store_true")
    parser.add_argument("--skip-big", action="store_true")
    parser.add_argument("--only-render", action="store_true",
                        help="skip the plain crawls of --pages pages (the big one has --skip-big)")
    args = parser.parse_args()
    results: dict[str, object] = {}
    with tempfile.TemporaryDirectory(prefix="crawl-bench-") as tmp:
        workdir = Path(tmp)
        stage(f"work directory {workdir}")
        site = workdir / "site"
        generate_site(site, args.pages)
        server, start = serve(site)
        try:
            if not args.only_render:
                run_plain(start, args, workdir, results)
            if not args.skip_render and os.path.exists(CHROMIUM):
                n, s, _ = run_bare(start, args.render_pages, render=True)
                results["bare_scrapy_playwright_render"] = {"pages": n, "seconds": round(s, 2),
                                                            "pages_per_s": round(n / s, 2)}
                n, s, _ = run_ours(start, args.render_pages, workdir, "always")
                results["portal_evidence_render_always"] = {"pages": n, "seconds": round(s, 2),
                                                             "pages_per_s": round(n / s, 2)}
                results["render_ratio"] = round(
                    results["portal_evidence_render_always"]["pages_per_s"]
                    / results["bare_scrapy_playwright_render"]["pages_per_s"], 2
                )
        finally:
            server.terminate()
            server.wait()
        if not args.skip_big:
            big = workdir / "big"
            generate_site(big, args.big_pages)
            server, start = serve(big)
            try:
                n, s, peak = run_ours(start, args.big_pages, workdir, "never")
                results["big_crawl"] = {"pages": n, "seconds": round(s, 2), "pages_per_s": round(n / s, 1),
                                        "peak_rss_mb": peak}
            finally:
                server.terminate()
                server.wait()
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
