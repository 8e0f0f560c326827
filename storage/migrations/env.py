"""Alembic environment: runs migrations on the connection that `storage.database` hands over.

There is no alembic.ini: `storage.database.alembic_config` builds the configuration in code and
puts an open connection into `config.attributes["connection"]`, so migrations work the same from
a checkout, an installed package, or any working directory. Called without a connection (e.g.
`alembic -x url=... revision --autogenerate` during development), it connects to `-x url=`.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

import storage.decisions  # noqa: F401  (registers the review tables on Base.metadata)
from storage.models import Base

config = context.config
target_metadata = Base.metadata


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things; batch mode rebuilds tables for later migrations.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = context.get_x_argument(as_dictionary=True).get("url")
    if not url:
        raise SystemExit("pass the database URL with -x url=... or use storage.database.open_database")
    engine = create_engine(url)
    with engine.begin() as conn:
        _run(conn)
    engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline (SQL script) migrations are not supported; use storage.database.open_database")
run_migrations_online()
