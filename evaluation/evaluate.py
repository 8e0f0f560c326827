"""Run the detectors over labelled corpora and print per-indicator scores (and, on request, every error).

    python -m evaluation.evaluate [CORPUS_DIR ...] [--format text|json] [--errors]

Without arguments it scores the shared real-world corpus (`<repo>/../shared/realworld`, when present)
and the project's own fixture corpus (`tests/corpus/`). Each page goes through
`detectors.detect(detectors.page_from_bytes(url, body))`, with url = the manifest's `url_if_known` or
the page's file:// URI. A page on which the detectors raise counts as predicted absent for every
indicator and is reported: the crash is a defect, not a reason to drop the page from the denominator.
`--errors` lists each false positive and false negative with the evidence rules that fired, which is
what rule tuning works from.

Exit codes: 0 scored; 2 a corpus is missing or malformed (every problem listed); 1 the detectors
cannot be imported.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from detectors.model import HEADLINE_INDICATORS, INDICATORS, Page, PageResult
from evaluation.corpus import Corpus, CorpusError, LabelledPage, load_corpus
from evaluation.scoring import Scorecard, score_pages, scorecard_to_json

DetectFn = Callable[[Page], PageResult]
PageFactory = Callable[[str, bytes], Page]

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_CORPUS = REPO_ROOT.parent / "shared" / "realworld"
FIXTURE_CORPUS = REPO_ROOT / "tests" / "corpus"
DEFAULT_NAMES = {SHARED_CORPUS: "realworld", FIXTURE_CORPUS: "fixtures"}
# Snippets in --errors are cut so one error stays on one readable line.
SNIPPET_CHARS = 90


@dataclass(frozen=True)
class Fired:
    """One evidence item as the error listing shows it."""

    rule: str
    snippet: str
    target_url: str | None = None


@dataclass(frozen=True)
class PageOutcome:
    """What the detectors said about one labelled page."""

    page: LabelledPage
    predicted: Mapping[str, bool]
    confidence: Mapping[str, float] = field(default_factory=dict)
    evidence: Mapping[str, tuple[Fired, ...]] = field(default_factory=dict)
    error: str | None = None


@dataclass(frozen=True)
class Mistake:
    kind: str  # "FP" or "FN"
    indicator: str
    outcome: PageOutcome


@dataclass(frozen=True)
class CorpusEvaluation:
    corpus: Corpus
    outcomes: tuple[PageOutcome, ...]
    scorecard: Scorecard
    seconds: float

    @property
    def crashes(self) -> tuple[PageOutcome, ...]:
        return tuple(o for o in self.outcomes if o.error is not None)

    def mistakes(self) -> list[Mistake]:
        found: list[Mistake] = []
        for indicator in INDICATORS:
            for outcome in self.outcomes:
                truth, predicted = outcome.page.labels[indicator], outcome.predicted[indicator]
                if predicted and not truth:
                    found.append(Mistake("FP", indicator, outcome))
                elif truth and not predicted:
                    found.append(Mistake("FN", indicator, outcome))
        return found


def default_detector() -> tuple[DetectFn, PageFactory]:
    """The project's detectors; imported late so scoring and tests work without them."""
    from detectors import detect, page_from_bytes

    return detect, page_from_bytes


def run_page(page: LabelledPage, detect: DetectFn, make_page: PageFactory) -> PageOutcome:
    try:
        body = page.path.read_bytes()
        result = detect(make_page(page.uri(), body))
        predicted = {i: bool(result.indicators[i].present) for i in INDICATORS}
    except Exception as exc:  # a crash is scored as a miss everywhere and reported, never raised
        message = f"{type(exc).__name__}: {exc}".splitlines()[0][:200]
        return PageOutcome(page, dict.fromkeys(INDICATORS, False), error=message)
    return PageOutcome(
        page,
        predicted,
        confidence={i: float(result.indicators[i].confidence) for i in INDICATORS},
        evidence={
            i: tuple(Fired(e.rule, e.snippet, e.target_url) for e in result.indicators[i].evidence)
            for i in INDICATORS
        },
    )


def evaluate_corpus(
    corpus: Corpus, detect: DetectFn | None = None, make_page: PageFactory | None = None
) -> CorpusEvaluation:
    """Score the detectors (by default the project's) on every page of `corpus`."""
    if detect is None or make_page is None:
        default_detect, default_factory = default_detector()
        detect = detect or default_detect
        make_page = make_page or default_factory
    started = time.perf_counter()
    outcomes = tuple(run_page(page, detect, make_page) for page in corpus)
    seconds = time.perf_counter() - started
    card = score_pages((o.page.labels for o in outcomes), (o.predicted for o in outcomes), INDICATORS)
    return CorpusEvaluation(corpus, outcomes, card, seconds)


def default_corpus_dirs() -> list[Path]:
    return [d for d in (SHARED_CORPUS, FIXTURE_CORPUS) if d.is_dir()]


# ---------------------------------------------------------------- output


def _fmt(value: float | None) -> str:
    return "   -" if value is None else f"{value:.3f}"


