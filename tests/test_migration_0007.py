"""Migration 0007 (jobs, SharePoint configuration, transfer state) can be undone and done again, on both databases."""
import uuid

import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.engine import make_url

from domain.db import Database
from domain.migrations import alembic_config, upgrade
from domain.settings import Settings


async def head_down_to_0006_and_up_again(url: str) -> list[str]:
    db = Database(Settings(database_url=url, _env_file=None))
    try:
        await upgrade(db.engine)
        async with db.engine.begin() as connection:
            await connection.run_sync(lambda sync: command.downgrade(alembic_config(sync), "0006"))
        async with db.engine.connect() as connection:
            tables = await connection.run_sync(lambda sync: sync.dialect.get_table_names(sync))
        await upgrade(db.engine)
        return tables
    finally:
        await db.dispose()


async def test_0007_downgrades_and_upgrades_again_on_sqlite(tmp_path):
    tables = await head_down_to_0006_and_up_again(f"sqlite+aiosqlite:///{tmp_path}/down.db")
    assert "jobs" not in tables and "sharepoint_configurations" not in tables and "files" in tables


async def test_0007_downgrades_and_upgrades_again_on_postgresql(postgres_url):
    if postgres_url is None:
        pytest.skip("PostgreSQL is not installed here")
    name = f"down_{uuid.uuid4().hex[:8]}"
    admin = Database(Settings(database_url=postgres_url, _env_file=None))
    async with admin.engine.execution_options(isolation_level="AUTOCOMMIT").connect() as connection:
        await connection.execute(text(f"CREATE DATABASE {name}"))
    try:
        url = make_url(postgres_url).set(database=name).render_as_string(hide_password=False)
        tables = await head_down_to_0006_and_up_again(url)
        assert "jobs" not in tables and "files" in tables
    finally:
        async with admin.engine.execution_options(isolation_level="AUTOCOMMIT").connect() as connection:
            await connection.execute(text(f"DROP DATABASE IF EXISTS {name}"))
        await admin.dispose()
