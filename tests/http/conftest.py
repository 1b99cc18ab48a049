"""Fixtures for tests against a real server process: the demo data, seeded once, and servers on copies of it."""
import pytest

from tests.http.live_server import DemoDatabase, LiveServer, running_server, seed_demo


@pytest.fixture(scope="session")
def demo_database(tmp_path_factory) -> DemoDatabase:
    return seed_demo(tmp_path_factory.mktemp("demo"))


@pytest.fixture(scope="session")
def live_server(demo_database, tmp_path_factory) -> LiveServer:
    """The server as configured by default (limits, rate limit, automatic persisted queries)."""
    with running_server(demo_database, tmp_path_factory.mktemp("live")) as server:
        yield server
