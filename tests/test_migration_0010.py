"""Migration 0010 (invitations that wait for consent) gives the partner invitations made before it their person and
role, and can be undone and done again, on both databases."""
import pytest
from alembic import command
from sqlalchemy import text

from domain.platform.db import Database
from domain.platform.migrations import alembic_config, upgrade
from domain.platform.settings import Settings
from tests.migration_roundtrip import scratch_postgres_database

BEFORE = [
    "INSERT INTO companies (id, database_name, name, tier) VALUES (1, 'nordlys', 'Nordlys', 'PRO'), "
    "(2, 'fjellvik', 'Fjellvik', 'PRO')",
    "INSERT INTO users (id, email, name) VALUES (7, 'kari@fjellvik.test', 'Kari')",
    "INSERT INTO co_workers (id, company_id, user_id, home_company_id, role) VALUES (3, 2, 7, 2, 'EMPLOYEE'), "
    "(4, 1, 7, 2, 'EXTERNAL')",
    "INSERT INTO co_worker_invitations (id, company_id, co_worker_id, email, delivery) "
    "VALUES (5, 1, 4, 'kari@fjellvik.test', 'LOG')",
]


async def migrate(db: Database, direction, revision: str) -> None:
    async with db.engine.begin() as connection:
        await connection.run_sync(lambda sync: direction(alembic_config(sync), revision))


async def check_0010(url: str) -> None:
    db = Database(Settings(database_url=url, _env_file=None))
    try:
        await upgrade(db.engine, "0009")
        async with db.engine.begin() as connection:
            for statement in BEFORE:
                await connection.execute(text(statement))
        await upgrade(db.engine)
        async with db.engine.begin() as connection:
            row = (await connection.execute(text(
                "SELECT user_id, role, co_worker_id FROM co_worker_invitations WHERE id = 5"))).one()
            assert tuple(row) == (7, "EXTERNAL", 4)
            # an invitation waiting for consent: no co-worker record
            await connection.execute(text(
                "INSERT INTO co_worker_invitations (company_id, user_id, email, role, delivery) "
                "VALUES (2, 7, 'kari@fjellvik.test', 'ADMIN', 'LOG')"))
        await migrate(db, command.downgrade, "0009")
        async with db.engine.connect() as connection:
            kept = (await connection.execute(text("SELECT id, co_worker_id FROM co_worker_invitations"))).all()
        assert [tuple(r) for r in kept] == [(5, 4)]
        await upgrade(db.engine)
    finally:
        await db.dispose()


async def test_0010_fills_in_the_earlier_invitations_and_round_trips_on_sqlite(tmp_path):
    await check_0010(f"sqlite+aiosqlite:///{tmp_path}/down.db")


async def test_0010_fills_in_the_earlier_invitations_and_round_trips_on_postgresql(postgres_url):
    if postgres_url is None:
        pytest.skip("PostgreSQL is not installed here")
    async with scratch_postgres_database(postgres_url) as url:
        await check_0010(url)