def render_text(evaluation: CorpusEvaluation, show_errors: bool, out: TextIO) -> None:
    corpus, card = evaluation.corpus, evaluation.scorecard
    print(
        f"corpus {corpus.name}: {len(corpus)} pages, {evaluation.seconds:.2f} s, "
        f"{len(evaluation.crashes)} crashed  ({corpus.root})",
        file=out,
    )
    print(f"  {'indicator':<26}{'TP':>5}{'FP':>5}{'FN':>5}{'TN':>6}  {'prec':>6} {'recall':>6} {'F1':>6}", file=out)
    for indicator, c in card.indicators.items():
        mark = "*" if indicator in HEADLINE_INDICATORS else " "
        print(
            f"{mark} {indicator:<26}{c.tp:>5}{c.fp:>5}{c.fn:>5}{c.tn:>6}  "
            f"{_fmt(c.precision):>6} {_fmt(c.recall):>6} {_fmt(c.f1):>6}",
            file=out,
        )
    print(
        f"  macro-F1 {_fmt(card.macro_f1)} over {len(card.macro_f1_over)} of {len(card.indicators)} "
        "indicators   (* = headline)",
        file=out,
    )
    for crash in evaluation.crashes:
        print(f"  CRASH {crash.page.file}: {crash.error}", file=out)
    if show_errors:
        mistakes = evaluation.mistakes()
        print(f"  errors ({len(mistakes)}):", file=out)
        for m in mistakes:
            print("  " + _mistake_line(m), file=out)
    print(file=out)


def _mistake_line(m: Mistake) -> str:
    outcome = m.outcome
    conf = outcome.confidence.get(m.indicator)
    fired = outcome.evidence.get(m.indicator, ())
    if outcome.error is not None:
        why = "crashed"
    elif fired:
        why = "; ".join(f"{f.rule} [{_short(f.snippet)}]" for f in fired[:4])
        if len(fired) > 4:
            why += f"; +{len(fired) - 4} more"
    else:
        why = "no evidence"
    conf_text = f" conf={conf:.2f}" if conf is not None else ""
    notes = f"  notes: {_short(outcome.page.notes)}" if outcome.page.notes else ""
    return f"{m.kind} {m.indicator:<24} {outcome.page.file}{conf_text}  {why}{notes}"


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= SNIPPET_CHARS else text[: SNIPPET_CHARS - 1] + "…"


def evaluation_to_json(evaluation: CorpusEvaluation, show_errors: bool) -> dict[str, Any]:
    corpus = evaluation.corpus
    data: dict[str, Any] = {
        "corpus": corpus.name,
        "path": str(corpus.root),
        "pages": len(corpus),
        "seconds": round(evaluation.seconds, 3),
        "crashes": [{"file": o.page.file, "error": o.error} for o in evaluation.crashes],
        **scorecard_to_json(evaluation.scorecard, digits=4),
    }
    if show_errors:
        data["errors"] = [
            {
                "kind": m.kind,
                "indicator": m.indicator,
                "file": m.outcome.page.file,
                "confidence": m.outcome.confidence.get(m.indicator),
                "error": m.outcome.error,
                "rules": [
                    {"rule": f.rule, "snippet": f.snippet, "target_url": f.target_url}
                    for f in m.outcome.evidence.get(m.indicator, ())
                ],
                "notes": m.outcome.page.notes,
            }
            for m in evaluation.mistakes()
        ]
    return data


# ---------------------------------------------------------------- command line


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m evaluation.evaluate",
        description="Score the detectors on labelled corpora (manifest.csv + pages/).",
    )
    parser.add_argument(
        "corpora", nargs="*", metavar="CORPUS_DIR",
        help="corpus directories (default: ../shared/realworld if present, and tests/corpus)",
    )
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument("--errors", action="store_true", help="list every FP/FN with the rules that fired")
    return parser


def main(argv: Sequence[str] | None = None, detect: DetectFn | None = None,
         make_page: PageFactory | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.corpora:
        dirs = [Path(d) for d in args.corpora]
    else:
        dirs = default_corpus_dirs()
        if not SHARED_CORPUS.is_dir():
            print(f"note: shared corpus not found at {SHARED_CORPUS}; scoring the fixture corpus only",
                  file=sys.stderr)
    corpora: list[Corpus] = []
    failed = False
    for directory in dirs:
        try:
            corpora.append(load_corpus(directory, name=DEFAULT_NAMES.get(directory.resolve())))
        except CorpusError as exc:
            failed = True
            print(f"error: corpus {exc.source}: {len(exc.problems)} problem(s)", file=sys.stderr)
            for problem in exc.problems:
                print(f"  {problem}", file=sys.stderr)
    if failed or not corpora:
        if not corpora and not failed:
            print("error: no corpus to score", file=sys.stderr)
        return 2
    try:
        evaluations = [evaluate_corpus(c, detect, make_page) for c in corpora]
    except ImportError as exc:
        print(f"error: the detectors cannot be imported ({exc})", file=sys.stderr)
        return 1
    if args.format == "json":
        payload = {"corpora": [evaluation_to_json(e, args.errors) for e in evaluations]}
        json.dump(payload, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        for evaluation in evaluations:
            render_text(evaluation, args.errors, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
