"""`portal-evidence scores`: the candidate scores of the latest run of each portal, as JSON or CSV.

One object (or CSV row) per (portal, indicator), with the contract's keys. A database with no
crawl yet, or an embedded database file that does not exist yet, gives an empty list; a URL that
cannot be used gives exit code 2.
"""

from __future__ import annotations

import csv
import json
import sys

import click

from portal_evidence.cli import BadInput


@click.command()
@click.option(
    "--db", "db", default=None, help="SQLAlchemy URL [default: $PORTAL_EVIDENCE_DB or sqlite:///portal-evidence.db]."
)
@click.option(
    "--format", "fmt", type=click.Choice(["json", "csv"]), default="json", show_default=True, help="Output format."
)
def command(db: str | None, fmt: str) -> None:
    """Print the candidate score of every indicator for every crawled portal."""
    from storage import DatabaseError, MissingDatabase, latest_scores, open_database, resolve_db_url

    url = resolve_db_url(db)
    try:
        # create=False: asking for scores must not leave an empty database file behind.
        engine = open_database(url, create=False)
    except MissingDatabase:
        rows = []
    except DatabaseError as exc:
        raise BadInput(str(exc)) from None
    else:
        try:
            rows = latest_scores(engine)
        finally:
            engine.dispose()
    objects = [row.to_json() for row in rows]
    if fmt == "json":
        click.echo(json.dumps(objects, ensure_ascii=False, indent=2))
    else:
        write_csv(objects)


def write_csv(objects: list[dict]) -> None:
    from storage.queries import SCORE_COLUMNS

    writer = csv.DictWriter(sys.stdout, fieldnames=list(SCORE_COLUMNS), lineterminator="\n")
    writer.writeheader()
    for obj in objects:
        writer.writerow({k: ("" if v is None else v) for k, v in obj.items()})
