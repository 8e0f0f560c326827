"""The strict seeds CSV loader of the contract.

A seeds file lists the portals to crawl: header row, UTF-8, columns `id,country,name,level,url`
and optionally `languages` (ISO 639-1 codes separated by `;`) and `extra_hosts` (further
hosts of the same portal, separated by `;`); `source` and `notes` are allowed for provenance.
A malformed file is refused as a whole, before anything is crawled or written: `SeedsError`
lists every problem as `line N: reason`, N being the physical line where the row starts.
A UTF-8 byte-order mark and whitespace around values are tolerated.
"""

from __future__ import annotations

import csv
import io
import ipaddress
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

REQUIRED_COLUMNS: tuple[str, ...] = ("id", "country", "name", "level", "url")
OPTIONAL_COLUMNS: tuple[str, ...] = ("languages", "extra_hosts", "source", "notes")
ALLOWED_COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS

# ISO 639-1 (all two-letter codes, including "bh" which was withdrawn in 2021 but still occurs).
_ISO_639_1_CODES = (
    """aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu cv cy
    da de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu hy
    hz ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb lg li
    ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv ny oc oj om or os pa
    pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq sr ss st su sv sw ta te tg th
    ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi yo za zh zu"""
)
ISO_639_1 = frozenset(_ISO_639_1_CODES.split())

_LABEL = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class SeedsError(ValueError):
    """A seeds file that cannot be used; `problems` holds one `line N: reason` per problem."""

    def __init__(self, path: str | Path, problems: list[str]) -> None:
        self.path = str(path)
        self.problems = tuple(problems)
        if len(problems) == 1:
            message = f"{path}: {problems[0]}"
        else:
            message = f"{path}: {len(problems)} problems\n" + "\n".join(f"  {p}" for p in problems)
        super().__init__(message)


@dataclass(frozen=True)
class Seed:
    """One portal to crawl."""

    id: str
    country: str
    name: str
    level: str
    url: str
    languages: tuple[str, ...] = ()
    extra_hosts: tuple[str, ...] = ()
    source: str | None = None


def load_seeds(path: str | Path) -> list[Seed]:
    """Read and validate a seeds file; raise SeedsError listing every problem."""
    raw = _read_bytes(path)
    text = _decode(path, raw)
    if text.startswith("\ufeff"):
        text = text[1:]
    if not text.strip():
        raise SeedsError(path, ["the file is empty (expected a header row and seed rows)"])

    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    problems: list[str] = []
    try:
        header_start, header = _next_nonblank(reader, 0)
    except csv.Error as exc:
        raise SeedsError(path, [f"line {reader.line_num}: unreadable CSV ({exc})"]) from None
    columns = [c.strip().lower() for c in header]
    _check_header(columns, header_start, problems)
    if problems:
        raise SeedsError(path, problems)

    seeds: list[Seed] = []
    first_line_of_id: dict[str, int] = {}
    previous_end = reader.line_num
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            problems.append(f"line {previous_end + 1}: unreadable CSV ({exc})")
            break
        line = previous_end + 1
        previous_end = reader.line_num
        if not row or all(not cell.strip() for cell in row):
            continue
        seed = _parse_row(row, columns, line, problems, first_line_of_id)
        if seed is not None:
            seeds.append(seed)

    if not problems and not seeds:
        problems.append(f"line {header_start}: the file has a header but no seed rows")
    if problems:
        raise SeedsError(path, problems)
    return seeds


def _read_bytes(path: str | Path) -> bytes:
    file = Path(path)
    if not file.exists():
        raise SeedsError(path, ["no such file"])
    if file.is_dir():
        raise SeedsError(path, ["is a directory, not a seeds CSV file"])
    try:
        return file.read_bytes()
    except OSError as exc:
        raise SeedsError(path, [f"cannot read the file ({exc.strerror or exc})"]) from None


