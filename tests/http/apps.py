"""In-process apps with changed settings, for the tests of the HTTP surface."""
import contextlib
from collections.abc import AsyncIterator

import httpx

from domain.platform.db import Database
from partnergraph.composition import create_app


@contextlib.asynccontextmanager
async def client_for(db: Database, *, raise_app_exceptions: bool = True, **settings) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client on a fresh app (its own rate limiter) with these settings changed, on the same
    database as `db` (through an engine of its own, as another process would have)."""
    changed = db.settings.model_copy(update=settings)
    database = Database(changed) if settings else db
    transport = httpx.ASGITransport(app=create_app(changed, database), raise_app_exceptions=raise_app_exceptions)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield client
    finally:
        if database is not db:
            await database.dispose()
