"""Give every item a version, from which its entity tag is made and which every UPDATE and DELETE checks.

Items that existed before start at version "0", which no new version can be: a new one has 16 hexadecimal digits.

Revision ID: 0006
Revises: {{ "0005" if cookiecutter.auth == "accounts" else ("0004" if cookiecutter.jobs == "celery" else "0002") }}
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "{{ "0005" if cookiecutter.auth == "accounts" else ("0004" if cookiecutter.jobs == "celery" else "0002") }}"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def items_table(*, versioned: bool) -> sa.Table:
    """The items table before (not ``versioned``) or after this revision. A batch on SQLite copies the table into a
    new one; given the table, it need not read it from the database, so the migration also renders as SQL."""
    return sa.Table(
        "items",
        sa.MetaData(),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner", sa.String(length=255), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("description", sa.String(length=1000), nullable=True),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        *([sa.Column("version", sa.String(length=16), nullable=False)] if versioned else []),
        sa.PrimaryKeyConstraint("id", name="pk_items"),
        sa.UniqueConstraint("owner", "name", name="uq_items_owner_name"),
    )


def upgrade() -> None:
    with op.batch_alter_table("items", copy_from=items_table(versioned=False)) as batch:
        batch.add_column(sa.Column("version", sa.String(length=16), nullable=False, server_default="0"))
    # SQLite cannot drop a column's default in place: the batch rebuilds the table there.
    with op.batch_alter_table("items", copy_from=items_table(versioned=True)) as batch:
        batch.alter_column("version", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("items", copy_from=items_table(versioned=True)) as batch:
        batch.drop_column("version")
