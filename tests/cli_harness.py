"""Running `partnergraph` commands inside the test process, against a database found through the environment."""
import pytest

from domain.platform.db import Database
from domain.platform.settings import Settings
from partnergraph import cli


@pytest.fixture
async def cli_database(tmp_path, monkeypatch, migrated_sqlite) -> Database:
    """An empty, migrated SQLite database that the command finds through the environment, as a user's would (a copy
    of the run's migrated one: tests/conftest.py)."""
    monkeypatch.setenv("PARTNERGRAPH_DATABASE_URL", migrated_sqlite(tmp_path / "cli.db"))
    db = Database(Settings(_env_file=None))
    yield db
    await db.dispose()


async def run(capsys, *argv: str) -> tuple[int, str, str]:
    """Runs a command in this process (and this event loop); returns exit code, stdout and stderr."""
    capsys.readouterr()
    code = await cli.execute(cli.build_parser().parse_args(argv), Settings(_env_file=None))
    out, err = capsys.readouterr()
    return code, out, err
