"""A threaded HTTP server for the made-up test portals in tests/web/, each portal on its own port.

Each folder of tests/web/ is one site. Files are served as they are (HTML without a charset in the
header, so a page's own `<meta charset>` decides); `{{port:NAME}}` in a file is replaced by the
port of site NAME. A site's `_routes.json` adds the hazards: {"/path": {"status": 301,
"location": "...", "sleep": 5, "body": "...", "content_type": "..."}}; `"calendar": true` answers
any path below it with a month page linking the previous and next month (an endless calendar),
`"paginate": true` with an endless list of pages, `"prefix": true` serves the route's body for
every path below it; `"repeat": N, "chunk": "..."` appends N copies of chunk (large pages).
Every request is logged per site (method, path, user agent) for the tests to inspect.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

WEB_ROOT = Path(__file__).with_name("web")
_PORT_TOKEN = re.compile(r"\{\{port:([a-z0-9_-]+)\}\}")


@dataclass
class Site:
    name: str
    root: Path
    routes: dict[str, dict]
    ports: dict[str, int]
    delay: float = 0.0  # seconds added to every answer (to make a crawl last long enough to kill it)
    log: list[tuple[str, str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _handler_for(site: Site) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:  # quiet
            return

        def do_GET(self) -> None:
            target = self.path
            if target.startswith("http://"):  # absolute form (should only reach the proxy)
                target = "/" + target.split("/", 3)[3]
            with site.lock:
                site.log.append(("GET", target, self.headers.get("User-Agent", "")))
            if site.delay:
                time.sleep(site.delay)
            parts = urlsplit(target)
            route = site.routes.get(parts.path) or site.routes.get(target)
            if route is None or route.get("calendar") or route.get("paginate") or route.get("prefix"):
                for prefix, spec in site.routes.items():
                    if not parts.path.startswith(prefix):
                        continue
                    if spec.get("calendar"):
                        return self._calendar(prefix, parts.query)
                    if spec.get("paginate"):
                        return self._paginate(prefix, parts.path)
                    if spec.get("prefix"):
                        return self._route(spec)
            if route is not None:
                return self._route(route)
            file = (site.root / parts.path.lstrip("/")).resolve()
            if file.is_dir():
                file = file / "index.html"
            if not str(file).startswith(str(site.root.resolve())) or not file.is_file():
                return self._send(404, b"<html><body><h1>Not found</h1></body></html>", "text/html")
            body = file.read_bytes()
            if file.suffix in (".html", ".xml", ".txt"):
                body = _PORT_TOKEN.sub(lambda m: str(site.ports[m.group(1)]), body.decode("latin-1")).encode(
                    "latin-1"
                )
            types = {".html": "text/html", ".xml": "application/xml", ".txt": "text/plain", ".csv": "text/csv",
                     ".js": "application/javascript", ".json": "application/json", ".pdf": "application/pdf"}
            self._send(200, body, types.get(file.suffix, "application/octet-stream"))

        def _route(self, route: dict) -> None:
            if route.get("sleep"):
                time.sleep(float(route["sleep"]))
            status = int(route.get("status", 200))
            body = _PORT_TOKEN.sub(lambda m: str(site.ports[m.group(1)]), route.get("body", "")).encode("utf-8")
            if "repeat" in route:  # a large page: the body, then `repeat` copies of `chunk`
                body += route["chunk"].encode("utf-8") * int(route["repeat"])
            headers = {}
            if "location" in route:
                headers["Location"] = _PORT_TOKEN.sub(lambda m: str(site.ports[m.group(1)]), route["location"])
            self._send(status, body, route.get("content_type", "text/html"), headers)

        def _calendar(self, prefix: str, query: str) -> None:
            month = parse_qs(query).get("month", ["2026-11"])[0]
            try:
                year, mon = (int(x) for x in month.split("-"))
            except ValueError:
                year, mon = 2026, 11
            prev = f"{year - (mon == 1)}-{12 if mon == 1 else mon - 1:02d}"
            nxt = f"{year + (mon == 12)}-{1 if mon == 12 else mon + 1:02d}"
            body = (
                f"<html><head><title>Events {year}-{mon:02d}</title></head><body><h1>Events {year}-{mon:02d}</h1>"
                f'<a href="{prefix}?month={prev}">Previous month</a> <a href="{prefix}?month={nxt}">Next month</a>'
                "<p>No events this month.</p></body></html>"
            )
            self._send(200, body.encode(), "text/html")

        def _paginate(self, prefix: str, path: str) -> None:
            tail = path[len(prefix) :].strip("/")
            number = int(tail) if tail.isdigit() else 1
            body = (
                f"<html><head><title>News page {number}</title></head><body><h1>News, page {number}</h1>"
                f'<p>Older news.</p><a href="{prefix}{number + 1}">Next page</a></body></html>'
            )
            self._send(200, body.encode(), "text/html")

        def _send(self, status: int, body: bytes, content_type: str, headers: dict | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            with suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(body)

    return Handler


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        return  # clients that give up (the timeout test) reset connections; not an error here


class TestWeb:
    """All sites of tests/web (or another root) served on 127.0.0.1, one free port each."""

    def __init__(self, root: Path = WEB_ROOT, delay: float = 0.0) -> None:
        self.root = root
        self.delay = delay
        self.sites: dict[str, Site] = {}
        self._servers: list[ThreadingHTTPServer] = []

    def start(self) -> TestWeb:
        ports: dict[str, int] = {}
        servers = {}
        for folder in sorted(p for p in self.root.iterdir() if p.is_dir()):
            server = _QuietServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
            server.daemon_threads = True
            ports[folder.name] = server.server_address[1]
            servers[folder.name] = (server, folder)
        for name, (server, folder) in servers.items():
            routes_file = folder / "_routes.json"
            routes = json.loads(routes_file.read_text()) if routes_file.exists() else {}
            site = Site(name, folder, routes, ports, delay=self.delay)
            server.RequestHandlerClass = _handler_for(site)
            self.sites[name] = site
            self._servers.append(server)
            threading.Thread(target=server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        for server in self._servers:
            server.shutdown()
            server.server_close()

    def port(self, name: str) -> int:
        return self.sites[name].ports[name]

    def url(self, name: str, path: str = "/") -> str:
        return f"http://127.0.0.1:{self.port(name)}{path}"


@contextmanager
def serve(root: Path = WEB_ROOT, delay: float = 0.0) -> Iterator[TestWeb]:
    web = TestWeb(root, delay).start()
    try:
        yield web
    finally:
        web.stop()


if __name__ == "__main__":  # manual exploration: python tests/webserver.py
    with serve() as running:
        for site_name in running.sites:
            print(site_name, running.url(site_name))
        threading.Event().wait()
