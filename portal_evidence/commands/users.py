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

import click

from portal_evidence.cli import BadInput
from portal_evidence.commands._db import db_option, open_engine


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
    engine = open_engine(db, create=True)
    try:
        user = create_user(engine, name, role, password)
    except ReviewError as exc:
        raise BadInput(exc.message) from None
    finally:
        engine.dispose()
    click.echo(f"user {user.name} ({user.role}) created")


@command.command("list")
@db_option
def list_(db: str | None) -> None:
    """List users and their roles."""
    from review.store import list_users

    engine = open_engine(db)
    try:
        for user in list_users(engine):
            click.echo(f"{user.name}\t{user.role}")
    finally:
        engine.dispose()


@command.command("assign")
@click.argument("portal")
@click.argument("users", nargs=-1, required=True)
@db_option
def assign_(portal: str, users: tuple[str, ...], db: str | None) -> None:
    """Assign PORTAL (a seed id) to one or two assessors."""
    from review.store import ReviewError, assign

    engine = open_engine(db)
    try:
        for name in users:
            try:
                assign(engine, portal, name)
            except ReviewError as exc:
                raise BadInput(exc.message) from None
            click.echo(f"{portal} assigned to {name}")
    finally:
        engine.dispose()


@command.command("unassign")
@click.argument("portal")
@click.argument("user")
@db_option
def unassign_(portal: str, user: str, db: str | None) -> None:
    """Take PORTAL back from an assessor (their decisions stay)."""
    from review.store import ReviewError, unassign

    engine = open_engine(db)
    try:
        unassign(engine, portal, user)
    except ReviewError as exc:
        raise BadInput(exc.message) from None
    finally:
        engine.dispose()
    click.echo(f"{portal} no longer assigned to {user}")


@command.command("deactivate")
@click.argument("name")
@db_option
def deactivate(name: str, db: str | None) -> None:
    """Close an account: no more logins, open sessions end at once; decisions stay."""
    from review.store import ReviewError, deactivate_user

    engine = open_engine(db)
    try:
        deactivate_user(engine, name)
    except ReviewError as exc:
        raise BadInput(exc.message) from None
    finally:
        engine.dispose()
    click.echo(f"user {name} deactivated")
