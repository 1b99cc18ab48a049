"""Test setup: every database test runs on SQLite and on PostgreSQL (a throwaway cluster)."""
import os
import shutil
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from domain.platform.db import Database
from domain.platform.migrations import upgrade
from domain.model import Base
from domain.platform.settings import Settings
from partnergraph.composition import create_app
from tests.pg_cluster import start_cluster

# Every query the compiled execution answers is also run on the general executor: a differing answer is a 500
# (gql/compiled/execution.py), so each query of the suite proves the two equal. Set here, so the servers the
# tests start in other processes inherit it.
os.environ.setdefault("PARTNERGRAPH_EXECUTION_CHECK", "1")
BACKENDS = ["sqlite", "postgresql"]
# The longest files of the suite (setup included), longest first, measured on `-n 2 --dist loadfile`. They run
# first, so that no worker starts one of them while the other has nothing left to do (loadfile hands out whole
# files; see pytest_collection_modifyitems). A file not listed here keeps its place after them.
SLOWEST_FILES = [
    "tests/integrations/sharepoint/test_transfer_crash_processes.py",
    "tests/gql/test_compiled_execution.py",
    "tests/integrations/sharepoint/test_sync_from_sharepoint.py",
    "tests/integrations/sharepoint/test_file_changes.py",
    "tests/domain/platform/test_job_worker_processes.py",
    "tests/http/test_fuzzing.py",
    "tests/gql/test_partner_hours_reconciliation.py",
    "tests/gql/test_status_change_locks.py",
    "tests/integrations/sharepoint/test_sync_runs.py",
    "tests/http/test_graphiql.py",
    "tests/gql/test_subscriptions_outages.py",
    "tests/integrations/sharepoint/test_sync_crash_processes.py",
    "tests/http/test_readme_examples.py",
    "tests/bench/test_api_benchmark.py",
    "tests/gql/test_partner_hours_concurrency.py",
    "tests/integrations/sharepoint/test_graph_request_budget.py",
    "tests/gql/test_crash_recovery.py",
    "tests/integrations/sharepoint/test_folder_renames.py",
    "tests/gql/test_hours_report.py",
    "tests/test_demo_partner_group.py",
    "tests/gql/test_subscriptions.py",
    "tests/gql/test_files_streaming.py",
    "tests/test_cli_serve_workers.py",
    "tests/domain/partners/test_numbering_across_processes.py",
    "tests/gql/test_database_outages.py",
]
# A summary line a minute while the suite runs (tests/progress.py).
pytest_plugins = ["tests.progress"]


@pytest.fixture(scope="session")
def postgres_url():
    cluster = start_cluster()
    if cluster is None:
        yield None
        return
    yield cluster.url
    if cluster.directory:
        cluster.stop()


def databases_line() -> str:
    from tests.pg_cluster import find_binaries

    if os.environ.get("PARTNERGRAPH_TEST_POSTGRES_URL") or find_binaries():
        return "databases: SQLite and PostgreSQL"
    return "databases: SQLite only - PostgreSQL is not installed, so every PostgreSQL case SKIPS"


def pytest_xdist_auto_num_workers(config):
    """`make test` runs `-n auto`: one worker per core, each with its own SQLite file and PostgreSQL cluster;
    one worker only when every worker would share the one database PARTNERGRAPH_TEST_POSTGRES_URL names."""
    return 1 if os.environ.get("PARTNERGRAPH_TEST_POSTGRES_URL") else None


def pytest_configure(config):
    # xdist's loadfile hands out files by how many tests they hold (most first) unless told to keep the collection
    # order: by that count the few long multi-process files came last, and a run ended on one worker alone.
    if hasattr(config.option, "loadscopereorder"):
        config.option.loadscopereorder = False


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """The SLOWEST_FILES first, in that order; every other test keeps its place (a stable sort, after pytest has
    grouped the tests by database)."""
    rank = {path: n for n, path in enumerate(SLOWEST_FILES)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::", 1)[0], len(rank)))


def pytest_report_header(config):
    return databases_line()


def pytest_terminal_summary(terminalreporter):
    # Said again at the end, where `pytest -q` readers look.
    terminalreporter.write_line(databases_line())
    from gql.compiled.execution import RUNS

    terminalreporter.write_line("queries in this process: " + (", ".join(f"{n} {way}" for way, n in sorted(RUNS.items()))
                                                               or "none"))


@pytest.fixture(scope="session")
async def databases(postgres_url):
    """The migrated Database of each backend, opened on first use and kept for the whole run (see `database`);
    closed before the PostgreSQL cluster stops (hence postgres_url)."""
    opened: dict[str, Database] = {}
    yield opened
    for database in opened.values():
        await database.dispose()


@pytest.fixture(scope="session", params=BACKENDS)
async def database(request, databases, postgres_url, tmp_path_factory):
    """A migrated database per backend for the whole run; tests clean up after themselves (see `db`).

    pytest keeps one value of a parametrized fixture at a time, and under `--dist loadfile` a worker runs a file's
    SQLite tests, then its PostgreSQL ones, then the next file's SQLite ones: the value changes at every file. Each
    backend's Database therefore lives in `databases`, so a change is a lookup, not a fresh SQLite file migrated
    again (seconds each, once per file before)."""
    if request.param not in databases:
        if request.param == "postgresql":
            if postgres_url is None:
                pytest.skip("PostgreSQL is not installed here: the PostgreSQL run is skipped")
            url = postgres_url
        else:
            url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('sqlite')}/test.db"
        # File contents go to a temporary folder, never to the working tree's ./var/files.
        settings = Settings(database_url=url, files_dir=tmp_path_factory.mktemp("files"), _env_file=None)
        database = Database(settings)
        await upgrade(database.engine)
        databases[request.param] = database
    return databases[request.param]


@pytest.fixture(scope="session")
async def migrated_sqlite(tmp_path_factory):
    """Copies of one empty SQLite database migrated to head, made once per run: `migrated_sqlite(path)` writes one
    to `path` (a file copy in milliseconds, where migrating a new file takes seconds) and returns its URL."""
    template = tmp_path_factory.mktemp("sqlite-template") / "migrated.db"
    database = Database(Settings(database_url=f"sqlite+aiosqlite:///{template}", _env_file=None))
    await upgrade(database.engine)
    await database.dispose()

    def copy_to(path: Path) -> str:
        shutil.copyfile(template, path)
        return f"sqlite+aiosqlite:///{path}"

    return copy_to


@pytest.fixture
async def db(database: Database):
    """The database, emptied after the test."""
    yield database
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    async with database.engine.begin() as conn:
        if database.sqlite:
            for table in tables:
                await conn.execute(text(f"DELETE FROM {table}"))
            # As RESTART IDENTITY does on PostgreSQL: the next test's ids start at 1 again (AUTOINCREMENT tables
            # remember their highest id here).
            await conn.execute(text("DELETE FROM sqlite_sequence"))
        else:
            await conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))


@pytest.fixture
def settings(db: Database) -> Settings:
    return db.settings


@pytest.fixture
async def client(db: Database):
    """An HTTP client talking to the ASGI app as a front end would."""
    app = create_app(db.settings, db)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
        yield client
