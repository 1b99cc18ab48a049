"""Migration 0007 (jobs, SharePoint configuration, transfer state) can be undone and done again, on both databases."""
import pytest

from tests.migration_roundtrip import down_and_up_again, scratch_postgres_database


async def test_0007_downgrades_and_upgrades_again_on_sqlite(tmp_path):
    tables, _ = await down_and_up_again(f"sqlite+aiosqlite:///{tmp_path}/down.db", "0006")
    assert "jobs" not in tables and "sharepoint_configurations" not in tables and "files" in tables


async def test_0007_downgrades_and_upgrades_again_on_postgresql(postgres_url):
    if postgres_url is None:
        pytest.skip("PostgreSQL is not installed here")
    async with scratch_postgres_database(postgres_url) as url:
        tables, _ = await down_and_up_again(url, "0006")
        assert "jobs" not in tables and "files" in tables
