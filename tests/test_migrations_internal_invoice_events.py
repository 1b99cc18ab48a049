"""Migration 0016 (internal invoice events) can be undone and done again, on both databases: undone, the log loses
its INTERNAL_INVOICE events and refuses new ones, and webhook endpoints lose the kind (one that had only it goes)."""
import json

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from domain.platform.db import Database
from domain.platform.migrations import alembic_config, downgrade, upgrade
from domain.platform.settings import Settings
from tests.migration_roundtrip import scratch_postgres_database

EVENT = ("INSERT INTO events (id, occurred_at, kind, action, company_id, project_id, node_id, snapshot) "
         "VALUES (:id, CURRENT_TIMESTAMP, :kind, 'CREATED', 1, NULL, 1, '{}')")
ENDPOINT = ("INSERT INTO webhook_endpoints (id, company_id, created_by_user_id, url, event_kinds, state, "
            "secret_encrypted, cursor, scheduled) VALUES (:id, 1, 1, 'https://example.com/hook', :kinds, 'ACTIVE', "
            "'x', 0, false)")


async def down_and_up_again(url: str) -> None:
    db = Database(Settings(database_url=url, _env_file=None))
    try:
        await upgrade(db.engine)
        async with db.engine.begin() as connection:
            await connection.execute(text("INSERT INTO companies (id, database_name, name, tier) "
                                          "VALUES (1, 'acme', 'Acme', 'PRO')"))
            await connection.execute(text("INSERT INTO users (id, name, email) VALUES (1, 'Ada', 'ada@example.com')"))
            await connection.execute(text(ENDPOINT), {"id": 1, "kinds": '["EXPENSE", "INTERNAL_INVOICE"]'})
            await connection.execute(text(ENDPOINT), {"id": 2, "kinds": '["INTERNAL_INVOICE"]'})
            await connection.execute(text(EVENT), {"id": 1, "kind": "EXPENSE"})
            await connection.execute(text(EVENT), {"id": 2, "kind": "INTERNAL_INVOICE"})

        await downgrade(db.engine, "0015_sharepoint_file_changes")
        async with db.engine.connect() as connection:
            assert (await connection.execute(text("SELECT id, kind FROM events"))).all() == [(1, "EXPENSE")]
            endpoints = (await connection.execute(text("SELECT id, event_kinds FROM webhook_endpoints"))).all()
            assert [(id_, kinds if isinstance(kinds, list) else json.loads(kinds))
                    for id_, kinds in endpoints] == [(1, ["EXPENSE"])]
            with pytest.raises(IntegrityError):
                await connection.execute(text(EVENT), {"id": 3, "kind": "INTERNAL_INVOICE"})

        await upgrade(db.engine)
        async with db.engine.begin() as connection:
            await connection.execute(text(EVENT), {"id": 3, "kind": "INTERNAL_INVOICE"})
    finally:
        await db.dispose()


async def test_the_internal_invoice_events_migration_downgrades_and_upgrades_again_on_sqlite(tmp_path):
    await down_and_up_again(f"sqlite+aiosqlite:///{tmp_path}/down.db")


async def test_the_internal_invoice_events_migration_downgrades_and_upgrades_again_on_postgresql(postgres_url):
    if postgres_url is None:
        pytest.skip("PostgreSQL is not installed here")
    async with scratch_postgres_database(postgres_url) as url:
        await down_and_up_again(url)
