"""`portal-evidence serve`: the assessors' review web app and its JSON API (see review/app.py)."""

from __future__ import annotations

import click

from portal_evidence.commands._db import db_option, open_engine


@click.command()
@db_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="Port to listen on.")
@click.option(
    "--alert-threshold",
    default=0.05,
    show_default=True,
    type=click.FloatRange(0, 1),
    help="Share of disagreements above which an assessor or indicator is flagged.",
)
def command(db: str | None, host: str, port: int, alert_threshold: float) -> None:
    """Serve the review app. Sessions are signed with $PORTAL_EVIDENCE_SECRET (random if unset)."""
    import uvicorn

    from review.app import create_app

    engine = open_engine(db)
    app = create_app(engine, alert_threshold=alert_threshold)
    click.echo(f"Review app on http://{host}:{port}/ (API docs: /api/docs). Ctrl-C stops it.", err=True)
    uvicorn.run(app, host=host, port=port, log_level="warning")
