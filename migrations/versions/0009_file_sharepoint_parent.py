"""Files remember their SharePoint folder's Graph id, so a folder renamed in SharePoint refreshes their webUrl.

Revision ID: 0009
Revises: 0008
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("files") as batch:
        batch.add_column(sa.Column("sharepoint_parent_id", sa.String(length=200), nullable=True))
        batch.create_index(batch.f("ix_files_sharepoint_parent_id"), ["sharepoint_parent_id"])


def downgrade() -> None:
    with op.batch_alter_table("files") as batch:
        batch.drop_index(batch.f("ix_files_sharepoint_parent_id"))
        batch.drop_column("sharepoint_parent_id")
