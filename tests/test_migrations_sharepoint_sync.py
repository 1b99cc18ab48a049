"""Migrations 0008 and 0009 (SharePoint sync) can be undone and done again, on both databases."""
import pytest

from tests.migration_roundtrip import down_and_up_again, scratch_postgres_database


def check(tables: list[str], columns: list[str]) -> None:
    assert "sharepoint_sync_runs" not in tables and "sharepoint_folders" not in tables and "files" in tables
    assert "sharepoint_etag" not in columns and "sharepoint_parent_id" not in columns
    assert "sharepoint_item_id" in columns


async def test_the_sync_migrations_downgrade_and_upgrade_again_on_sqlite(tmp_path):
    check(*await down_and_up_again(f"sqlite+aiosqlite:///{tmp_path}/down.db", "0007"))


async def test_the_sync_migrations_downgrade_and_upgrade_again_on_postgresql(postgres_url):
    if postgres_url is None:
        pytest.skip("PostgreSQL is not installed here")
    async with scratch_postgres_database(postgres_url) as url:
        check(*await down_and_up_again(url, "0007"))
