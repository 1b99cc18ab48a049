"""Applies the Alembic migrations in migrations/ to the configured database."""
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, inspect
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.platform.db import sqlite_file

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


def alembic_config(connection=None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    async with engine.connect() as connection:
        await connection.run_sync(lambda sync: _run_with_references_unchecked(sync, command.upgrade, revision))


async def downgrade(engine: AsyncEngine, revision: str) -> None:
    """Undoes the migrations after `revision` (tests of single migrations; developers)."""
    async with engine.connect() as connection:
        await connection.run_sync(lambda sync: _run_with_references_unchecked(sync, command.downgrade, revision))


def _run_with_references_unchecked(connection: Connection, direction, revision: str) -> None:
    """Runs `direction` (command.upgrade or command.downgrade) in one transaction. On SQLite, whose batch mode
    changes a table by copying it and dropping the old one, foreign keys are off meanwhile (as SQLite's own
    ALTER procedure asks: rows of other tables still point at the table being copied, and PRAGMA foreign_keys
    cannot change inside a transaction) and checked before COMMIT instead: a dangling reference fails the
    migration as it would have."""
    if connection.dialect.name != "sqlite":
        with connection.begin():
            direction(alembic_config(connection), revision)
        return
    _pragma(connection, "PRAGMA foreign_keys=OFF")
    try:
        with connection.begin():
            direction(alembic_config(connection), revision)
            dangling = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
            if dangling:
                raise RuntimeError(f"the migration leaves rows pointing nowhere: {dangling[:10]}")
    finally:
        _pragma(connection, "PRAGMA foreign_keys=ON")


def _pragma(connection: Connection, statement: str) -> None:
    # On the driver's connection, outside any transaction (SQLAlchemy would BEGIN first).
    cursor = connection.connection.dbapi_connection.cursor()
    try:
        cursor.execute(statement)
    finally:
        cursor.close()


async def is_migrated(engine: AsyncEngine) -> bool:
    """Whether the migrations ran here at all (a SQLite file that does not exist yet is not made by asking)."""
    path = sqlite_file(engine.url.render_as_string(hide_password=False))
    if path is not None and not path.exists():
        return False
    async with engine.connect() as connection:
        return await connection.run_sync(lambda sync: inspect(sync).has_table("alembic_version"))


async def autogenerate(engine: AsyncEngine, message: str) -> None:
    """Writes a new revision from the difference between the models and the database (developers only)."""
    async with engine.begin() as connection:
        await connection.run_sync(
            lambda sync: command.revision(alembic_config(sync), message=message, autogenerate=True)
        )
