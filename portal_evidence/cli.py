"""The `portal-evidence` command line: a click group whose commands live in `portal_evidence.commands`.

Commands are imported lazily so that `portal-evidence detect` does not pay for Scrapy,
SQLAlchemy or the web framework. Errors follow the contract: exit code 2 for bad input,
1 for anything else, each with a one-line reason and no traceback unless `--debug`.
"""

from __future__ import annotations

import importlib
import sys

import click

from portal_evidence import __version__

# name -> module in portal_evidence.commands defining a click command called `command`.
COMMANDS: dict[str, str] = {
    "detect": "detect",
    "crawl": "crawl",
    "scores": "scores",
    "serve": "serve",
    "validate": "validate",
    "demo": "demo",
    "users": "users",
    "decisions": "decisions",
    "export": "export",
}


class BadInput(click.ClickException):
    """Bad input named by the contract: exit code 2 with a one-line reason."""

    exit_code = 2


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return [name for name in COMMANDS if _command_module_exists(name)]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        module_name = COMMANDS.get(cmd_name)
        if module_name is None or not _command_module_exists(cmd_name):
            return None
        module = importlib.import_module(f"portal_evidence.commands.{module_name}")
        return module.command


def _command_module_exists(name: str) -> bool:
    return importlib.util.find_spec(f"portal_evidence.commands.{COMMANDS[name]}") is not None


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="portal-evidence")
@click.option("--debug", is_flag=True, help="Show Python tracebacks on errors.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Gather evidence of e-government features from government web portals."""
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the group, turning unexpected exceptions into exit code 1 and one line."""
    args = sys.argv[1:] if argv is None else argv
    debug = "--debug" in args
    try:
        cli.main(args=args, prog_name="portal-evidence", standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        # UsageError and BadParameter carry exit code 2 already; BadInput too.
        exc.show()
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        sys.exit(130)
    except Exception as exc:
        if debug:
            raise
        click.echo(f"Error: {type(exc).__name__}: {exc}".splitlines()[0], err=True)
        sys.exit(1)
    sys.exit(0)
