"""Migration scripts, one per schema revision, oldest first (Alembic skips this file)."""
