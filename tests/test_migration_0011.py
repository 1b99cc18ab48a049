"""Migration 0011 rebuilds the tables whose ids are exposed with AUTOINCREMENT on SQLite, keeping every row (those
that refer to others, with ON DELETE CASCADE, too), and can be undone and done again, on both databases."""
import pytest
from alembic import command
from sqlalchemy import text

from domain.model import Base
from domain.platform.db import Database
from domain.platform.migrations import upgrade
from domain.platform.settings import Settings
from tests.migration_roundtrip import scratch_postgres_database
from tests.test_migration_0010 import migrate

BEFORE = [
    "INSERT INTO companies (database_name, name, tier) VALUES ('nordlys', 'Nordlys', 'PRO')",
    "INSERT INTO companies (database_name, name, tier) VALUES ('fjellvik', 'Fjellvik', 'PRO')",
    "INSERT INTO customers (company_id, number, name, status, storage_location) "
    "SELECT id, 1, 'Havbruk', 'ACTIVE', 'CLOUD' FROM companies WHERE database_name = 'nordlys'",
    "INSERT INTO contacts (customer_id, name) SELECT id, 'Ola' FROM customers",
]
KEPT = ("SELECT companies.database_name, customers.name, contacts.name FROM contacts "
        "JOIN customers ON customers.id = contacts.customer_id JOIN companies ON companies.id = customers.company_id")


async def rows(db: Database, sql: str) -> list[tuple]:
    async with db.engine.connect() as connection:
        return [tuple(r) for r in (await connection.execute(text(sql))).all()]


async def check_0011(url: str) -> None:
    db = Database(Settings(database_url=url, _env_file=None))
    try:
        await upgrade(db.engine, "0010")
        async with db.engine.begin() as connection:
            for statement in BEFORE:
                await connection.execute(text(statement))
        await upgrade(db.engine, "0011_sqlite_autoincrement")
        assert await rows(db, KEPT) == [("nordlys", "Havbruk", "Ola")]
        if db.sqlite:
            assert await rows(db, "PRAGMA foreign_key_check") == []
            assert await rows(db, "PRAGMA foreign_keys") == [(1,)]
        # the newest company deleted: the next one does not get its id
        [(newest,)] = await rows(db, "SELECT max(id) FROM companies")
        async with db.engine.begin() as connection:
            await connection.execute(text(f"DELETE FROM companies WHERE id = {newest}"))
            await connection.execute(text(
                "INSERT INTO companies (database_name, name, tier) VALUES ('vestby', 'Vestby', 'PRO')"))
        assert await rows(db, "SELECT id > :newest FROM companies WHERE database_name = 'vestby'".replace(
            ":newest", str(newest))) == [(True,)]
        await migrate(db, command.downgrade, "0010")
        assert await rows(db, KEPT) == [("nordlys", "Havbruk", "Ola")]
        await upgrade(db.engine)
        assert await rows(db, KEPT) == [("nordlys", "Havbruk", "Ola")]
    finally:
        await db.dispose()


async def test_0011_keeps_the_rows_and_never_reuses_an_id_on_sqlite(tmp_path):
    await check_0011(f"sqlite+aiosqlite:///{tmp_path}/ids.db")


async def test_0011_keeps_the_rows_and_never_reuses_an_id_on_postgresql(postgres_url):
    if postgres_url is None:
        pytest.skip("PostgreSQL is not installed here")
    async with scratch_postgres_database(postgres_url) as url:
        await check_0011(url)


def test_every_table_with_a_generated_id_never_reuses_one_on_sqlite():
    generated = [table.name for table in Base.metadata.sorted_tables
                 if table.autoincrement_column is not None]
    assert generated, "no table with a generated id found"
    assert [name for name in generated if not table_of(name).kwargs.get("sqlite_autoincrement")] == [], (
        "give these tables __table_args__ = (..., NEVER_REUSED_IDS) (domain.model.base)")


def table_of(name: str):
    return Base.metadata.tables[name]
