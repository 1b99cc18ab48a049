"""Undoing migrations and doing them again, for the tests of single migrations."""
import contextlib
import uuid
from collections.abc import AsyncIterator

from alembic import command
from sqlalchemy import text
from sqlalchemy.engine import make_url

from domain.platform.db import Database
from domain.platform.migrations import alembic_config, upgrade
from domain.platform.settings import Settings


async def down_and_up_again(url: str, revision: str) -> tuple[list[str], list[str]]:
    """Migrates a fresh database to the head, down to `revision` and up again; returns the table names and the
    `files` columns seen at `revision`."""
    db = Database(Settings(database_url=url, _env_file=None))
    try:
        await upgrade(db.engine)
        async with db.engine.begin() as connection:
            await connection.run_sync(lambda sync: command.downgrade(alembic_config(sync), revision))
        async with db.engine.connect() as connection:
            tables = await connection.run_sync(lambda sync: sync.dialect.get_table_names(sync))
            columns = await connection.run_sync(
                lambda sync: [c["name"] for c in sync.dialect.get_columns(sync, "files")])
        await upgrade(db.engine)
        return tables, columns
    finally:
        await db.dispose()


@contextlib.asynccontextmanager
async def scratch_postgres_database(postgres_url: str) -> AsyncIterator[str]:
    """The URL of a new, empty database on the test cluster, dropped afterwards."""
    name = f"down_{uuid.uuid4().hex[:8]}"
    admin = Database(Settings(database_url=postgres_url, _env_file=None))
    async with admin.engine.execution_options(isolation_level="AUTOCOMMIT").connect() as connection:
        await connection.execute(text(f"CREATE DATABASE {name}"))
    try:
        yield make_url(postgres_url).set(database=name).render_as_string(hide_password=False)
    finally:
        async with admin.engine.execution_options(isolation_level="AUTOCOMMIT").connect() as connection:
            await connection.execute(text(f"DROP DATABASE IF EXISTS {name}"))
        await admin.dispose()
