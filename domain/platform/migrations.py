"""Applies the Alembic migrations in migrations/ to the configured database."""
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.platform.db import sqlite_file

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


def alembic_config(connection=None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    async with engine.begin() as connection:
        await connection.run_sync(lambda sync: command.upgrade(alembic_config(sync), revision))


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
