"""The process's cache of signed-in viewers (domain.access.viewer_cache) in one server: bounded, keyed by the
token's hash, and on PostgreSQL consulted only while its LISTEN connection is up (emptied when it comes back)."""
import asyncio

import httpx
import pytest
from sqlalchemy import text

from domain.access.tokens import hash_token, revoke_token
from domain.access import viewer_cache
from domain.access.viewer_cache import LISTENER_NAME
from gql.app import create_app

from tests.factories import company_with_staff
from tests.http.test_sign_in_processes import token_id

VIEWER = "{ viewer { email } }"


async def ask(client: httpx.AsyncClient, token: str) -> int:
    response = await client.post("/graphql", json={"query": VIEWER}, headers={"Authorization": f"Bearer {token}"})
    return response.status_code


@pytest.fixture
async def served(db):
    """The app with its cache running (as in a served app's lifespan) and a client for it."""
    app = create_app(db.settings.model_copy(update={"viewer_cache_size": 3}), db)
    async with app.state.viewers.running() as viewers, \
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
        await asyncio.wait_for(viewers.listening.wait(), 10)
        yield viewers, client


async def test_the_cache_keeps_at_most_its_size_by_token_hash_least_recently_used_out_first(db, served):
    # given five signed-in people and a cache of three
    viewers, client = served
    acme = await company_with_staff(db)
    people = [acme[key] for key in ("admin", "leader", "employee", "colleague", "external")]

    # when each of them asks, the admin again last
    for person in [*people, people[0]]:
        assert await ask(client, person.token) == 200

    # then the three most recent are kept, by the hash of their token, never the token itself
    kept = set(viewers._entries)
    assert kept == {hash_token(person.token) for person in (people[3], people[4], people[0])}
    assert not kept & {person.token for person in people}
    # and a hit is served from it
    hits = viewers.hits
    assert await ask(client, people[0].token) == 200
    assert viewers.hits == hits + 1


async def listener_pids(db) -> list[int]:
    async with db.engine.connect() as connection:
        return list((await connection.execute(text(
            "SELECT pid FROM pg_stat_activity WHERE application_name = :name"), {"name": LISTENER_NAME})).scalars())


@pytest.fixture
def slow_reconnect(monkeypatch):
    """The listener waits a second before reconnecting: long enough to act while it is away (set before the
    cache starts, which reads it when it connects)."""
    monkeypatch.setattr(viewer_cache, "RECONNECT_FIRST_SECONDS", 1.0)


async def test_while_the_listen_connection_is_lost_the_cache_is_not_used_and_it_is_emptied_when_back(
        db, slow_reconnect, served):
    if db.sqlite:
        pytest.skip("SQLite needs no LISTEN connection: each request checks PRAGMA data_version")
    # given a signed-in admin whose viewer is cached
    viewers, client = served
    acme = await company_with_staff(db)
    admin = acme["admin"]
    assert await ask(client, admin.token) == 200
    hits = viewers.hits
    assert await ask(client, admin.token) == 200 and viewers.hits == hits + 1

    # when PostgreSQL ends the cache's LISTEN connection
    pid = viewers.listener_pid
    assert pid in await listener_pids(db)
    async with db.engine.connect() as connection:
        assert await connection.scalar(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    for _ in range(500):
        if not viewers.listening.is_set():
            break
        await asyncio.sleep(0.01)
    assert not viewers.listening.is_set()

    # and the token is revoked meanwhile (its notification reaches nobody)
    await revoke_token(db, await token_id(db, admin.token))

    # then the next request signs in with the statement and is refused, the cache untouched and empty
    assert not viewers.listening.is_set()
    hits = viewers.hits
    assert await ask(client, admin.token) == 401
    assert viewers.hits == hits and len(viewers) == 0

    # and once the listener is back, the cache (emptied on reconnecting) refuses the token still
    await asyncio.wait_for(viewers.listening.wait(), 10)
    assert await ask(client, admin.token) == 401
    assert viewers.listener_pid != pid and viewers.listener_pid in await listener_pids(db)


async def test_without_the_migrations_triggers_the_cache_is_not_used(db, caplog):
    if db.sqlite:
        pytest.skip("SQLite's cache needs no trigger")
    # given a database where one of migration 0017's triggers is missing
    async with db.transaction() as session:
        await session.execute(text("DROP TRIGGER users_sign_in_changed ON users"))
    try:
        acme = await company_with_staff(db)
        app = create_app(db.settings, db)
        async with app.state.viewers.running() as viewers, \
                httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
            # when the app has had time to connect its listener, and a token is used twice
            for _ in range(100):
                if "lacks migration 0017's triggers" in caplog.text:
                    break
                await asyncio.sleep(0.02)
            assert await ask(client, acme["admin"].token) == 200
            assert await ask(client, acme["admin"].token) == 200

            # then nothing was kept or served: a change to a user would not be announced
            assert not viewers.listening.is_set()
            assert viewers.hits == 0 and len(viewers) == 0
            assert "lacks migration 0017's triggers" in caplog.text
    finally:
        async with db.transaction() as session:
            await session.execute(text("CREATE TRIGGER users_sign_in_changed AFTER INSERT OR UPDATE OR DELETE ON users "
                                       "FOR EACH ROW EXECUTE FUNCTION partnergraph_sign_in_changed('id')"))
