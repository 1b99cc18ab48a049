"""Sign-in across server processes, each with its cache of viewers (domain.access.viewer_cache): a warm request
sends no sign-in statement, yet a token revoked (by the API's process, another, or the CLI) or expired, a
membership ended or a role changed counts at once in every process, on SQLite as on PostgreSQL."""
import asyncio
import datetime as dt
import os
import subprocess
import sys

import httpx
from sqlalchemy import select, update

from domain.access.tokens import hash_token
from domain.model import ApiToken, CoWorker, Role, utcnow

from tests.factories import company_with_staff, gid
from tests.server_processes import servers

MY_COMPANIES = "query { viewer { email coWorkers { id hourlyCost } } }"
DEACTIVATE = """
mutation Deactivate($id: ID!) { coWorkerDeactivate(input: {id: $id}) { userErrors { code } coWorker { id } } }
"""


async def post(url: str, query: str, token: str, variables: dict | None = None) -> httpx.Response:
    async with httpx.AsyncClient(base_url=url, timeout=30) as client:
        return await client.post("/graphql", json={"query": query, "variables": variables or {}},
                                 headers={"Authorization": f"Bearer {token}"})


async def signs_in_from_cache(db, url: str, token: str) -> bool:
    """Whether a request with `token` was signed in without the sign-in statement (its viewer was cached): it
    sends none at all on PostgreSQL, SQLite's `PRAGMA data_version` only. On SQLite any write to the file empties
    the cache (the server's own worker may be writing just then), so a few tries are allowed there."""
    for _attempt in range(5 if db.sqlite else 1):
        response = await post(url, "{ viewer { email } }", token)
        assert response.status_code == 200, response.text
        if int(response.headers["X-SQL-Statements"]) == (1 if db.sqlite else 0):
            return True
        await asyncio.sleep(0.2)
    return False


async def token_id(db, plain: str) -> int:
    async with db.read() as session:
        return await session.scalar(select(ApiToken.id).where(ApiToken.token_hash == hash_token(plain)))


def revoke_with_the_cli(db, token: int) -> None:
    """`partnergraph token revoke` in a process of its own."""
    done = subprocess.run([sys.executable, "-m", "partnergraph", "token", "revoke", str(token)],
                          env={**os.environ, "PARTNERGRAPH_DATABASE_URL": db.settings.database_url},
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


async def test_a_cached_viewer_follows_revocation_expiry_membership_and_role_at_once_in_every_process(db, tmp_path):
    # given two server processes on one database, each caching viewers, and a company's staff with tokens
    acme = await company_with_staff(db)
    admin, employee, colleague = acme["admin"], acme["employee"], acme["colleague"]
    env = {"PARTNERGRAPH_REPORT_SQL_STATEMENTS": "true"}
    with servers(db.settings.database_url, 2, tmp_path, env=env) as started:
        a, b = (server.url for server in started)
        for url in (a, b):
            answer = (await post(url, MY_COMPANIES, employee.token)).json()["data"]
            assert answer["viewer"]["coWorkers"] == [{"id": gid("CoWorker", employee.co_worker_id), "hourlyCost": None}]
            assert await signs_in_from_cache(db, url, employee.token)

        # when the admin deactivates the employee through A
        done = (await post(a, DEACTIVATE, admin.token, {"id": gid("CoWorker", employee.co_worker_id)})).json()
        assert done["data"]["coWorkerDeactivate"]["userErrors"] == [], done

        # then B's very next request of the employee has no company left (and is cached as such again)
        answer = (await post(b, MY_COMPANIES, employee.token)).json()["data"]
        assert answer["viewer"]["coWorkers"] == []
        assert await signs_in_from_cache(db, b, employee.token)

        # when the colleague, signed in on both, is made an admin by a write of another process (no API call)
        for url in (a, b):
            await post(url, MY_COMPANIES, colleague.token)
            assert await signs_in_from_cache(db, url, colleague.token)
        async with db.transaction() as session:
            await session.execute(update(CoWorker).where(CoWorker.id == colleague.co_worker_id)
                                  .values(role=Role.ADMIN))

        # then both processes sign them in as an admin at once: they see the costs only admins see
        for url in (a, b):
            answer = (await post(url, MY_COMPANIES, colleague.token)).json()["data"]
            assert answer["viewer"]["coWorkers"][0]["hourlyCost"] is not None, answer

        # when the admin's token, cached on both, is revoked with `partnergraph token revoke`
        for url in (a, b):
            await post(url, MY_COMPANIES, admin.token)
            assert await signs_in_from_cache(db, url, admin.token)
        revoke_with_the_cli(db, await token_id(db, admin.token))

        # then both processes refuse it at once
        for url in (a, b):
            refused = await post(url, MY_COMPANIES, admin.token)
            assert refused.status_code == 401
            assert refused.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"

        # when the colleague's token is about to expire, and both have it cached
        expires = utcnow() + dt.timedelta(seconds=2)
        async with db.transaction() as session:
            await session.execute(update(ApiToken).where(ApiToken.id == await token_id(db, colleague.token))
                                  .values(expires_at=expires))
        for url in (a, b):
            await post(url, MY_COMPANIES, colleague.token)
            assert await signs_in_from_cache(db, url, colleague.token)

        # then once it has expired (with nothing written meanwhile) both refuse it: expiry is checked on every hit
        await asyncio.sleep(max(0.0, (expires - utcnow()).total_seconds()) + 0.1)
        for url in (a, b):
            assert (await post(url, MY_COMPANIES, colleague.token)).status_code == 401
