"""Create the jobs table: the state, parameters and result of each background job.

Revision ID: 0004
Revises: {{ "0003" if cookiecutter.auth == "accounts" else "0002" }}
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "{{ "0003" if cookiecutter.auth == "accounts" else "0002" }}"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner", sa.String(length=255), nullable=False),
        sa.Column("kind", sa.String(length=50), nullable=False),
        sa.Column("parameters", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("progress", sa.Integer(), nullable=False),
        sa.Column("deliveries", sa.Integer(), nullable=False),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("error_title", sa.String(length=100), nullable=True),
        sa.Column("error_detail", sa.String(length=1000), nullable=True),
        sa.Column("result", sa.Text(), nullable=True),
        sa.Column("result_type", sa.String(length=100), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jobs")),
    )
    op.create_index(op.f("ix_jobs_owner"), "jobs", ["owner"])


def downgrade() -> None:
    op.drop_index(op.f("ix_jobs_owner"), table_name="jobs")
    op.drop_table("jobs")
