"""Errors of the storage layer that the command line turns into one-line messages.

`DatabaseError` means "this database cannot be used" (a URL we cannot parse, a dialect or
driver that is not installed, a server that does not answer, a file that is not a database,
a schema newer than this program): the CLI maps it to exit code 2 ("unknown database").
"""

from __future__ import annotations


class DatabaseError(Exception):
    """The database named by a URL cannot be opened or brought to the current schema."""


class MissingDatabase(DatabaseError):
    """An embedded (SQLite) database file does not exist and the caller asked not to create it."""


class UnknownRun(DatabaseError):
    """A crawl run id that is not in the database (e.g. a bad PORTAL_EVIDENCE_RUN_ID)."""
