"""Give every item an owner, whose item names are unique.

Items that existed before belong to "everyone": an admin sees them, as every caller of an open API does.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def items_table(*, owned: bool) -> sa.Table:
    """The items table before (not ``owned``) or after this revision. A batch on SQLite copies the table into a new
    one; given the table, it need not read it from the database, so the migration also renders as SQL."""
    name_rule = (
        sa.UniqueConstraint("owner", "name", name="uq_items_owner_name")
        if owned
        else sa.UniqueConstraint("name", name="uq_items_name")
    )
    return sa.Table(
        "items",
        sa.MetaData(),
        sa.Column("id", sa.Integer(), nullable=False),
        *([sa.Column("owner", sa.String(length=255), nullable=False)] if owned else []),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("description", sa.String(length=1000), nullable=True),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_items"),
        name_rule,
    )


def upgrade() -> None:
    # SQLite cannot change a table's constraints in place: the batch rebuilds the table there.
    with op.batch_alter_table("items", copy_from=items_table(owned=False)) as batch:
        batch.add_column(sa.Column("owner", sa.String(length=255), nullable=False, server_default="everyone"))
        batch.drop_constraint("uq_items_name", type_="unique")
        batch.create_unique_constraint("uq_items_owner_name", ["owner", "name"])
    with op.batch_alter_table("items", copy_from=items_table(owned=True)) as batch:
        batch.alter_column("owner", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("items", copy_from=items_table(owned=True)) as batch:
        batch.drop_constraint("uq_items_owner_name", type_="unique")
        batch.create_unique_constraint("uq_items_name", ["name"])
        batch.drop_column("owner")
