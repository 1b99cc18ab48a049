"""Migration 0013 (recurring task series through the API) gives a series made before it its first period (its
first task's, else the day it was made), takes WEEKLY series and one task per series and period, and can be
undone and done again, on both databases: on SQLite with rows in the tables its batch mode copies, which
other rows point at (domain.platform.migrations runs it with foreign keys checked before COMMIT)."""
import datetime as dt

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from domain.platform.db import Database
from domain.platform.migrations import downgrade, upgrade
from domain.platform.settings import Settings
from tests.migration_roundtrip import scratch_postgres_database

BEFORE = [
    "INSERT INTO companies (id, database_name, name, tier) VALUES (1, 'nordlys', 'Nordlys', 'PRO')",
    "INSERT INTO recurring_task_series (id, company_id, name, recurrence, created_at) VALUES "
    "(1, 1, 'VAT return', 'MONTHLY', '2026-05-20 10:00:00'), (2, 1, 'Annual report', 'YEARLY', '2026-04-02 09:00:00')",
    "INSERT INTO tasks (id, company_id, number, name, status, series_id, period_start, version) VALUES "
    "(1, 1, 1, 'VAT return', 'OPEN', 1, '2026-03-01', 1), (2, 1, 2, 'VAT return', 'OPEN', 1, '2026-04-01', 1)",
]


def as_date(value) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(value)


async def check_0013(url: str) -> None:
    db = Database(Settings(database_url=url, _env_file=None))
    try:
        await upgrade(db.engine, "0012_webhooks")
        async with db.engine.begin() as connection:
            for statement in BEFORE:
                await connection.execute(text(statement))
        await upgrade(db.engine)
        async with db.engine.begin() as connection:
            rows = (await connection.execute(text(
                "SELECT id, first_period, last_period, version FROM recurring_task_series ORDER BY id"))).all()
            assert [(i, as_date(first), last, version) for i, first, last, version in rows] == [
                (1, dt.date(2026, 3, 1), None, 1), (2, dt.date(2026, 4, 2), None, 1)]
            await connection.execute(text(
                "INSERT INTO recurring_task_series (id, company_id, name, recurrence, first_period) "
                "VALUES (3, 1, 'Weekly check', 'WEEKLY', '2026-06-01')"))
        with pytest.raises(IntegrityError):
            async with db.engine.begin() as connection:
                await connection.execute(text(
                    "INSERT INTO tasks (id, company_id, number, name, status, series_id, period_start, version) "
                    "VALUES (3, 1, 3, 'again', 'OPEN', 1, '2026-03-01', 1)"))
        await downgrade(db.engine, "0012_webhooks")
        async with db.engine.connect() as connection:
            kept = (await connection.execute(text(
                "SELECT id, recurrence FROM recurring_task_series ORDER BY id"))).all()
        assert [tuple(r) for r in kept] == [(1, "MONTHLY"), (2, "YEARLY"), (3, "MONTHLY")]
        await upgrade(db.engine)
    finally:
        await db.dispose()


async def test_0013_gives_earlier_series_their_first_period_and_round_trips_on_sqlite(tmp_path):
    await check_0013(f"sqlite+aiosqlite:///{tmp_path}/down.db")


async def test_0013_gives_earlier_series_their_first_period_and_round_trips_on_postgresql(postgres_url):
    if postgres_url is None:
        pytest.skip("PostgreSQL is not installed here")
    async with scratch_postgres_database(postgres_url) as url:
        await check_0013(url)
