"""`portal-evidence demo`: serve the bundled demo web on 127.0.0.1, crawl it, print the scores.

The demo web (crawler/demo/) holds a few made-up portals, each served on its own free port. A
temporary seeds file names them, and the crawl runs through the same code path as
`portal-evidence crawl` (spider, detectors, pipelines, storage) into `--db`; the demo uses the
fast crawl profile, which is only meant for 127.0.0.1.
"""

from __future__ import annotations

import os
import re
import tempfile
import threading
from contextlib import suppress
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import click

from portal_evidence.cli import BadInput

DEMO_ROOT = Path(__file__).resolve().parent.parent.parent / "crawler" / "demo"
SEED_SITES = (  # (site folder, seed id, country, name, language)
    ("harbourville", "demo-harbourville", "GBR", "Harbourville Council", "en"),
    ("villebelle", "demo-villebelle", "FRA", "Mairie de Villebelle", "fr"),
    ("villaverde", "demo-villaverde", "ESP", "Ayuntamiento de Villaverde", "es"),
)
_PORT_TOKEN = re.compile(rb"\{\{port:([a-z0-9_-]+)\}\}")
_TYPES = {".html": "text/html; charset=utf-8", ".xml": "application/xml", ".txt": "text/plain",
          ".csv": "text/csv", ".json": "application/json", ".geojson": "application/geo+json"}


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        return  # a crawler closing a connection early is not worth a traceback


def _handler(root: Path, ports: dict[str, int]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            return

        def do_GET(self) -> None:
            path = urlsplit(self.path).path
            file = (root / path.lstrip("/")).resolve()
            if file.is_dir():
                file = file / "index.html"
            if not file.is_relative_to(root.resolve()) or not file.is_file():
                return self._send(404, b"<html><body><h1>Not found</h1></body></html>", _TYPES[".html"])
            body = _PORT_TOKEN.sub(lambda m: str(ports[m.group(1).decode()]).encode(), file.read_bytes())
            self._send(200, body, _TYPES.get(file.suffix, "application/octet-stream"))

        def _send(self, status: int, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            with suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(body)

    return Handler


def serve_demo_web(root: Path = DEMO_ROOT) -> tuple[dict[str, int], list[ThreadingHTTPServer]]:
    """Serve every folder of the demo web on its own free port of 127.0.0.1."""
    servers = {folder.name: _QuietServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
               for folder in sorted(root.iterdir()) if folder.is_dir()}
    ports = {name: server.server_address[1] for name, server in servers.items()}
    for name, server in servers.items():
        server.RequestHandlerClass = _handler(root / name, ports)
        threading.Thread(target=server.serve_forever, daemon=True).start()
    return ports, list(servers.values())


def write_demo_seeds(path: Path, ports: dict[str, int]) -> Path:
    rows = ["id,country,name,level,url,languages"]
    for folder, seed_id, country, name, language in SEED_SITES:
        rows.append(f"{seed_id},{country},{name},city,http://127.0.0.1:{ports[folder]}/,{language}")
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


@click.command()
@click.option("--db", "db", default=None, help="SQLAlchemy URL [default: $PORTAL_EVIDENCE_DB or sqlite:///portal-evidence.db].")
@click.option("--render", type=click.Choice(["auto", "never", "always"]), default="auto", show_default=True)
@click.pass_context
def command(ctx: click.Context, db: str | None, render: str) -> None:
    """Crawl a bundled demo web of made-up portals on 127.0.0.1 and print the scores."""
    from portal_evidence.commands.crawl import print_summary, run_crawl
    from storage import DatabaseError, latest_scores, open_database, resolve_db_url

    if not DEMO_ROOT.is_dir():
        raise click.ClickException(f"the demo web is missing ({DEMO_ROOT})")
    try:
        db_url = resolve_db_url(db)
        open_database(db_url).dispose()
    except DatabaseError as exc:
        raise BadInput(str(exc)) from None
    # The demo web is local: it is crawled directly even behind a proxy, and without the delays
    # that real portals get (the settings module reads the profile when it is imported).
    os.environ["PORTAL_EVIDENCE_PROFILE"] = "fast"
    os.environ["no_proxy"] = ",".join(filter(None, [os.environ.get("no_proxy", ""), "127.0.0.1", "localhost"]))
    ports, servers = serve_demo_web()
    try:
        with tempfile.TemporaryDirectory(prefix="portal-evidence-demo-") as tmp:
            seeds = write_demo_seeds(Path(tmp) / "demo-seeds.csv", ports)
            click.echo(f"Demo web: {len(SEED_SITES)} portals on 127.0.0.1 (ports "
                       f"{', '.join(str(ports[s[0]]) for s in SEED_SITES)}); crawling into {db_url}", err=True)
            debug = bool((ctx.find_root().obj or {}).get("debug"))
            rows, reason = run_crawl(str(seeds), db_url, max_pages=50, render=render, run_id=None,
                                     progress=False, debug=debug)
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()
    print_summary(rows)
    if reason not in ("finished", None):
        raise click.ClickException(f"the demo crawl stopped early ({reason})")
    engine = open_database(db_url)
    try:
        demo_ids = {seed_id for _, seed_id, *_ in SEED_SITES}
        scores = [row for row in latest_scores(engine) if row.portal in demo_ids]
    finally:
        engine.dispose()
    _print_scores(scores)


def _print_scores(scores: list[Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    from detectors.model import INDICATORS

    table = Table(title="Candidate scores (1 = evidence found on the portal's own web)")
    table.add_column("portal")
    for indicator in INDICATORS:
        table.add_column(indicator.replace("_", " "), justify="center")
    by_portal: dict[str, dict[str, Any]] = {}
    for row in scores:
        by_portal.setdefault(row.portal, {})[row.indicator] = row
    for portal, rows in sorted(by_portal.items()):
        cells = []
        for indicator in INDICATORS:
            row = rows.get(indicator)
            cells.append("-" if row is None else ("1" if row.candidate else "0"))
        table.add_row(portal, *cells)
    console = Console()
    if not console.is_terminal:
        console = Console(width=200)
    console.print(table)
    click.echo("Evidence behind each score: portal-evidence scores --format json")
