"""Recurring task series made through the API (issue 18 item 4): a series' project, activity, assignee, first and
last period and version; weekly series; one task per series and period; the daily run of each company.

Revision ID: 0013_task_series
Revises: 0012_webhooks
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013_task_series"
down_revision: str | Sequence[str] | None = "0012_webhooks"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def recurrence(*values: str) -> sa.Enum:
    return sa.Enum(*values, name="recurrence", native_enum=False, create_constraint=True, length=32)


OLD_RECURRENCE = recurrence("MONTHLY", "QUARTERLY", "YEARLY")
NEW_RECURRENCE = recurrence("WEEKLY", "MONTHLY", "QUARTERLY", "YEARLY")
# The batch copies keep the AUTOINCREMENT of 0011_sqlite_autoincrement (SQLite never hands a deleted id out again).
KEEP_IDS = {"sqlite_autoincrement": True}


def upgrade() -> None:
    with op.batch_alter_table("recurring_task_series", table_kwargs=KEEP_IDS) as batch:
        batch.add_column(sa.Column("project_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("activity_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("assignee_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("first_period", sa.Date(), nullable=True))
        batch.add_column(sa.Column("last_period", sa.Date(), nullable=True))
        batch.add_column(sa.Column("version", sa.Integer(), server_default="1", nullable=False))
        # The type change replaces the CHECK of its values (ck_recurring_task_series_recurrence).
        batch.alter_column("recurrence", existing_type=OLD_RECURRENCE, type_=NEW_RECURRENCE, existing_nullable=False)
    # A series made before the API starts with its first task's period, or the day it was made.
    made_on = "date(created_at)" if op.get_bind().dialect.name == "sqlite" else "CAST(created_at AS DATE)"
    op.execute("UPDATE recurring_task_series SET first_period = COALESCE("
               "(SELECT MIN(period_start) FROM tasks WHERE tasks.series_id = recurring_task_series.id), "
               f"{made_on})")
    with op.batch_alter_table("recurring_task_series", table_kwargs=KEEP_IDS) as batch:
        batch.alter_column("first_period", existing_type=sa.Date(), nullable=False)
        batch.create_check_constraint("last_not_before_first", "last_period IS NULL OR last_period >= first_period")
        batch.create_foreign_key(batch.f("fk_recurring_task_series_project_id_projects"), "projects",
                                 ["project_id"], ["id"])
        batch.create_foreign_key(batch.f("fk_recurring_task_series_activity_id_activities"), "activities",
                                 ["activity_id"], ["id"])
        batch.create_foreign_key(batch.f("fk_recurring_task_series_assignee_id_co_workers"), "co_workers",
                                 ["assignee_id"], ["id"])
        batch.create_index(batch.f("ix_recurring_task_series_project_id"), ["project_id"])
        batch.create_index(batch.f("ix_recurring_task_series_activity_id"), ["activity_id"])
        batch.create_index(batch.f("ix_recurring_task_series_assignee_id"), ["assignee_id"])
    with op.batch_alter_table("tasks", table_kwargs=KEEP_IDS) as batch:
        batch.create_unique_constraint(batch.f("uq_tasks_series_id_period_start"), ["series_id", "period_start"])
    op.create_table(
        "task_series_daily_runs",
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("queued_at", sa.DateTime(timezone=True), server_default=sa.text("(CURRENT_TIMESTAMP)"),
                  nullable=False),
        sa.ForeignKeyConstraint(["company_id"], ["companies.id"], ondelete="CASCADE",
                                name=op.f("fk_task_series_daily_runs_company_id_companies")),
        sa.PrimaryKeyConstraint("company_id", "day", name=op.f("pk_task_series_daily_runs")),
    )


def downgrade() -> None:
    op.drop_table("task_series_daily_runs")
    with op.batch_alter_table("tasks", table_kwargs=KEEP_IDS) as batch:
        batch.drop_constraint(batch.f("uq_tasks_series_id_period_start"), type_="unique")
    op.execute("UPDATE recurring_task_series SET recurrence = 'MONTHLY' WHERE recurrence = 'WEEKLY'")
    with op.batch_alter_table("recurring_task_series", table_kwargs=KEEP_IDS) as batch:
        batch.drop_index(batch.f("ix_recurring_task_series_assignee_id"))
        batch.drop_index(batch.f("ix_recurring_task_series_activity_id"))
        batch.drop_index(batch.f("ix_recurring_task_series_project_id"))
        batch.drop_constraint(batch.f("fk_recurring_task_series_assignee_id_co_workers"), type_="foreignkey")
        batch.drop_constraint(batch.f("fk_recurring_task_series_activity_id_activities"), type_="foreignkey")
        batch.drop_constraint(batch.f("fk_recurring_task_series_project_id_projects"), type_="foreignkey")
        batch.drop_constraint(batch.f("ck_recurring_task_series_last_not_before_first"), type_="check")
        batch.alter_column("recurrence", existing_type=NEW_RECURRENCE, type_=OLD_RECURRENCE, existing_nullable=False)
        batch.drop_column("version")
        batch.drop_column("last_period")
        batch.drop_column("first_period")
        batch.drop_column("assignee_id")
        batch.drop_column("activity_id")
        batch.drop_column("project_id")
