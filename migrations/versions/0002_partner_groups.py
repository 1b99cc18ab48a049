"""partner links, partner groups and their members (SPEC §2)

Revision ID: 0002
Revises: 0001
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: Union[str, Sequence[str], None] = "0001"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

NOW = sa.text("(CURRENT_TIMESTAMP)")


def upgrade() -> None:
    op.create_table(
        "partner_groups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("main_company_id", sa.Integer(), nullable=False),
        sa.Column("registered_by_id", sa.Integer(), nullable=True),
        sa.Column("registered_at", sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        sa.Column("dissolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.ForeignKeyConstraint(["main_company_id"], ["companies.id"],
                                name=op.f("fk_partner_groups_main_company_id_companies")),
        sa.ForeignKeyConstraint(["registered_by_id"], ["users.id"], name=op.f("fk_partner_groups_registered_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partner_groups")),
    )
    op.create_index(op.f("ix_partner_groups_main_company_id"), "partner_groups", ["main_company_id"])

    op.create_table(
        "partner_group_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("joined_at", sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        sa.Column("left_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["company_id"], ["companies.id"],
                                name=op.f("fk_partner_group_members_company_id_companies")),
        sa.ForeignKeyConstraint(["group_id"], ["partner_groups.id"],
                                name=op.f("fk_partner_group_members_group_id_partner_groups")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partner_group_members")),
    )
    op.create_index(op.f("ix_partner_group_members_group_id"), "partner_group_members", ["group_id"])
    # A company is in at most one group at a time: unique among the memberships not yet left.
    op.create_index(
        "uq_partner_group_members_current_company", "partner_group_members", ["company_id"], unique=True,
        sqlite_where=sa.text("left_at IS NULL"), postgresql_where=sa.text("left_at IS NULL"),
    )

    op.create_table(
        "partner_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("partner_company_id", sa.Integer(), nullable=False),
        sa.Column("added_by_id", sa.Integer(), nullable=True),
        sa.Column("added_at", sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("confirmed_by_id", sa.Integer(), nullable=True),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.CheckConstraint("company_id <> partner_company_id", name=op.f("ck_partner_links_not_own_partner")),
        sa.ForeignKeyConstraint(["added_by_id"], ["co_workers.id"], name=op.f("fk_partner_links_added_by_id_co_workers")),
        sa.ForeignKeyConstraint(["company_id"], ["companies.id"], name=op.f("fk_partner_links_company_id_companies")),
        sa.ForeignKeyConstraint(["confirmed_by_id"], ["co_workers.id"],
                                name=op.f("fk_partner_links_confirmed_by_id_co_workers")),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], name=op.f("fk_partner_links_customer_id_customers")),
        sa.ForeignKeyConstraint(["partner_company_id"], ["companies.id"],
                                name=op.f("fk_partner_links_partner_company_id_companies")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partner_links")),
        sa.UniqueConstraint("company_id", "partner_company_id",
                            name=op.f("uq_partner_links_company_id_partner_company_id")),
    )
    op.create_index(op.f("ix_partner_links_company_id"), "partner_links", ["company_id"])
    op.create_index(op.f("ix_partner_links_customer_id"), "partner_links", ["customer_id"])
    op.create_index(op.f("ix_partner_links_partner_company_id"), "partner_links", ["partner_company_id"])


def downgrade() -> None:
    op.drop_table("partner_links")
    op.drop_table("partner_group_members")
    op.drop_table("partner_groups")
