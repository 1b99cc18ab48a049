"""Ids never handed out twice on SQLite: every table whose ids are exposed is rebuilt with AUTOINCREMENT, keeping
its rows (issue 19 item 5c). Without it SQLite gives a new row max(id) + 1, so the id of the newest row, once
deleted, came back on the next one. A no-op on PostgreSQL, whose sequences never go back.

Revision ID: 0011_sqlite_autoincrement
Revises: 0010
"""
import contextlib
from collections.abc import Iterator, Sequence

from alembic import op

revision: str = "0011_sqlite_autoincrement"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The tables as they are at this revision (later tables are created with AUTOINCREMENT from their models).
TABLES = (
    "companies", "users", "api_tokens", "co_workers", "customers", "contacts", "number_series", "partner_groups",
    "partner_group_members", "partner_links", "co_worker_invitations", "projects", "project_members", "activities",
    "milestones", "recurring_task_series", "tasks", "time_records", "expenses", "tags", "files", "jobs",
    "sharepoint_configurations", "sharepoint_library_syncs", "sharepoint_sync_runs",
)


@contextlib.contextmanager
def foreign_keys_off(bind) -> Iterator[None]:
    """SQLite rebuilds a table by dropping it: with foreign keys on, that deletes or refuses the rows that refer
    to it (ON DELETE CASCADE would empty contacts). The pragma is ignored inside a transaction, so the migration's
    transaction is committed up to here and a new one is begun with the keys off; they are checked before it
    commits and turned on again after."""
    if not bind.exec_driver_sql("PRAGMA foreign_keys").scalar():
        yield
        return
    bind.exec_driver_sql("COMMIT")
    bind.exec_driver_sql("PRAGMA foreign_keys=OFF")
    bind.exec_driver_sql("BEGIN IMMEDIATE")
    try:
        yield
        violations = bind.exec_driver_sql("PRAGMA foreign_key_check").all()
        if violations:
            raise RuntimeError(f"rebuilding the tables broke foreign keys: {violations[:10]}")
        bind.exec_driver_sql("COMMIT")
    except BaseException:
        bind.exec_driver_sql("ROLLBACK")
        raise
    finally:
        bind.exec_driver_sql("PRAGMA foreign_keys=ON")
        # The caller's transaction goes on (alembic records the revision in it and commits or rolls it back).
        bind.exec_driver_sql("BEGIN IMMEDIATE")


def rebuild(*, autoincrement: bool) -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    with foreign_keys_off(bind):
        for table in TABLES:
            with op.batch_alter_table(table, recreate="always",
                                      table_kwargs={"sqlite_autoincrement": autoincrement}):
                pass


def upgrade() -> None:
    rebuild(autoincrement=True)


def downgrade() -> None:
    rebuild(autoincrement=False)
