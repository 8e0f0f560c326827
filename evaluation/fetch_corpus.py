"""Fetch the pages of a labelled corpus whose manifest says where each page was published.

    python -m evaluation.fetch_corpus MANIFEST OUT_DIR [--base-url URL] [--force] [--timeout S]

Some labelled pages may not be copied into this repository (third-party pages in other projects'
test fixtures), but their manifest rows can be: `source_repo` (a GitHub `owner/name`), `commit`
(40 hex digits) and `source_path` say exactly which file it is. This command downloads each of
them from `<base-url>/<source_repo>/<commit>/<source_path>` (by default GitHub's raw-file host)
into `OUT_DIR/pages/<file>` and copies the manifest to `OUT_DIR/manifest.csv`, so that
`python -m evaluation.evaluate OUT_DIR` scores the detectors on them.

The manifest is checked whole before anything is downloaded (every bad row with its line number).
Pages already present are kept unless `--force` is given, so an interrupted fetch resumes where
it stopped. Rows without a source repository (made-up pages) are skipped with a note.

Exit codes: 0 every page is present; 1 some downloads failed (listed; the others are kept);
2 bad arguments or a bad manifest (nothing downloaded).
"""

from __future__ import annotations

import argparse
import csv
import re
import shutil
import sys
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO
from urllib.parse import quote

from evaluation.corpus import MANIFEST_NAME, PAGES_DIR

DEFAULT_BASE_URL = "https://raw.githubusercontent.com"
SOURCE_COLUMNS = ("file", "source_repo", "commit", "source_path")
USER_AGENT = "portal-evidence-fetch-corpus"
_COMMIT = re.compile(r"[0-9a-f]{40}")
_REPO = re.compile(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+")
_MADE_UP = {"", "made-up"}


class ManifestError(ValueError):
    """The manifest cannot be used; every problem is listed with its line number."""


@dataclass(frozen=True)
class Source:
    line: int
    file: str
    repo: str
    commit: str
    path: str

    def url(self, base_url: str) -> str:
        return f"{base_url.rstrip('/')}/{self.repo}/{self.commit}/{quote(self.path)}"


def read_sources(manifest: Path) -> tuple[list[Source], int]:
    """The rows to fetch, and how many made-up rows were skipped; raises ManifestError."""
    try:
        text = manifest.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ManifestError(f"{manifest}: cannot read: {exc}") from None
    reader = csv.DictReader(text.splitlines())
    missing = [c for c in SOURCE_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise ManifestError(f"{manifest}: missing column(s) {', '.join(missing)}")
    problems: list[str] = []
    sources: list[Source] = []
    skipped = 0
    seen: set[str] = set()
    for line, row in enumerate(reader, start=2):
        file, repo = (row["file"] or "").strip(), (row["source_repo"] or "").strip()
        commit, path = (row["commit"] or "").strip(), (row["source_path"] or "").strip()
        if not file or "/" in file or "\\" in file or file in (".", ".."):
            problems.append(f"line {line}: file must be a plain file name, got {file!r}")
            continue
        if file in seen:
            problems.append(f"line {line}: file {file!r} listed twice")
            continue
        seen.add(file)
        if repo in _MADE_UP:
            skipped += 1
            continue
        row_problems = []
        if not _REPO.fullmatch(repo):
            row_problems.append(f"line {line}: source_repo must be owner/name, got {repo!r}")
        if not _COMMIT.fullmatch(commit):
            row_problems.append(f"line {line}: commit must be 40 hex digits, got {commit!r}")
        if not path or path.startswith("/") or ".." in path.split("/"):
            row_problems.append(f"line {line}: source_path must be a relative path, got {path!r}")
        problems.extend(row_problems)
        if not row_problems:
            sources.append(Source(line, file, repo, commit, path))
    if problems:
        raise ManifestError(f"{manifest}: " + "; ".join(problems))
    return sources, skipped


def fetch(source: Source, target: Path, base_url: str, timeout: float) -> str | None:
    """Download one page to `target` (written whole or not at all); the error, or None."""
    request = urllib.request.Request(source.url(base_url), headers={"User-Agent": USER_AGENT})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read()
    except urllib.error.HTTPError as exc:
        return f"HTTP {exc.code}"
    except (urllib.error.URLError, OSError, ValueError) as exc:
        return str(getattr(exc, "reason", exc))
    partial = target.with_name(target.name + ".part")
    partial.write_bytes(body)
    partial.replace(target)  # a kill mid-write leaves no half page under the real name
    return None


def run(manifest: Path, out_dir: Path, base_url: str, force: bool, timeout: float, out: TextIO) -> int:
    sources, skipped = read_sources(manifest)
    pages = out_dir / PAGES_DIR
    pages.mkdir(parents=True, exist_ok=True)
    if manifest.resolve() != (out_dir / MANIFEST_NAME).resolve():
        shutil.copyfile(manifest, out_dir / MANIFEST_NAME)
    fetched = kept = 0
    failures: list[str] = []
    for source in sources:
        target = pages / source.file
        if target.exists() and not force:
            kept += 1
            continue
        error = fetch(source, target, base_url, timeout)
        if error is None:
            fetched += 1
        else:
            failures.append(f"line {source.line}: {source.file}: {source.url(base_url)}: {error}")
    print(f"{fetched} fetched, {kept} already present, {skipped} made-up rows skipped, {len(failures)} failed"
          f" -> {out_dir}", file=out)
    for failure in failures:
        print(f"  failed {failure}", file=out)
    return 1 if failures else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evaluation.fetch_corpus", description=__doc__.splitlines()[0])
    parser.add_argument("manifest", type=Path)
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--base-url", default=DEFAULT_BASE_URL, help=f"raw-file host (default {DEFAULT_BASE_URL})")
    parser.add_argument("--force", action="store_true", help="download pages that are already present again")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds per download (default 30)")
    args = parser.parse_args(argv)
    if args.timeout <= 0:
        print("error: --timeout must be positive", file=sys.stderr)
        return 2
    try:
        return run(args.manifest, args.out_dir, args.base_url, args.force, args.timeout, sys.stdout)
    except (ManifestError, OSError) as exc:  # a bad manifest, or an output folder that cannot be written
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
