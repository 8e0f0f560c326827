"""`portal-evidence export`: candidates, evidence and decisions, one row per (portal, indicator).

CSV, JSON or XLSX (see review/export.py for the columns). Without `--output` CSV and JSON go to
standard output; XLSX needs `--output`. The file is written whole or not at all (a temporary file
renamed into place).
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import click

from portal_evidence.cli import BadInput
from portal_evidence.commands._db import db_option, open_engine


@click.command()
@db_option
@click.option("--format", "fmt", type=click.Choice(["csv", "json", "xlsx"]), default="csv", show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None, help="File to write.")
def command(db: str | None, fmt: str, output: Path | None) -> None:
    """Export candidates + evidence + decisions with the UN feature codes of each indicator."""
    from review.export import export_rows, to_csv, to_json, to_xlsx

    if fmt == "xlsx" and output is None:
        raise BadInput("--format xlsx needs --output FILE.xlsx")
    if output is not None and not output.parent.resolve().is_dir():
        raise BadInput(f"folder {output.parent} does not exist")
    engine = open_engine(db)
    try:
        rows = export_rows(engine)
    finally:
        engine.dispose()
    data: bytes = to_xlsx(rows) if fmt == "xlsx" else (to_csv(rows) if fmt == "csv" else to_json(rows) + "\n").encode()
    if output is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    handle, temporary = tempfile.mkstemp(dir=output.parent.resolve(), prefix=".export-", suffix=output.suffix)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.replace(temporary, output)
    except OSError as exc:
        Path(temporary).unlink(missing_ok=True)
        raise BadInput(f"cannot write {output}: {exc.strerror or exc}") from None
    click.echo(f"{len(rows)} rows written to {output}", err=True)
