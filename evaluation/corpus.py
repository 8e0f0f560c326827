"""Load and validate a labelled page corpus (the format of shared/realworld/manifest.csv).

A corpus is a directory with `manifest.csv` and the saved pages under `pages/` (or beside the
manifest when there is no `pages/` folder). The manifest has a header row and at least the columns
`file`, `language` and the nine indicator labels (0/1); a label column may use an alias from
detectors/indicators.yaml (the shared corpus writes `eparticipation`). `url_if_known` and `notes` are
optional; other columns are kept but not interpreted.

Validation is loud: every problem (missing column, label not 0/1, duplicate or missing file, ...) is
collected with its manifest line number and raised together in one `CorpusError`, because a silently
skipped row would change the scores without anyone noticing.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import yaml

import detectors
from detectors.model import INDICATORS

MANIFEST_NAME = "manifest.csv"
PAGES_DIR = "pages"
REQUIRED_COLUMNS = ("file", "language")


class CorpusError(ValueError):
    """The corpus cannot be used; `problems` lists every reason, each with its line number."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = list(problems)
        super().__init__(f"{source}: " + "; ".join(self.problems))


@dataclass(frozen=True)
class LabelledPage:
    """One manifest row: the saved page and its nine labels."""

    file: str
    path: Path
    language: str
    labels: Mapping[str, bool]
    url: str | None = None
    notes: str = ""
    line: int = 0
    extra: Mapping[str, str] = field(default_factory=dict)

    def uri(self) -> str:
        """The URL the page is evaluated at: the known one, else its file:// URI."""
        return self.url or self.path.resolve().as_uri()


@dataclass(frozen=True)
class Corpus:
    name: str
    root: Path
    manifest: Path
    pages: tuple[LabelledPage, ...]

    def __len__(self) -> int:
        return len(self.pages)

    def __iter__(self) -> Iterator[LabelledPage]:
        return iter(self.pages)


def label_aliases() -> dict[str, str]:
    """Column name -> indicator id: every id maps to itself, plus the aliases of indicators.yaml."""
    catalogue = Path(detectors.__file__).with_name("indicators.yaml")
    data = yaml.safe_load(catalogue.read_text(encoding="utf-8"))
    aliases = {i: i for i in INDICATORS}
    for indicator, spec in (data.get("indicators") or {}).items():
        for alias in (spec or {}).get("aliases") or []:
            aliases[str(alias).strip().lower()] = indicator
    return aliases


def resolve_manifest(location: str | Path) -> Path:
    """Accept a corpus directory or its manifest file; return the manifest path."""
    path = Path(location)
    return path / MANIFEST_NAME if path.is_dir() else path


def load_corpus(location: str | Path, name: str | None = None) -> Corpus:
    """Read and validate a corpus; raise `CorpusError` listing every problem found."""
    manifest = resolve_manifest(location)
    source = str(manifest)
    if not manifest.is_file():
        raise CorpusError(source, ["no such manifest file"])
    try:
        text = manifest.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CorpusError(source, [f"not UTF-8 ({exc.reason} at byte {exc.start})"]) from None
    except OSError as exc:
        raise CorpusError(source, [f"unreadable ({exc.strerror})"]) from None
    root = manifest.parent
    pages_dir = root / PAGES_DIR if (root / PAGES_DIR).is_dir() else root
    pages, problems = _parse(text, pages_dir)
    if problems:
        raise CorpusError(source, problems)
    return Corpus(name=name or root.name, root=root, manifest=manifest, pages=tuple(pages))


