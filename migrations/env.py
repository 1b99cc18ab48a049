"""Alembic environment: runs on the connection domain.platform.migrations hands it."""
from alembic import context

from domain.model import Base
from domain.model.base import UtcDateTime

target_metadata = Base.metadata


def render_item(type_, obj, autogen_context):
    # Our UtcDateTime is a plain timezone-aware DateTime in the database.
    if type_ == "type" and isinstance(obj, UtcDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        render_item=render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is None:
    raise SystemExit("run migrations through `partnergraph migrate` (domain.platform.migrations)")
run(connection)
