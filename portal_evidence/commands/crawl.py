"""`portal-evidence crawl`: crawl every portal of a seeds file into the database (one run).

The seeds file and the database are checked first (a bad one: exit 2, nothing written). The crawl
runs in this process with Scrapy's CrawlerProcess and the same settings module and spider as
`scrapy crawl portal`. An unfinished run over the same portals (killed, or stopped by Ctrl-C) is
resumed automatically, or on `--resume`; `--fresh` forces a new run.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import click

from portal_evidence.cli import BadInput


@click.command()
@click.option("--seeds", "seeds_file", required=True, help="Seeds CSV file.")
@click.option("--db", "db", default=None, help="SQLAlchemy URL [default: $PORTAL_EVIDENCE_DB or sqlite:///portal-evidence.db].")
@click.option("--max-pages", type=click.IntRange(min=1), default=None, help="Page budget per portal [default: 200].")
@click.option("--render", type=click.Choice(["auto", "never", "always"]), default="auto", show_default=True,
              help="Render pages in headless Chromium: only where needed, never, or always.")
@click.option("--resume", is_flag=True, help="Continue the latest unfinished run (automatic by default).")
@click.option("--fresh", is_flag=True, help="Start a new run even if an unfinished one exists.")
@click.pass_context
def command(ctx: click.Context, seeds_file: str, db: str | None, max_pages: int | None, render: str,
            resume: bool, fresh: bool) -> None:
    """Crawl the portals of a seeds file and store pages, evidence and candidate scores."""
    from seeds.loader import SeedsError, load_seeds
    from storage import DatabaseError, latest_unfinished_run, open_database, resolve_db_url

    if resume and fresh:
        raise click.UsageError("--resume and --fresh exclude each other")
    try:
        seeds = load_seeds(seeds_file)
    except SeedsError as exc:
        raise BadInput(str(exc)) from None
    if not seeds:
        raise BadInput(f"{seeds_file}: no portals in the seeds file")
    try:
        db_url = resolve_db_url(db)
        engine = open_database(db_url)
    except DatabaseError as exc:
        raise BadInput(str(exc)) from None
    run_id = None
    if not fresh:
        unfinished = latest_unfinished_run(engine, [seed.id for seed in seeds])
        if unfinished is not None:
            run_id = unfinished.id
            click.echo(f"Resuming unfinished run {run_id} ({unfinished.status}).", err=True)
        elif resume:
            click.echo("No unfinished run of these portals: starting a new run.", err=True)
    engine.dispose()

    debug = bool((ctx.find_root().obj or {}).get("debug"))
    summary, reason = run_crawl(seeds_file, db_url, max_pages=max_pages, render=render, run_id=run_id,
                                progress=sys.stderr.isatty(), debug=debug)
    print_summary(summary)
    if reason == "shutdown":  # Ctrl-C: Scrapy stopped cleanly, the run is stored as interrupted
        click.echo("Interrupted: run the same command again to resume this run.", err=True)
        sys.exit(130)
    if reason not in ("finished", None):
        raise click.ClickException(f"crawl stopped before the end ({reason}); run it again to resume")


def crawl_settings(db_url: str, *, max_pages: int | None, render: str, run_id: int | None, progress: bool,
                   debug: bool) -> Any:
    """The settings of `scrapy crawl portal` (crawler.settings) plus this command's options."""
    from scrapy.settings import Settings

    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    settings.set("PORTAL_EVIDENCE_DB", db_url, priority="cmdline")
    settings.set("PORTAL_EVIDENCE_RENDER", render, priority="cmdline")
    if max_pages is not None:
        settings.set("PORTAL_EVIDENCE_MAX_PAGES", max_pages, priority="cmdline")
    if run_id is not None:
        settings.set("PORTAL_EVIDENCE_RUN_ID", run_id, priority="cmdline")
    settings.set("PORTAL_EVIDENCE_PROGRESS", progress, priority="cmdline")
    if not debug:
        # The progress table and the summary are the output; only real problems are logged.
        settings.set("LOG_LEVEL", "ERROR" if progress else "WARNING", priority="cmdline")
    return settings


def run_crawl(seeds_file: str, db_url: str, *, max_pages: int | None, render: str, run_id: int | None,
              progress: bool, debug: bool = False) -> tuple[list[Any], str | None]:
    """Run the portal spider to the end in this process; returns the summary rows and the finish reason."""
    from scrapy.crawler import CrawlerProcess

    from crawler.progress import ProgressExtension

    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawler.settings")
    settings = crawl_settings(db_url, max_pages=max_pages, render=render, run_id=run_id, progress=progress,
                              debug=debug)
    process = CrawlerProcess(settings)
    if not debug:
        import logging

        # "Gave up retrying" is how a page becomes http_error/timeout: stored, not a crawl error.
        # A robots.txt that cannot be fetched means "allowed" (RFC 9309) and is not an error either.
        for name in ("scrapy.downloadermiddlewares.retry", "scrapy.downloadermiddlewares.robotstxt"):
            logging.getLogger(name).setLevel(logging.CRITICAL)
    crawler = process.create_crawler("portal")
    process.crawl(crawler, seeds=str(Path(seeds_file)), max_pages=max_pages, render=render)
    process.start()
    extension = next((m for m in crawler.extensions.middlewares if isinstance(m, ProgressExtension)), None)
    rows = extension.rows() if extension is not None else []
    reason = crawler.stats.get_value("finish_reason") if crawler.stats else None
    return rows, reason


def print_summary(rows: list[Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="Crawl summary")
    for column in ("portal", "pages", "ok", "status", "indicators found", "not fetched"):
        table.add_column(column, justify="right" if column in ("pages", "ok") else "left")
    for row in rows:
        table.add_row(row.portal_id, str(row.pages), str(row.ok_pages), row.status,
                      ", ".join(row.indicators) or "-", row.problems or "-")
    console = Console()
    if not console.is_terminal:
        console = Console(width=200)  # a log file or pipe: do not wrap at 80 columns
    console.print(table)