def _parse(text: str, pages_dir: Path) -> tuple[list[LabelledPage], list[str]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        return [], ["line 1: empty manifest (no header row)"]
    except csv.Error as exc:
        return [], [f"line 1: malformed CSV ({exc})"]
    columns, problems = _map_header(header)
    if problems:
        return [], problems

    pages: list[LabelledPage] = []
    seen: dict[str, int] = {}
    previous_end = reader.line_num
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            problems.append(f"line {previous_end + 1}: malformed CSV ({exc})")
            break
        line = previous_end + 1  # a quoted field may span lines: report where the record starts
        previous_end = reader.line_num
        if not row or all(not cell.strip() for cell in row):
            continue  # blank lines carry nothing; csv gives [] for them
        page, row_problems = _parse_row(row, header, columns, line, pages_dir, seen)
        problems.extend(row_problems)
        if page is not None:
            pages.append(page)
    if not pages and not problems:
        problems.append("no labelled pages (the manifest has a header but no rows)")
    return pages, problems


def _map_header(header: list[str]) -> tuple[dict[str, int], list[str]]:
    """Column index of `file`, `language`, `url_if_known`, `notes` and each indicator id."""
    aliases = label_aliases()
    columns: dict[str, int] = {}
    problems: list[str] = []
    for index, raw in enumerate(header):
        name = raw.strip().lower()
        key = aliases.get(name, name)
        if key in columns and (key in INDICATORS or key in REQUIRED_COLUMNS):
            problems.append(f"line 1: column {raw!r} duplicates column {header[columns[key]]!r}")
            continue
        columns.setdefault(key, index)
    missing = [c for c in (*REQUIRED_COLUMNS, *INDICATORS) if c not in columns]
    if missing:
        problems.append("line 1: missing column(s): " + ", ".join(missing))
    return columns, problems


def _parse_row(
    row: list[str],
    header: list[str],
    columns: dict[str, int],
    line: int,
    pages_dir: Path,
    seen: dict[str, int],
) -> tuple[LabelledPage | None, list[str]]:
    problems: list[str] = []
    if len(row) != len(header):
        return None, [f"line {line}: {len(row)} fields, the header has {len(header)}"]

    def cell(key: str) -> str:
        return row[columns[key]].strip() if key in columns else ""

    file = cell("file")
    path = pages_dir / file
    if not file:
        problems.append(f"line {line}: empty file name")
    elif PurePosixPath(file).is_absolute() or ".." in PurePosixPath(file).parts or "\\" in file:
        problems.append(f"line {line}: file {file!r} must be a plain relative path inside the corpus")
    else:
        if file in seen:
            problems.append(f"line {line}: duplicate file {file!r} (first on line {seen[file]})")
        else:
            seen[file] = line
        if not path.is_file():
            problems.append(f"line {line}: file {file!r} does not exist in {pages_dir.name}/")
    language = cell("language")
    if not language:
        problems.append(f"line {line}: empty language")
    labels: dict[str, bool] = {}
    for indicator in INDICATORS:
        value = cell(indicator)
        if value not in ("0", "1"):
            problems.append(f"line {line}: label {header[columns[indicator]]!r} is {value!r}, expected 0 or 1")
        labels[indicator] = value == "1"
    if problems:
        return None, problems
    known = {columns[k] for k in (*REQUIRED_COLUMNS, *INDICATORS, "url_if_known", "notes") if k in columns}
    extra = {header[i]: row[i] for i in range(len(header)) if i not in known}
    return (
        LabelledPage(
            file=file,
            path=path,
            language=language,
            labels=labels,
            url=cell("url_if_known") or None,
            notes=cell("notes"),
            line=line,
            extra=extra,
        ),
        [],
    )


def corpus_digest(corpus: Corpus) -> str:
    """SHA-256 over the manifest bytes and every page's name and bytes, sorted by file name.

    Pinned by the gate: any edit of a label or a page changes it, so floors are never compared
    with scores of a different corpus.
    """
    digest = hashlib.sha256()
    manifest = corpus.manifest.read_bytes()
    digest.update(b"manifest\0%d\0" % len(manifest))
    digest.update(manifest)
    for page in sorted(corpus.pages, key=lambda p: p.file):
        body = page.path.read_bytes()
        digest.update(b"page\0" + page.file.encode("utf-8") + b"\0%d\0" % len(body))
        digest.update(body)
    return digest.hexdigest()
