"""The Graph emulator on a real socket, and a signed-in GraphSession pointed at it (no Azure involved)."""
import time

import pytest
from azure.core.credentials import AccessToken

from integrations.sharepoint.connection import SharePointConnection
from integrations.sharepoint.graph import GraphSession
from tests.graph_emulator import CHUNK_UNIT, GraphEmulator

SITE_URL = "https://contoso.sharepoint.com/sites/partners"


class FixedTokenCredential:
    """Stands for azure.identity.aio.ClientSecretCredential: any object with get_token and close will do."""

    def __init__(self) -> None:
        self.closed = False

    async def get_token(self, *scopes, **kwargs):
        return AccessToken("test-token", int(time.time()) + 3600)

    async def close(self) -> None:
        self.closed = True


@pytest.fixture
def graph_emulator():
    with GraphEmulator() as emulator:
        yield emulator


def connection_to(emulator: GraphEmulator, **values) -> SharePointConnection:
    # Small fragments (two 320 KiB units) keep multi-fragment uploads small and quick.
    values.setdefault("chunk_bytes", 2 * CHUNK_UNIT)
    return SharePointConnection(
        tenant_id="tenant", client_id="client", client_secret="secret", site_url=SITE_URL,
        graph_url=emulator.base_url, authority=emulator.origin, **values,
    )


class RecordedSleep:
    """Waits a token time, and remembers how long it was asked to wait (Retry-After checks)."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        import asyncio

        self.waits.append(seconds)
        await asyncio.sleep(0)


@pytest.fixture
def sleeps():
    return RecordedSleep()


@pytest.fixture
async def graph(graph_emulator, sleeps):
    session = GraphSession(connection_to(graph_emulator), credential=FixedTokenCredential(), sleep=sleeps)
    yield session
    await session.close()


@pytest.fixture
async def graph_with_content_type(graph_emulator, sleeps):
    session = GraphSession(connection_to(graph_emulator, apply_content_type=True), credential=FixedTokenCredential(),
                           sleep=sleeps)
    yield session
    await session.close()
