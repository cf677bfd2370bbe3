"""Create the rate limits' counters: how many requests each caller has made in the current window of a policy;
unlogged on PostgreSQL.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # On PostgreSQL the counters skip the write-ahead log: a count, one on every API request, then commits without
    # waiting for the disk. A crash empties an unlogged table, which only starts every caller's window again.
    unlogged = ["UNLOGGED"] if op.get_context().dialect.name == "postgresql" else []
    op.create_table(
        "rate_limit_counters",
        sa.Column("key", sa.String(length=400), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("window_ends", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_rate_limit_counters")),
        prefixes=unlogged,
    )
    op.create_index(op.f("ix_rate_limit_counters_window_ends"), "rate_limit_counters", ["window_ends"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_rate_limit_counters_window_ends"), table_name="rate_limit_counters")
    op.drop_table("rate_limit_counters")
