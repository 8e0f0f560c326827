"""A logging forward HTTP proxy for crawl tests: forwards only to 127.0.0.1, answers 403 otherwise.

Set as `http_proxy` for a crawl (Scrapy's requests and the browser's), it records every URL
requested, so a test can assert that nothing left the portals' own webs and that no URL forbidden
by robots.txt was requested. HTTPS tunnels (CONNECT) are refused: the test web is plain HTTP.
"""

from __future__ import annotations

import http.client
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

_HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "proxy-authorization", "te", "trailers",
               "transfer-encoding", "upgrade"}


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        return  # a client closing its connection early (timeouts, cancelled renders) is normal here


class LoggingProxy:
    def __init__(self) -> None:
        self.log: list[str] = []
        self.refused: list[str] = []
        self._lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                return

            def do_CONNECT(self) -> None:
                with proxy._lock:
                    proxy.log.append(f"CONNECT {self.path}")
                    proxy.refused.append(self.path)
                self._answer(403, b"tunnels refused")

            def do_GET(self) -> None:
                self._forward("GET")

            def do_HEAD(self) -> None:
                self._forward("HEAD")

            def do_POST(self) -> None:
                self._forward("POST")

            def _forward(self, method: str) -> None:
                url = self.path
                with proxy._lock:
                    proxy.log.append(url)
                parts = urlsplit(url)
                if parts.scheme != "http" or parts.hostname != "127.0.0.1":
                    with proxy._lock:
                        proxy.refused.append(url)
                    return self._answer(403, b"forbidden by the test proxy")
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP}
                path = parts.path or "/"
                if parts.query:
                    path += "?" + parts.query
                try:
                    conn = http.client.HTTPConnection("127.0.0.1", parts.port or 80, timeout=30)
                    conn.request(method, path, body=body, headers=headers)
                    upstream = conn.getresponse()
                    data = upstream.read()
                except OSError as exc:
                    return self._answer(502, f"upstream failed: {exc}".encode())
                self.send_response(upstream.status)
                for key, value in upstream.getheaders():
                    if key.lower() not in _HOP_BY_HOP and key.lower() != "content-length":
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                try:
                    if method != "HEAD":
                        self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass
                conn.close()

            def _answer(self, status: int, body: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = _QuietServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> LoggingProxy:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@contextmanager
def logging_proxy() -> Iterator[LoggingProxy]:
    proxy = LoggingProxy().start()
    try:
        yield proxy
    finally:
        proxy.stop()
