"""Co-worker invitations that wait for consent: whom they invite, the role, title and rates they offer, and
whether they were declined; the co-worker record exists only once accepted (SPEC §8, issue 21).

Revision ID: 0010
Revises: 0009
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN_INVITATION = "co_worker_id IS NULL AND declined_at IS NULL"
ROLE = sa.Enum("ADMIN", "PROJECT_LEADER", "EMPLOYEE", "EXTERNAL", name="role", native_enum=False,
               create_constraint=True, length=32)


def upgrade() -> None:
    with op.batch_alter_table("co_worker_invitations") as batch:
        batch.add_column(sa.Column("user_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("role", ROLE, nullable=True))
        batch.add_column(sa.Column("title", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("hourly_rate", sa.Numeric(14, 2), nullable=True))
        batch.add_column(sa.Column("hourly_cost", sa.Numeric(14, 2), nullable=True))
        batch.add_column(sa.Column("declined_at", sa.DateTime(timezone=True), nullable=True))
    # The invitations so far are partner invitations, each with its co-worker record: whom and which role.
    op.execute("UPDATE co_worker_invitations SET "
               "user_id = (SELECT user_id FROM co_workers WHERE co_workers.id = co_worker_invitations.co_worker_id), "
               "role = (SELECT role FROM co_workers WHERE co_workers.id = co_worker_invitations.co_worker_id)")
    with op.batch_alter_table("co_worker_invitations") as batch:
        batch.alter_column("user_id", existing_type=sa.Integer(), nullable=False)
        batch.alter_column("role", existing_type=ROLE, nullable=False)
        batch.alter_column("co_worker_id", existing_type=sa.Integer(), nullable=True)
        batch.create_foreign_key(batch.f("fk_co_worker_invitations_user_id_users"), "users", ["user_id"], ["id"])
        batch.create_index(batch.f("ix_co_worker_invitations_user_id"), ["user_id"])
        batch.create_index("uq_co_worker_invitations_open", ["company_id", "user_id"], unique=True,
                           sqlite_where=sa.text(OPEN_INVITATION), postgresql_where=sa.text(OPEN_INVITATION))


def downgrade() -> None:
    # Invitations without a co-worker record cannot exist before this revision.
    op.execute("DELETE FROM co_worker_invitations WHERE co_worker_id IS NULL")
    with op.batch_alter_table("co_worker_invitations") as batch:
        batch.drop_index("uq_co_worker_invitations_open")
        batch.drop_index(batch.f("ix_co_worker_invitations_user_id"))
        batch.drop_constraint(batch.f("fk_co_worker_invitations_user_id_users"), type_="foreignkey")
        batch.alter_column("co_worker_id", existing_type=sa.Integer(), nullable=False)
        batch.drop_column("declined_at")
        batch.drop_column("hourly_cost")
        batch.drop_column("hourly_rate")
        batch.drop_column("title")
        batch.drop_constraint(batch.f("ck_co_worker_invitations_role"), type_="check")
        batch.drop_column("role")
        batch.drop_column("user_id")
