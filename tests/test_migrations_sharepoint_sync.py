"""Migrations 0008 and 0009 (SharePoint sync) can be undone and done again, on both databases."""
import uuid

import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.engine import make_url

from domain.db import Database
from domain.migrations import alembic_config, upgrade
from domain.settings import Settings


async def down_to_0007_and_up_again(url: str) -> tuple[list[str], list[str]]:
    db = Database(Settings(database_url=url, _env_file=None))
    try:
        await upgrade(db.engine)
        async with db.engine.begin() as connection:
            await connection.run_sync(lambda sync: command.downgrade(alembic_config(sync), "0007"))
        async with db.engine.connect() as connection:
            tables = await connection.run_sync(lambda sync: sync.dialect.get_table_names(sync))
            columns = await connection.run_sync(
                lambda sync: [c["name"] for c in sync.dialect.get_columns(sync, "files")])
        await upgrade(db.engine)
        return tables, columns
    finally:
        await db.dispose()


def check(tables: list[str], columns: list[str]) -> None:
    assert "sharepoint_sync_runs" not in tables and "sharepoint_folders" not in tables and "files" in tables
    assert "sharepoint_etag" not in columns and "sharepoint_parent_id" not in columns
    assert "sharepoint_item_id" in columns


async def test_the_sync_migrations_downgrade_and_upgrade_again_on_sqlite(tmp_path):
    check(*await down_to_0007_and_up_again(f"sqlite+aiosqlite:///{tmp_path}/down.db"))


async def test_the_sync_migrations_downgrade_and_upgrade_again_on_postgresql(postgres_url):
    if postgres_url is None:
        pytest.skip("PostgreSQL is not installed here")
    name = f"down_{uuid.uuid4().hex[:8]}"
    admin = Database(Settings(database_url=postgres_url, _env_file=None))
    async with admin.engine.execution_options(isolation_level="AUTOCOMMIT").connect() as connection:
        await connection.execute(text(f"CREATE DATABASE {name}"))
    try:
        url = make_url(postgres_url).set(database=name).render_as_string(hide_password=False)
        check(*await down_to_0007_and_up_again(url))
    finally:
        async with admin.engine.execution_options(isolation_level="AUTOCOMMIT").connect() as connection:
            await connection.execute(text(f"DROP DATABASE IF EXISTS {name}"))
        await admin.dispose()
