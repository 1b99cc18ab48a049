"""The durable job queue, SharePoint configuration and file transfer state (issue 7).

Revision ID: 0007
Revises: 0006
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NOW = sa.text("(CURRENT_TIMESTAMP)")
JOB_STATES = ("QUEUED", "RUNNING", "DONE", "DEAD")
TRANSFER_STATES = ("LOCAL", "PENDING", "TRANSFERRED", "FAILED")
FOLDER_TABLES = ("projects", "activities", "tasks", "recurring_task_series")


def upgrade() -> None:
    op.create_table(
        "jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("state", sa.Enum(*JOB_STATES, name="jobstate", native_enum=False, create_constraint=True,
                                   length=32), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("run_after", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_by", sa.String(length=100), nullable=True),
        sa.Column("lease_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jobs")),
    )
    op.create_index("ix_jobs_state_run_after", "jobs", ["state", "run_after"])
    op.create_table(
        "sharepoint_configurations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.String(length=100), nullable=False),
        sa.Column("client_id", sa.String(length=100), nullable=False),
        sa.Column("client_secret_encrypted", sa.Text(), nullable=True),
        sa.Column("site_url", sa.String(length=2000), nullable=False),
        sa.Column("apply_content_type", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("daily_sync_time", sa.Time(), nullable=True),
        sa.Column("sync_to_sharepoint", sa.Boolean(), server_default="1", nullable=False),
        sa.Column("sync_from_sharepoint", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.ForeignKeyConstraint(["company_id"], ["companies.id"],
                                name=op.f("fk_sharepoint_configurations_company_id_companies")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sharepoint_configurations")),
        sa.UniqueConstraint("company_id", name=op.f("uq_sharepoint_configurations_company_id")),
    )
    with op.batch_alter_table("files") as batch:
        batch.add_column(sa.Column(
            "transfer_state",
            sa.Enum(*TRANSFER_STATES, name="filetransferstate", native_enum=False, create_constraint=True, length=32),
            server_default="LOCAL", nullable=False,
        ))
        batch.add_column(sa.Column("transfer_error", sa.Text(), nullable=True))
        batch.add_column(sa.Column("sharepoint_drive_id", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("sharepoint_item_id", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("sharepoint_web_url", sa.String(length=2000), nullable=True))
        batch.add_column(sa.Column("transferred_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_index(op.f("ix_files_transfer_state"), ["transfer_state"])
    with op.batch_alter_table("customers") as batch:
        batch.add_column(sa.Column("sharepoint_library_id", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("sharepoint_drive_id", sa.String(length=200), nullable=True))
    for table in FOLDER_TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("sharepoint_folder_id", sa.String(length=200), nullable=True))


def downgrade() -> None:
    for table in FOLDER_TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("sharepoint_folder_id")
    with op.batch_alter_table("customers") as batch:
        batch.drop_column("sharepoint_drive_id")
        batch.drop_column("sharepoint_library_id")
    with op.batch_alter_table("files") as batch:
        batch.drop_index(op.f("ix_files_transfer_state"))
        # SQLite's batch copy would keep the enum's CHECK, which names the column being dropped.
        batch.drop_constraint(op.f("ck_files_filetransferstate"), type_="check")
        for column in ("transferred_at", "sharepoint_web_url", "sharepoint_item_id", "sharepoint_drive_id",
                       "transfer_error", "transfer_state"):
            batch.drop_column(column)
    op.drop_table("sharepoint_configurations")
    op.drop_index("ix_jobs_state_run_after", table_name="jobs")
    op.drop_table("jobs")
