"""SharePoint sync (issue 8): each library's delta link and folder tree, daily runs, sync run records, file eTags.

Revision ID: 0008
Revises: 0007
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NOW = sa.text("(CURRENT_TIMESTAMP)")


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=32)


def upgrade() -> None:
    op.create_table(
        "sharepoint_library_syncs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("drive_id", sa.String(length=200), nullable=False),
        sa.Column("root_id", sa.String(length=200), nullable=True),
        sa.Column("delta_link", sa.Text(), nullable=True),
        sa.Column("synced_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], ondelete="CASCADE",
                                name=op.f("fk_sharepoint_library_syncs_customer_id_customers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sharepoint_library_syncs")),
        sa.UniqueConstraint("customer_id", name=op.f("uq_sharepoint_library_syncs_customer_id")),
    )
    op.create_table(
        "sharepoint_folders",
        sa.Column("drive_id", sa.String(length=200), nullable=False),
        sa.Column("item_id", sa.String(length=200), nullable=False),
        sa.Column("parent_id", sa.String(length=200), nullable=True),
        sa.Column("name", sa.String(length=400), nullable=False),
        sa.PrimaryKeyConstraint("drive_id", "item_id", name=op.f("pk_sharepoint_folders")),
    )
    op.create_table(
        "sharepoint_daily_syncs",
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("queued_at", sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        sa.ForeignKeyConstraint(["company_id"], ["companies.id"], ondelete="CASCADE",
                                name=op.f("fk_sharepoint_daily_syncs_company_id_companies")),
        sa.PrimaryKeyConstraint("company_id", "day", name=op.f("pk_sharepoint_daily_syncs")),
    )
    op.create_table(
        "sharepoint_sync_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=True),
        sa.Column("direction", _enum("syncdirection", "TO_SHAREPOINT", "FROM_SHAREPOINT"), nullable=False),
        sa.Column("trigger", _enum("synctrigger", "DAILY", "MANUAL"), nullable=False),
        sa.Column("status", _enum("syncstatus", "QUEUED", "RUNNING", "DONE", "FAILED"), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        sa.Column("created_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("updated_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("moved_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("deleted_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("failed_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("errors", sa.JSON(), nullable=False),
        sa.Column("file_ids", sa.JSON(), nullable=True),
        sa.Column("queued_at", sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["company_id"], ["companies.id"], name=op.f("fk_sharepoint_sync_runs_company_id_companies")),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], ondelete="CASCADE",
                                name=op.f("fk_sharepoint_sync_runs_customer_id_customers")),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"], ondelete="CASCADE",
                                name=op.f("fk_sharepoint_sync_runs_project_id_projects")),
        sa.ForeignKeyConstraint(["requested_by_id"], ["co_workers.id"], ondelete="SET NULL",
                                name=op.f("fk_sharepoint_sync_runs_requested_by_id_co_workers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sharepoint_sync_runs")),
    )
    op.create_index(op.f("ix_sharepoint_sync_runs_company_id"), "sharepoint_sync_runs", ["company_id"])
    op.create_index(op.f("ix_sharepoint_sync_runs_customer_id"), "sharepoint_sync_runs", ["customer_id"])
    op.create_index(op.f("ix_sharepoint_sync_runs_project_id"), "sharepoint_sync_runs", ["project_id"])
    with op.batch_alter_table("files") as batch:
        batch.add_column(sa.Column("sharepoint_etag", sa.String(length=200), nullable=True))
        batch.create_index(batch.f("ix_files_sharepoint_item_id"), ["sharepoint_item_id"])


def downgrade() -> None:
    with op.batch_alter_table("files") as batch:
        batch.drop_index(batch.f("ix_files_sharepoint_item_id"))
        batch.drop_column("sharepoint_etag")
    op.drop_index(op.f("ix_sharepoint_sync_runs_project_id"), table_name="sharepoint_sync_runs")
    op.drop_index(op.f("ix_sharepoint_sync_runs_customer_id"), table_name="sharepoint_sync_runs")
    op.drop_index(op.f("ix_sharepoint_sync_runs_company_id"), table_name="sharepoint_sync_runs")
    op.drop_table("sharepoint_sync_runs")
    op.drop_table("sharepoint_daily_syncs")
    op.drop_table("sharepoint_folders")
    op.drop_table("sharepoint_library_syncs")
