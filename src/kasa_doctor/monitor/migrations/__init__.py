"""Alembic migrations of the monitor database (run by ``store.migrate`` at every start)."""
