"""The first schema: cameras, rounds, samples, incidents.

Revision ID: 0001
Revises:
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# Same rule as store.BigId: rowid alias on SQLite, BIGINT on PostgreSQL.
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "cameras",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("host", sa.String(length=300), nullable=False),
        sa.Column("model", sa.String(length=100), nullable=True),
        sa.Column("firmware", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("login_failures", sa.Integer(), server_default="0", nullable=False),
        sa.Column("next_login_at", sa.Float(), nullable=True),
        sa.Column("credential_fp", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cameras")),
        sa.UniqueConstraint("name", name=op.f("uq_cameras_name")),
    )
    op.create_table(
        "rounds",
        sa.Column("id", BigId, nullable=False),
        sa.Column("started_at", sa.Float(), nullable=False),
        sa.Column("finished_at", sa.Float(), nullable=False),
        sa.Column("cameras", sa.Integer(), nullable=False),
        sa.Column("reachable", sa.Integer(), nullable=False),
        sa.Column("duration_s", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rounds")),
    )
    op.create_index(op.f("ix_rounds_started_at"), "rounds", ["started_at"], unique=False)
    op.create_table(
        "samples",
        sa.Column("id", BigId, nullable=False),
        sa.Column("round_id", BigId, nullable=False),
        sa.Column("camera_id", sa.Integer(), nullable=False),
        sa.Column("ts", sa.Float(), nullable=False),
        sa.Column("reachable", sa.Boolean(), nullable=False),
        sa.Column("auth", sa.String(length=16), nullable=True),
        sa.Column("rssi", sa.Integer(), nullable=True),
        sa.Column("signal", sa.String(length=16), nullable=True),
        sa.Column("cloud", sa.String(length=16), nullable=True),
        sa.Column("firmware", sa.String(length=200), nullable=True),
        sa.Column("update_available", sa.Boolean(), nullable=True),
        sa.Column("update_failed", sa.Boolean(), nullable=True),
        sa.Column("overheated", sa.Boolean(), nullable=True),
        sa.Column("reboot", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("reboot_method", sa.String(length=16), nullable=True),
        sa.Column("uptime_s", sa.Float(), nullable=True),
        sa.Column("clock_offset_s", sa.Float(), nullable=True),
        sa.Column("response_ms", sa.Float(), nullable=True),
        sa.Column("probe_ms", sa.Float(), nullable=False),
        sa.Column("error", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["camera_id"],
            ["cameras.id"],
            name=op.f("fk_samples_camera_id_cameras"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["rounds.id"],
            name=op.f("fk_samples_round_id_rounds"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_samples")),
    )
    op.create_index(
        "ix_samples_camera_ts",
        "samples",
        ["camera_id", "ts", "reachable", "rssi", "reboot"],
        unique=False,
    )
    op.create_index("ix_samples_round", "samples", ["round_id"], unique=False)
    op.create_table(
        "incidents",
        sa.Column("id", BigId, nullable=False),
        sa.Column("camera_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("opened_at", sa.Float(), nullable=False),
        sa.Column("opened_round", BigId, nullable=False),
        sa.Column("closed_at", sa.Float(), nullable=True),
        sa.Column("closed_round", BigId, nullable=True),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("cause", sa.Text(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("close_summary", sa.Text(), nullable=True),
        sa.Column("notify_open", sa.String(length=8), nullable=False),
        sa.Column("notify_close", sa.String(length=8), nullable=True),
        sa.Column("notify_attempts", sa.Integer(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(
            ["camera_id"],
            ["cameras.id"],
            name=op.f("fk_incidents_camera_id_cameras"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["closed_round"], ["rounds.id"], name=op.f("fk_incidents_closed_round_rounds")
        ),
        sa.ForeignKeyConstraint(
            ["opened_round"], ["rounds.id"], name=op.f("fk_incidents_opened_round_rounds")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incidents")),
    )
    op.create_index(
        "ix_incidents_camera_opened", "incidents", ["camera_id", "opened_at"], unique=False
    )
    op.create_index(
        "uq_incidents_open",
        "incidents",
        ["camera_id", "kind"],
        unique=True,
        sqlite_where=sa.text("closed_at IS NULL"),
        postgresql_where=sa.text("closed_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("uq_incidents_open", table_name="incidents")
    op.drop_index("ix_incidents_camera_opened", table_name="incidents")
    op.drop_table("incidents")
    op.drop_index("ix_samples_round", table_name="samples")
    op.drop_index("ix_samples_camera_ts", table_name="samples")
    op.drop_table("samples")
    op.drop_index(op.f("ix_rounds_started_at"), table_name="rounds")
    op.drop_table("rounds")
    op.drop_table("cameras")
