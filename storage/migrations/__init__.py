"""Alembic migrations of the portal-evidence schema (run in code by `storage.database.open_database`)."""
