"""End-to-end crawl of the made-up test web through a logging forward proxy.

One `portal-evidence crawl` (fast profile, render auto) runs in a subprocess over six portals in
six languages; the tests then read the proxy log, the servers' logs and the SQLite database.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from crawl_helpers import candidates, closed_port, crawl_env, pages, query, run_crawl, write_seeds
from proxy import logging_proxy
from webserver import serve

from crawler.addon import chromium_available


@pytest.fixture(scope="module")
def crawl(tmp_path_factory: pytest.TempPathFactory):
    tmp = tmp_path_factory.mktemp("crawl")
    with serve() as web, logging_proxy() as proxy:
        down_port = closed_port()
        extra = (f"locked,XXX,Locked,city,{web.url('locked')},en,", f"down,XXX,Down,city,http://127.0.0.1:{down_port}/,,")
        seeds = write_seeds(tmp / "seeds.csv", web, extra_rows=extra)
        db = tmp / "crawl.db"
        done = run_crawl(["--seeds", str(seeds), "--db", f"sqlite:///{db}"], crawl_env(proxy.url), tmp)
        yield {"web": web, "proxy": proxy, "db": db, "done": done, "tmp": tmp, "down_port": down_port}


def test_crawl_exits_0_with_a_summary(crawl) -> None:
    done = crawl["done"]
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Crawl summary" in done.stdout
    assert "Traceback" not in done.stderr


def test_no_request_left_the_own_webs(crawl) -> None:
    web, proxy = crawl["web"], crawl["proxy"]
    own = {f"127.0.0.1:{web.port(n)}" for n in ("en", "en_participate", "fr", "de", "ru", "es", "ar", "locked")}
    own.add(f"127.0.0.1:{crawl['down_port']}")
    assert proxy.log, "the crawl did not go through the proxy"
    outside = [url for url in proxy.log if urlsplit(url).netloc not in own]
    assert outside == []
    assert proxy.refused == []
    # Another portal's data site is linked from two portals and redirected to by two: never requested.
    assert web.sites["data"].log == []


def test_no_robots_disallowed_url_was_requested(crawl) -> None:
    proxy, web = crawl["proxy"], crawl["web"]
    en = f"127.0.0.1:{web.port('en')}"
    paths = [urlsplit(url).path for url in proxy.log if urlsplit(url).netloc == en]
    assert "/robots.txt" in paths
    assert not [p for p in paths if p.startswith("/private/") or p.endswith(".pdf")]
    stored = pages(crawl["db"], crawl["web"])
    # Listed in sitemap.xml but disallowed: stored as robots_excluded, never fetched.
    assert stored[("en", "/private/consultation.html")]["status"] == "robots_excluded"
    assert stored[("en", "/files/report.pdf")]["status"] == "robots_excluded"


def test_traps_are_capped(crawl) -> None:
    proxy, web = crawl["proxy"], crawl["web"]
    en = f"127.0.0.1:{web.port('en')}"
    calendar = [u for u in proxy.log if urlsplit(u).netloc == en and urlsplit(u).path.startswith("/events/")]
    assert 1 <= len(calendar) <= 3
    pages_seen = [int(m.group(1)) for u in proxy.log if (m := re.search(r"/news/page/(\d+)$", u))]
    assert pages_seen and max(pages_seen) <= 5
    fr = f"127.0.0.1:{web.port('fr')}"
    fr_paths = [urlsplit(u).path + "?" + urlsplit(u).query for u in proxy.log if urlsplit(u).netloc == fr]
    # Two session-id variants of the payment page: one request, without the session id.
    assert [p for p in fr_paths if "paiement" in p] == ["/fr/paiement.html?"]
    ar = f"127.0.0.1:{web.port('ar')}"
    archive = [u for u in proxy.log if urlsplit(u).netloc == ar and "/archive/" in u]
    assert len(archive) <= 2  # /archive/, /archive/older/; /archive/older/older/ is a repeated path


def test_page_statuses(crawl) -> None:
    stored = pages(crawl["db"], crawl["web"])
    assert stored[("en", "/gone.html")]["status"] == "http_error"
    assert stored[("en", "/gone.html")]["http_status"] == 404
    assert stored[("en", "/broken.html")]["status"] == "http_error"
    assert stored[("en", "/slow.html")]["status"] == "timeout"
    assert stored[("en", "/loop-a")]["status"] == "error"
    assert "redirect" in stored[("en", "/loop-a")]["note"]
    assert stored[("en", "/data-portal")]["status"] == "offsite_redirect"
    assert stored[("es", "/datos-abiertos")]["status"] == "offsite_redirect"
    assert stored[("ru", "/data/schools.csv")]["status"] == "not_html"
    # A 6.5 MB page is analysed up to 5 MB, with a note.
    assert stored[("en", "/minutes.html")]["status"] == "ok"
    assert stored[("en", "/minutes.html")]["note"].startswith("truncated at 5 MB")
    # A redirect chain with a relative Location, followed within the own web.
    assert stored[("en", "/old-contact")]["status"] == "ok"
    assert stored[("en", "/old-contact")]["final_url"].endswith("/contact.html")


def test_depth_encoding_base_href_and_subdomain(crawl) -> None:
    stored = pages(crawl["db"], crawl["web"])
    assert stored[("en", "/")]["depth"] == 0
    assert stored[("en", "/about/policies/accessibility.html")]["depth"] == 3
    assert stored[("fr", "/fr/demarches/participer/concertation/avis.html")]["depth"] == 4
    # <base href="/fr/"> on the French home page: its relative links resolve below /fr/.
    assert ("fr", "/fr/contact.html") in stored
    assert ("fr", "/contact.html") not in stored
    # windows-1251 declared only in <meta>.
    assert stored[("ru", "/kontakty.html")]["title"].startswith("Контакты")
    # The extra host of the English portal (a "subdomain" on another port) is crawled.
    assert stored[("en_participate", "/")]["status"] == "ok"
    assert stored[("en_participate", "/")]["depth"] == 1


@pytest.mark.skipif(not chromium_available("/usr/bin/chromium"), reason="Chromium is not installed")
def test_javascript_only_evidence_is_rendered(crawl) -> None:
    stored = pages(crawl["db"], crawl["web"])
    assert stored[("de", "/beteiligung.html")]["rendered"] is True
    assert stored[("de", "/")]["rendered"] is False  # static pages stay on the cheap path
    found = query(
        crawl["db"],
        "SELECT count(*) FROM evidence e JOIN pages p ON p.id = e.page_id "
        "WHERE p.url LIKE '%/beteiligung.html' AND e.indicator = 'e_participation' AND e.rendered = 1",
    )
    assert found[0][0] >= 1
    assert candidates(crawl["db"])[("de", "e_participation")] == 1
    # A shell whose script never ends: the browser times out, the static page is still analysed.
    hung = stored[("de", "/karte.html")]
    assert (hung["status"], hung["rendered"]) == ("ok", False)
    assert hung["note"].startswith("rendering failed, static page analysed")


def test_candidates_follow_own_web_evidence(crawl) -> None:
    scores = candidates(crawl["db"])
    assert len(scores) == 8 * 9
    assert scores[("en", "accessibility_statement")] == 1  # depth 3
    assert scores[("en", "e_participation")] == 1  # on the extra host
    assert scores[("fr", "e_participation")] == 1  # depth 4, below <base href>
    assert scores[("ru", "contact_info")] == 1  # windows-1251
    assert scores[("ru", "open_data")] == 1
    # Robots-hidden consultation is not evidence; the other portal's data site is not the
    # English or Spanish portal's open data.
    assert scores[("en", "open_data")] == 0
    assert scores[("es", "open_data")] == 0
    assert scores[("en", "mobile_app")] == 0  # "There is no Exampleton app"


def test_unreachable_portals_are_not_reached_not_absent(crawl) -> None:
    rows = query(crawl["db"], "SELECT portal_id, status, note FROM pages WHERE portal_id IN ('down', 'locked')")
    # Through the proxy, a portal that is down answers 502: its robots.txt "server error" means
    # complete disallow; without a proxy it is a network error. Either way nothing is "absent".
    down = [(status, note) for portal, status, note in rows if portal == "down"]
    assert down and all(status in ("robots_excluded", "network_error") for status, _ in down)
    assert all("RFC 9309" in note for status, note in down if status == "robots_excluded")
    # robots.txt answered 503: complete disallow (RFC 9309); only robots.txt was requested.
    assert {status for portal, status, _ in rows if portal == "locked"} == {"robots_excluded"}
    assert {path for _, path, _ in crawl["web"].sites["locked"].log} == {"/robots.txt"}
    statuses = query(crawl["db"], "SELECT DISTINCT portal_id, status, candidate FROM candidates "
                     "WHERE portal_id IN ('down', 'locked')")
    assert sorted(statuses) == [("down", "not_reached", 0), ("locked", "not_reached", 0)]


def test_render_never_misses_javascript_only_evidence(tmp_path: Path) -> None:
    with serve() as web:
        seeds = write_seeds(tmp_path / "seeds.csv", web, portals=("de",))
        db = tmp_path / "never.db"
        done = run_crawl(["--seeds", str(seeds), "--db", f"sqlite:///{db}", "--render", "never"],
                         crawl_env(None), tmp_path)
        assert done.returncode == 0, done.stderr[-2000:]
        stored = pages(db, web)
    assert stored[("de", "/beteiligung.html")]["rendered"] is False
    assert candidates(db)[("de", "e_participation")] == 0


def test_bad_seeds_file_exits_2_and_writes_nothing(tmp_path: Path) -> None:
    seeds = tmp_path / "bad.csv"
    seeds.write_text("id,country,name,level,url\nx,FRA,X,city,not a url\nx,FRA,Y,city,https://y.example/\n")
    db = tmp_path / "never.db"
    done = run_crawl(["--seeds", str(seeds), "--db", f"sqlite:///{db}"], crawl_env(None), tmp_path)
    assert done.returncode == 2
    assert "line 2" in done.stderr and "line 3" in done.stderr
    assert "Traceback" not in done.stderr
    assert not db.exists()
