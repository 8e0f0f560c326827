"""Build a `Page` from what arrives: response bytes with their headers, or a saved HTML file.

Both paths pass through the same gate (`check_html_bytes`) and the same browser-order
decoding (`decode_html`), so the crawl and `portal-evidence detect` see a page identically.
The page's language is decided later by the engine (`detectors.language.page_language`);
`Page.language` only carries a hint from outside the markup.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from detectors.encoding import check_html_bytes, decode_html
from detectors.errors import InputError
from detectors.model import Page

# A saved page larger than this is not a page a person reads; refusing it keeps `detect` from
# reading a disk image into memory. The crawl caps its downloads well below it.
MAX_FILE_BYTES = 64 * 1024 * 1024


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("latin-1")
    if isinstance(value, (list, tuple)):
        # Scrapy's Headers hold a list of values per name; the first one is the one in force.
        return _text(value[0]) if value else ""
    return str(value)


def _plain_headers(headers: Mapping[Any, Any] | Iterable[tuple[Any, Any]] | None) -> dict[str, str]:
    """Headers as a plain dict with lower-case str names (also from Scrapy's bytes Headers)."""
    if not headers:
        return {}
    items = headers.items() if isinstance(headers, Mapping) else headers
    plain: dict[str, str] = {}
    for name, value in items:
        plain.setdefault(_text(name).lower(), _text(value))
    return plain


def page_from_bytes(
    url: str,
    body: bytes,
    headers: Mapping[Any, Any] | None = None,
    language: str | None = None,
    rendered: bool = False,
) -> Page:
    """Check and decode a page's bytes; raise InputError (one line) if they are no HTML page."""
    check_html_bytes(body)
    plain = _plain_headers(headers)
    html, encoding = decode_html(body, plain.get("content-type"))
    return Page(url=url, html=html, headers=plain, language=language, rendered=rendered, encoding=encoding)


def read_page_file(path: str | Path, url: str | None = None) -> Page:
    """Read a saved HTML file for `portal-evidence detect`.

    Every failure is an InputError whose one-line message names the file. Without `url`, the
    page's address is the file's `file://` URI, so relative links resolve against its folder.
    """
    file = Path(path)
    name = str(path)
    try:
        info = file.stat()
    except FileNotFoundError:
        raise InputError(f"{name}: no such file") from None
    except OSError as exc:
        raise InputError(f"{name}: cannot read the file ({exc.strerror or exc})") from None
    if stat.S_ISDIR(info.st_mode):
        raise InputError(f"{name}: is a directory, not an HTML file")
    if not stat.S_ISREG(info.st_mode):
        raise InputError(f"{name}: is not a regular file")
    if info.st_size > MAX_FILE_BYTES:
        raise InputError(f"{name}: the file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB")
    try:
        body = file.read_bytes()
    except OSError as exc:
        raise InputError(f"{name}: cannot read the file ({exc.strerror or exc})") from None
    page_url = url if url else Path(os.path.abspath(file)).as_uri()
    try:
        return page_from_bytes(page_url, body)
    except InputError as exc:
        raise InputError(f"{name}: {exc}") from None
