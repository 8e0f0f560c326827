"""`portal-evidence users`: accounts of the review app and the assignment of portals to assessors.

    portal-evidence users add NAME --role assessor|reviewer|admin [--password-stdin]
    portal-evidence users list
    portal-evidence users assign PORTAL USER [USER]
    portal-evidence users unassign PORTAL USER
    portal-evidence users deactivate NAME

Passwords are read from a hidden prompt (asked twice) or, for scripts, one line of stdin;
they are stored only as Argon2 hashes.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click

from portal_evidence.cli import BadInput
from portal_evidence.commands._db import db_option, open_engine


@contextmanager
def _store(db: str | None, create: bool = False) -> Iterator[Any]:
    """An engine on the review database; a refused request becomes a one-line error (exit 2)."""
    from review.store import ReviewError

    engine = open_engine(db, create=create)
    try:
        yield engine
    except ReviewError as exc:
        raise BadInput(exc.message) from None
    finally:
        engine.dispose()


@click.group()
def command() -> None:
    """Manage review app users and portal assignments."""


@command.command("add")
@click.argument("name")
@click.option(
    "--role", type=click.Choice(["assessor", "reviewer", "admin"]), required=True, help="What the user may do."
)
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of stdin.")
@db_option
def add(name: str, role: str, password_stdin: bool, db: str | None) -> None:
    """Create a user."""
    from review.store import ReviewError, check_user_fields, create_user

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        check_user_fields(name, role, password)  # before opening (and perhaps creating) a database
    except ReviewError as exc:
        raise BadInput(exc.message) from None
    with _store(db, create=True) as engine:
        user = create_user(engine, name, role, password)
    click.echo(f"user {user.name} ({user.role}) created")


@command.command("list")
@db_option
def list_(db: str | None) -> None:
    """List users and their roles."""
    from review.store import list_users

    with _store(db) as engine:
        for user in list_users(engine):
            click.echo(f"{user.name}\t{user.role}")


@command.command("assign")
@click.argument("portal")
@click.argument("users", nargs=-1, required=True)
@db_option
def assign_(portal: str, users: tuple[str, ...], db: str | None) -> None:
    """Assign PORTAL (a seed id) to one or two assessors."""
    from review.store import assign

    with _store(db) as engine:
        for name in users:
            assign(engine, portal, name)
            click.echo(f"{portal} assigned to {name}")


@command.command("unassign")
@click.argument("portal")
@click.argument("user")
@db_option
def unassign_(portal: str, user: str, db: str | None) -> None:
    """Take PORTAL back from an assessor (their decisions stay)."""
    from review.store import unassign

    with _store(db) as engine:
        unassign(engine, portal, user)
    click.echo(f"{portal} no longer assigned to {user}")


@command.command("deactivate")
@click.argument("name")
@db_option
def deactivate(name: str, db: str | None) -> None:
    """Close an account: no more logins, open sessions end at once; decisions stay."""
    from review.store import deactivate_user

    with _store(db) as engine:
        deactivate_user(engine, name)
    click.echo(f"user {name} deactivated")
