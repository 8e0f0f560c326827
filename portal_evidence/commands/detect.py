"""`portal-evidence detect FILE`: run the detectors on one saved HTML page and print the evidence."""

from __future__ import annotations

import json

import click

from detectors import INDICATORS, InputError, PageResult, detect, read_page_file
from portal_evidence.cli import BadInput


def render_text(result: PageResult) -> str:
    """A human-readable summary: one line per indicator, then its evidence."""
    lines = [f"url: {result.url}", f"language: {result.language or '-'}"]
    for indicator in INDICATORS:
        res = result.indicators[indicator]
        mark = "yes" if res.present else "no "
        lines.append(f"{indicator:<24} {mark}  {res.confidence:.2f}")
        for ev in res.evidence:
            target = f" -> {ev.target_url}" if ev.target_url else ""
            lines.append(f"    {ev.rule}: {ev.snippet[:100]}{target}")
    return "\n".join(lines)


@click.command("detect")
@click.argument("file", type=click.Path(dir_okay=True, path_type=str))
@click.option("--url", help="The page's address: resolves relative links and defines the own web.")
@click.option("--format", "fmt", type=click.Choice(["json", "text"]), default="json", show_default=True)
def command(file: str, url: str | None, fmt: str) -> None:
    """Run the detectors on one saved HTML FILE (any encoding)."""
    try:
        page = read_page_file(file, url=url)
    except InputError as exc:
        raise BadInput(str(exc)) from None
    result = detect(page)
    if fmt == "json":
        click.echo(json.dumps(result.to_json(), ensure_ascii=False, indent=2))
    else:
        click.echo(render_text(result))
