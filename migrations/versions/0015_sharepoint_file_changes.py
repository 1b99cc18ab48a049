"""Changes made here to transferred files reach SharePoint (issue 18 items 1 and 2): the count of changes a file
still has queued, when it last changed here, and tombstones of the Graph items of files deleted here.

Revision ID: 0015_sharepoint_file_changes
Revises: 0014_internal_invoicing
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015_sharepoint_file_changes"
down_revision: str | Sequence[str] | None = "0014_internal_invoicing"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NOW = sa.text("(CURRENT_TIMESTAMP)")


def upgrade() -> None:
    with op.batch_alter_table("files") as batch:
        batch.add_column(sa.Column("sharepoint_changes_queued", sa.Integer(), server_default="0", nullable=False))
        batch.add_column(sa.Column("changed_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "sharepoint_deleted_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("drive_id", sa.String(length=200), nullable=False),
        sa.Column("item_id", sa.String(length=200), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["company_id"], ["companies.id"], ondelete="CASCADE",
                                name=op.f("fk_sharepoint_deleted_items_company_id_companies")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sharepoint_deleted_items")),
        sa.UniqueConstraint("drive_id", "item_id", name=op.f("uq_sharepoint_deleted_items_drive_id_item_id")),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_sharepoint_deleted_items_company_id"), "sharepoint_deleted_items", ["company_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_sharepoint_deleted_items_company_id"), table_name="sharepoint_deleted_items")
    op.drop_table("sharepoint_deleted_items")
    with op.batch_alter_table("files") as batch:
        batch.drop_column("changed_at")
        batch.drop_column("sharepoint_changes_queued")
