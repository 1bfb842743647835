"""Alembic environment: always run programmatically by ``kasa_doctor.monitor.store.migrate``.

The caller hands over an open connection in ``config.attributes["connection"]``, so
migrations run inside the same engine (and, on SQLite, the same WAL settings) as the
monitor itself. There is no alembic.ini and no logging set-up here on purpose: the
watcher's own logging must not be reconfigured by a migration.
"""

from __future__ import annotations

from alembic import context

from kasa_doctor.monitor.store import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through kasa_doctor.monitor.store.migrate()")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    # SQLite cannot ALTER most things; batch mode copies the table instead.
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
