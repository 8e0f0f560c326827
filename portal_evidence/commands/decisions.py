"""`portal-evidence decisions import FILE.csv`: human decisions from an answer key.

Columns `portal,indicator,present` and optionally `assessor,note` (see review/answerkey.py);
other columns (an outside answer key's country, url, ...) are skipped with a warning, or refused
with `--strict-columns`. The file is validated as a whole first: any bad row (each reported with
its line number) refuses the file with exit code 2 and nothing is written. Decisions are appended,
never replacing history: rows without an assessor become final decisions, rows with one that
assessor's assessment.
"""

from __future__ import annotations

from pathlib import Path

import click

from portal_evidence.cli import BadInput
from portal_evidence.commands._db import db_option, open_engine


@click.group()
def command() -> None:
    """Import human decisions."""


@command.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@db_option
@click.option(
    "--allow-unknown-portals",
    is_flag=True,
    help="Accept portal ids that are not in the database (they count as candidate 0 in validate).",
)
@click.option(
    "--strict-columns",
    is_flag=True,
    help="Refuse columns other than portal,indicator,present,assessor,note (default: skip them, with a warning).",
)
def import_(file: Path, db: str | None, allow_unknown_portals: bool, strict_columns: bool) -> None:
    """Append the decisions of FILE (CSV: portal,indicator,present[,assessor,note])."""
    from review.answerkey import AnswerKeyError, load_answer_key
    from review.store import import_answer_key, known_portal_ids

    engine = open_engine(db)
    try:
        known = None if allow_unknown_portals else known_portal_ids(engine)
        try:
            key = load_answer_key(file, known, ignore_extra=not strict_columns)
        except AnswerKeyError as exc:
            for problem in exc.problems:
                click.echo(f"{file}: {problem}", err=True)
            raise BadInput(f"{file}: refused, {len(exc.problems)} problem(s); nothing imported") from None
        if key.ignored_columns:
            click.echo(f"{file}: warning: ignored column(s) {', '.join(key.ignored_columns)}", err=True)
        rows = list(key.rows)
        counts = import_answer_key(engine, rows, file.name)
    finally:
        engine.dispose()
    click.echo(f"imported {len(rows)} decisions ({counts['final']} final, {counts['assessment']} assessments)")
