"""CI quality gate: the detectors' F1 on the labelled corpora must not fall below pinned floors.

    python -m evaluation.gate [--update] [--allow-regression] [--skip-missing] [--only shared|fixtures]

Scores the shared real-world corpus (`<repo>/../shared/realworld`) and the project's fixture corpus
(`tests/corpus/`) with the one scorer (`evaluation.scoring`) and compares each indicator's F1 and the
macro-F1 with the floors pinned in `evaluation/baseline.json`. The baseline also pins a SHA-256 digest
of each corpus (manifest + every page), so floors are never compared with scores of a different
corpus: a changed corpus stops the gate with a request to re-pin.

- `--update` re-pins digests and raises every floor to the current score; it never lowers a floor
  unless `--allow-regression` is also given (then floors become the current scores). `--only KEY`
  limits the run (and the re-pin) to one corpus; the other corpus's pinned entry is kept as it is.
- Independently of the floors, the issue's bars are hard minimums on the shared corpus:
  macro-F1 >= 0.90 and F1 >= 0.85 for every headline indicator.
- A page on which the detectors crash fails the gate (the crash is scored as a miss as well).
- The shared corpus lives beside the clone, not in it; when it is absent the gate says so and fails
  unless `--skip-missing` is given.

Exit codes: 0 pass; 1 regression, unmet bar, crash, changed corpus or missing corpus; 2 malformed
corpus or baseline file.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from detectors.model import HEADLINE_INDICATORS, INDICATORS
from evaluation.corpus import CorpusError, corpus_digest, load_corpus
from evaluation.evaluate import FIXTURE_CORPUS, SHARED_CORPUS, DetectFn, PageFactory, evaluate_corpus
from evaluation.scoring import Scorecard

BASELINE = Path(__file__).with_name("baseline.json")
MACRO = "macro_f1"
METRIC_KEYS: tuple[str, ...] = (*INDICATORS, MACRO)
# Floors are stored truncated to 4 decimals, so the same counts always meet their own floor; the
# epsilon only absorbs float noise. It is far below the smallest real change: one page flipping
# moves an F1 on these corpora by more than 0.003 (e.g. 88 positives: 1.0 -> 0.9944).
EPSILON = 0.0005
FLOOR_DIGITS = 4
# The bars (hard minimums on the shared corpus, whatever the baseline says).
BAR_MACRO_F1 = 0.90
BAR_HEADLINE_F1 = 0.85


class GateError(Exception):
    """The baseline file itself is unusable (exit code 2)."""


@dataclass(frozen=True)
class GateCorpus:
    """A corpus the gate scores: its key in the baseline, where it is, and whether the bars apply."""

    key: str
    path: Path
    bars: bool = False
    may_be_missing: bool = False  # only the shared corpus, which sits outside the repository


DEFAULT_CORPORA = (
    GateCorpus("shared", SHARED_CORPUS, bars=True, may_be_missing=True),
    GateCorpus("fixtures", FIXTURE_CORPUS),
)


# ---------------------------------------------------------------- pure checks


def metric_values(card: Scorecard) -> dict[str, float | None]:
    values: dict[str, float | None] = {i: card.f1(i) for i in INDICATORS}
    values[MACRO] = card.macro_f1
    return values


def truncate(value: float) -> float:
    scale = 10**FLOOR_DIGITS
    return math.floor(value * scale + 1e-9) / scale


def regressions(floors: Mapping[str, float | None], values: Mapping[str, float | None],
                epsilon: float = EPSILON) -> list[str]:
    """Metrics below their floor. An undefined F1 (no true and no predicted positive) is not a regression."""
    found = []
    for key in METRIC_KEYS:
        floor, value = floors.get(key), values.get(key)
        if floor is None or value is None:
            continue
        if value < floor - epsilon:
            found.append(f"{key} F1 {value:.4f} < floor {floor:.4f}")
    return found


def bar_failures(values: Mapping[str, float | None]) -> list[str]:
    found = []
    macro = values.get(MACRO)
    if macro is None or macro < BAR_MACRO_F1:
        found.append(f"macro-F1 {_fmt(macro)} < bar {BAR_MACRO_F1:.2f}")
    for indicator in HEADLINE_INDICATORS:
        value = values.get(indicator)
        if value is None or value < BAR_HEADLINE_F1:
            found.append(f"{indicator} F1 {_fmt(value)} < bar {BAR_HEADLINE_F1:.2f}")
    return found


def raised_floors(old: Mapping[str, float | None], values: Mapping[str, float | None],
                  allow_regression: bool) -> tuple[dict[str, float | None], list[str]]:
    """New floors after `--update`, and the metrics that would have to be lowered (refused unless allowed)."""
    new: dict[str, float | None] = {}
    lowered: list[str] = []
    for key in METRIC_KEYS:
        floor, value = old.get(key), values.get(key)
        current = None if value is None else truncate(value)
        if allow_regression or floor is None:
            new[key] = current
        elif current is None or current >= floor:
            new[key] = floor if current is None else current
        else:
            new[key] = floor
            if current < floor - EPSILON:
                lowered.append(f"{key} F1 {current:.4f} < floor {floor:.4f}")
    return new, lowered


# ---------------------------------------------------------------- baseline file


def read_baseline(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {"corpora": {}}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise GateError(f"baseline {path} is unreadable: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("corpora"), dict):
        raise GateError(f"baseline {path} has no 'corpora' object")
    for key, entry in data["corpora"].items():
        floors = entry.get("floors") if isinstance(entry, dict) else None
        if not isinstance(floors, dict) or not isinstance(entry.get("digest"), str):
            raise GateError(f"baseline {path}: corpus {key!r} needs 'digest' and 'floors'")
        for metric, floor in floors.items():
            if metric not in METRIC_KEYS:
                raise GateError(f"baseline {path}: corpus {key!r} has unknown metric {metric!r}")
            if floor is not None and not (isinstance(floor, int | float) and 0 <= floor <= 1):
                raise GateError(f"baseline {path}: corpus {key!r} floor {metric} = {floor!r} is not in 0..1")
    return data


def write_baseline(path: Path, data: Mapping[str, Any]) -> None:
    """Write atomically: a crash mid-write leaves the old baseline, never half a file."""
    text = json.dumps(data, indent=2, sort_keys=False, ensure_ascii=False) + "\n"
    fd, tmp = tempfile.mkstemp(prefix=".baseline-", suffix=".json", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# ---------------------------------------------------------------- the gate


def run_gate(
    corpora: Sequence[GateCorpus] = DEFAULT_CORPORA,
    baseline_path: Path = BASELINE,
    *,
    update: bool = False,
    allow_regression: bool = False,
    skip_missing: bool = False,
    detect: DetectFn | None = None,
    make_page: PageFactory | None = None,
    out: TextIO = sys.stdout,
) -> int:
    baseline = read_baseline(baseline_path)
    pinned: dict[str, Any] = dict(baseline["corpora"])
    failures: list[str] = []
    refused: list[str] = []
    for spec in corpora:
        if not spec.path.is_dir():
            message = f"{spec.key}: corpus not found at {spec.path}"
            if spec.may_be_missing and skip_missing:
                print(f"{message} (skipped: --skip-missing)", file=out)
            else:
                failures.append(message + (" (pass --skip-missing to run without it)" if spec.may_be_missing else ""))
            continue
        try:
            corpus = load_corpus(spec.path, name=spec.key)
        except CorpusError as exc:
            print(f"{spec.key}: malformed corpus {exc.source}:", file=out)
            for problem in exc.problems:
                print(f"  {problem}", file=out)
            return 2
        digest = corpus_digest(corpus)
        entry = pinned.get(spec.key)
        if not update:
            if entry is None:
                failures.append(f"{spec.key}: no floors pinned in {baseline_path.name}; "
                                "run `python -m evaluation.gate --update` to pin them")
                continue
            if entry["digest"] != digest:
                failures.append(
                    f"{spec.key}: the corpus changed since the baseline was pinned "
                    f"(digest {digest[:12]} != pinned {entry['digest'][:12]}); review the change, then re-pin "
                    "with `python -m evaluation.gate --update`"
                )
                continue
        evaluation = evaluate_corpus(corpus, detect, make_page)
        values = metric_values(evaluation.scorecard)
        floors = dict(entry["floors"]) if entry else {}
        _print_table(spec.key, len(corpus), values, floors, out)
        for crash in evaluation.crashes:
            failures.append(f"{spec.key}: detectors crashed on {crash.page.file}: {crash.error}")
        if update:
            new_floors, lowered = raised_floors(floors, values, allow_regression)
            refused.extend(f"{spec.key}: {item}" for item in lowered)
            pinned[spec.key] = {"digest": digest, "pages": len(corpus), "floors": new_floors}
        else:
            failures.extend(f"{spec.key}: {item}" for item in regressions(floors, values))
        if spec.bars:
            failures.extend(f"{spec.key}: {item}" for item in bar_failures(values))

    if update:
        if refused:
            for item in refused:
                print(f"REFUSED (would lower a floor; add --allow-regression): {item}", file=out)
            print(f"baseline NOT written: {baseline_path}", file=out)
            return 1
        data = {
            "comment": "Floors of per-indicator F1 and macro-F1 (truncated to 4 decimals) and the SHA-256 "
                       "of each corpus; maintained by `python -m evaluation.gate --update`.",
            "corpora": pinned,
        }
        write_baseline(baseline_path, data)
        print(f"baseline written: {baseline_path}", file=out)
    for failure in failures:
        print(f"FAIL {failure}", file=out)
    print("gate: " + ("FAILED" if failures else "passed"), file=out)
    return 1 if failures else 0


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.4f}"


def _print_table(key: str, pages: int, values: Mapping[str, float | None],
                 floors: Mapping[str, float | None], out: TextIO) -> None:
    print(f"{key}: {pages} pages", file=out)
    for metric in METRIC_KEYS:
        print(f"  {metric:<26} F1 {_fmt(values.get(metric)):>7}   floor {_fmt(floors.get(metric)):>7}", file=out)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evaluation.gate", description=__doc__.splitlines()[0])
    parser.add_argument("--update", action="store_true", help="re-pin digests and raise floors to current scores")
    parser.add_argument("--allow-regression", action="store_true", help="with --update: allow lowering floors")
    parser.add_argument("--skip-missing", action="store_true", help="do not fail when the shared corpus is absent")
    parser.add_argument("--only", action="append", choices=[c.key for c in DEFAULT_CORPORA], metavar="KEY",
                        help="score (and with --update re-pin) only this corpus: shared or fixtures; repeatable")
    parser.add_argument("--baseline", type=Path, default=BASELINE, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.allow_regression and not args.update:
        parser.error("--allow-regression only makes sense with --update")
    corpora = [c for c in DEFAULT_CORPORA if not args.only or c.key in args.only]
    try:
        return run_gate(
            corpora,
            baseline_path=args.baseline,
            update=args.update,
            allow_regression=args.allow_regression,
            skip_missing=args.skip_missing,
        )
    except GateError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except ImportError as exc:
        print(f"error: the detectors cannot be imported ({exc})", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
