"""The monitor: watch cameras in rounds, keep their history, open and close incidents.

``kasa-doctor watch`` and ``kasa-doctor history`` are thin shells over this package;
docs/monitor.md describes it. Modules: config (the YAML), poller (one sample per
camera), rules (pure incident rules), backoff (login back-off), store and migrations
(SQLAlchemy 2 / Alembic), notify (apprise), metrics (prometheus-client), history
(queries and charts), watcher (the round loop).
"""
