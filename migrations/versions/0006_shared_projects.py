"""Shared projects: invitations, and one secondary project per partner company per main project (issue 4).

Revision ID: 0006
Revises: 0005
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NOW = sa.text("(CURRENT_TIMESTAMP)")


def upgrade() -> None:
    op.create_table(
        "co_worker_invitations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("co_worker_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("invited_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        sa.Column("delivery", sa.String(length=8), nullable=False),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["company_id"], ["companies.id"], name=op.f("fk_co_worker_invitations_company_id_companies")),
        sa.ForeignKeyConstraint(["co_worker_id"], ["co_workers.id"],
                                name=op.f("fk_co_worker_invitations_co_worker_id_co_workers")),
        sa.ForeignKeyConstraint(["invited_by_id"], ["co_workers.id"],
                                name=op.f("fk_co_worker_invitations_invited_by_id_co_workers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_co_worker_invitations")),
    )
    op.create_index(op.f("ix_co_worker_invitations_company_id"), "co_worker_invitations", ["company_id"])
    op.create_index(op.f("ix_co_worker_invitations_co_worker_id"), "co_worker_invitations", ["co_worker_id"])
    # Two concurrent adds of co-workers from one partner company make one secondary project, not two.
    op.create_index("uq_projects_main_project_id_company_id", "projects", ["main_project_id", "company_id"], unique=True)


def downgrade() -> None:
    op.drop_index("uq_projects_main_project_id_company_id", table_name="projects")
    op.drop_index(op.f("ix_co_worker_invitations_co_worker_id"), table_name="co_worker_invitations")
    op.drop_index(op.f("ix_co_worker_invitations_company_id"), table_name="co_worker_invitations")
    op.drop_table("co_worker_invitations")
