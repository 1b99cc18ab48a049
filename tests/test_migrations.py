"""The migrations in migrations/versions build exactly the schema the models (domain.model) describe."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from domain.platform.db import Database
from domain.model import Base


def differences(connection) -> list:
    # Stricter than migrations/env.py (which autogenerates without server defaults): a default the
    # database applies must be the one the model declares, too.
    context = MigrationContext.configure(
        connection, opts={"compare_type": True, "compare_server_default": True, "target_metadata": Base.metadata}
    )
    return compare_metadata(context, Base.metadata)


async def test_the_migrations_create_exactly_the_tables_the_models_describe(db: Database):
    async with db.engine.connect() as connection:
        diff = await connection.run_sync(differences)
    assert diff == [], (
        "domain.model and migrations/versions differ: add a migration (see domain.platform.migrations.autogenerate) for\n"
        + "\n".join(map(str, diff))
    )