def _decode(path: str | Path, raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    problems = []
    for number, line in enumerate(raw.split(b"\n"), start=1):
        try:
            line.decode("utf-8")
        except UnicodeDecodeError as exc:
            problems.append(f"line {number}: not UTF-8 (byte 0x{line[exc.start]:02X} at column {exc.start + 1})")
    raise SeedsError(path, problems)


def _next_nonblank(reader: csv.Reader, previous_end: int) -> tuple[int, list[str]]:
    for row in reader:
        start = previous_end + 1
        previous_end = reader.line_num
        if row and any(cell.strip() for cell in row):
            return start, row
    return previous_end, []


def _check_header(columns: list[str], line: int, problems: list[str]) -> None:
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        problems.append(f"line {line}: missing required column(s): {', '.join(missing)}")
    unknown = [c or "(empty name)" for c in columns if c not in ALLOWED_COLUMNS]
    if unknown:
        problems.append(
            f"line {line}: unknown column(s): {', '.join(unknown)} (allowed: {', '.join(ALLOWED_COLUMNS)})"
        )
    repeated = sorted({c for c in columns if c and columns.count(c) > 1})
    if repeated:
        problems.append(f"line {line}: column(s) given twice: {', '.join(repeated)}")


def _parse_row(
    row: list[str], columns: list[str], line: int, problems: list[str], first_line_of_id: dict[str, int]
) -> Seed | None:
    if len(row) != len(columns):
        problems.append(f"line {line}: expected {len(columns)} fields, found {len(row)}")
        return None
    values = {name: cell.strip() for name, cell in zip(columns, row, strict=True)}
    reasons: list[str] = []
    # Ids compare case-insensitively: they name portals in URLs and exports.
    key = values["id"].lower()
    if key and key in first_line_of_id:
        reasons.append(f"duplicate id {values['id']!r} (first used on line {first_line_of_id[key]})")
    elif key:
        first_line_of_id[key] = line
    empty = [c for c in REQUIRED_COLUMNS if not values[c]]
    if empty:
        reasons.append(f"empty required field(s): {', '.join(empty)}")
    for name, value in values.items():
        if _CONTROL.search(value) and name != "notes":
            reasons.append(f"{name} contains control characters")
    if values["url"]:
        url_problem = url_error(values["url"])
        if url_problem:
            reasons.append(f"bad url {values['url']!r}: {url_problem}")
    languages = _split_list(values.get("languages", ""))
    bad_langs = [code for code in languages if code not in ISO_639_1]
    if bad_langs:
        reasons.append(
            f"bad language code(s) {', '.join(repr(c) for c in bad_langs)} "
            "(ISO 639-1: two lowercase letters, separated by ';')"
        )
    extra_hosts = _split_list(values.get("extra_hosts", ""))
    for host in extra_hosts:
        host_problem = host_error(host)
        if host_problem:
            reasons.append(f"bad extra host {host!r}: {host_problem}")
    if reasons:
        problems.append(f"line {line}: " + "; ".join(reasons))
        return None
    return Seed(
        id=values["id"],
        country=values["country"],
        name=values["name"],
        level=values["level"],
        url=values["url"],
        languages=tuple(dict.fromkeys(languages)),
        extra_hosts=tuple(dict.fromkeys(h.lower().rstrip(".") for h in extra_hosts)),
        source=values.get("source") or None,
    )


def _split_list(value: str) -> list[str]:
    if not value:
        return []
    return [part.strip() for part in value.split(";") if part.strip()]


def url_error(url: str) -> str | None:
    """Why `url` cannot be a seed URL (http/https with a valid host), or None if it can."""
    if any(ch.isspace() for ch in url):
        return "contains whitespace"
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        return _lowercase_first(str(exc))
    if parts.scheme.lower() not in ("http", "https"):
        return "must start with http:// or https://"
    if not parts.hostname:
        return "has no host"
    if port == 0:
        return "port 0 is not a valid port"
    return _hostname_error(parts.hostname)


def host_error(host: str) -> str | None:
    """Why `host` (a host name, optionally with `:port`) cannot be an extra host, or None."""
    if "://" in host or "/" in host or "?" in host or "#" in host or "@" in host:
        return "give a bare host name (like data.example.org), not a URL"
    if any(ch.isspace() for ch in host):
        return "contains whitespace"
    try:
        parts = urlsplit(f"http://{host}/")
        port = parts.port
    except ValueError as exc:
        return _lowercase_first(str(exc))
    if not parts.hostname:
        return "has no host name"
    if port == 0:
        return "port 0 is not a valid port"
    return _hostname_error(parts.hostname)


def _lowercase_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _hostname_error(hostname: str) -> str | None:
    name = hostname.rstrip(".").lower()
    try:
        ipaddress.ip_address(name)
        return None
    except ValueError:
        pass
    try:
        ascii_name = name.encode("idna").decode("ascii")
    except UnicodeError:
        return "host name is not a valid (internationalised) domain name"
    if len(ascii_name) > 253:
        return "host name is longer than 253 characters"
    labels = ascii_name.split(".")
    if any(not _LABEL.fullmatch(label) for label in labels):
        return "host name has an invalid label (letters, digits and inner hyphens only)"
    if labels[-1].isdigit():
        return "host name looks like a malformed IP address"
    return None
