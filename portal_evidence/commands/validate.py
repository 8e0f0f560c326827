"""`portal-evidence validate`: agreement of the candidate scores with verified human decisions.

JSON as the contract says (decisions, per-indicator counts and metrics, macro_f1), plus 95 %
intervals (`<metric>_ci`), `excluded` (unsure, open disagreements), `without_candidate` and
`inter_assessor` (Cohen's kappa per pair of assessors). The rule that turns decisions into the
verified one is in review/verdicts.py and is repeated in the output under `rule`.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from portal_evidence.cli import BadInput
from portal_evidence.commands._db import db_option, open_engine


@click.command()
@db_option
@click.option(
    "--truth",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Answer key CSV (portal,indicator,present) instead of the decisions recorded in the review app.",
)
@click.option("--format", "fmt", type=click.Choice(["json", "text"]), default="json", show_default=True)
def command(db: str | None, truth: Path | None, fmt: str) -> None:
    """Compare the latest candidate scores with verified decisions."""
    from review.answerkey import AnswerKeyError, load_answer_key
    from review.validation import to_text, validate

    rows = None
    if truth is not None:
        try:
            # Extra columns of an outside answer key (country, url, ...) do not change the counts.
            key = load_answer_key(truth, None, allow_assessor=False, ignore_extra=True)
        except AnswerKeyError as exc:
            for problem in exc.problems:
                click.echo(f"{truth}: {problem}", err=True)
            raise BadInput(f"{truth}: refused, {len(exc.problems)} problem(s)") from None
        rows = list(key.rows)
        if key.ignored_columns:
            click.echo(f"{truth}: ignored column(s) {', '.join(key.ignored_columns)}", err=True)
    engine = open_engine(db)
    try:
        report = validate(engine, rows, source=f"truth:{truth.name}" if truth else "review")
    finally:
        engine.dispose()
    click.echo(json.dumps(report, ensure_ascii=False, indent=2) if fmt == "json" else to_text(report))
