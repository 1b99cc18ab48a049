"""the event log that subscriptions read (SPEC §7): events and their single bookkeeping row

Revision ID: 0004
Revises: 0003
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: Union[str, Sequence[str], None] = "0003"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

KINDS = ("PROJECT", "TIME_RECORD", "FILE")


def upgrade() -> None:
    op.create_table(
        "events",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.Enum(*KINDS, name="eventkind", native_enum=False, create_constraint=True, length=32),
                  nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=True),
        sa.Column("node_id", sa.Integer(), nullable=False),
        sa.Column("subject_type", sa.String(length=32), nullable=True),
        sa.Column("subject_id", sa.Integer(), nullable=True),
        sa.Column("snapshot", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_events")),
    )
    op.create_index("ix_events_company_id_id", "events", ["company_id", "id"], unique=False)
    op.create_index("ix_events_occurred_at", "events", ["occurred_at"], unique=False)
    event_log = op.create_table(
        "event_log",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last_event_id", sa.BigInteger(), nullable=False),
        sa.Column("purged_through", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_event_log_single_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_log")),
    )
    op.bulk_insert(event_log, [{"id": 1, "last_event_id": 0, "purged_through": 0}])


def downgrade() -> None:
    op.drop_table("event_log")
    op.drop_index("ix_events_occurred_at", table_name="events")
    op.drop_index("ix_events_company_id_id", table_name="events")
    op.drop_table("events")
