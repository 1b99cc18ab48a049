"""Sign-in across server processes: a token revoked or expired, or a membership ended, through one process is
refused or changed at once in every other (nothing about a token is kept between requests)."""
import datetime as dt

import httpx
from sqlalchemy import select, update

from domain.access.tokens import hash_token, revoke_token
from domain.model import ApiToken, utcnow

from tests.factories import company_with_staff, gid
from tests.server_processes import server_processes

MY_COMPANIES = "query { viewer { email coWorkers { id } } }"
DEACTIVATE = """
mutation Deactivate($id: ID!) { coWorkerDeactivate(input: {id: $id}) { userErrors { code } coWorker { id } } }
"""


async def post(url: str, query: str, token: str, variables: dict | None = None) -> httpx.Response:
    async with httpx.AsyncClient(base_url=url, timeout=30) as client:
        return await client.post("/graphql", json={"query": query, "variables": variables or {}},
                                 headers={"Authorization": f"Bearer {token}"})


async def token_id(db, plain: str) -> int:
    async with db.read() as session:
        return await session.scalar(select(ApiToken.id).where(ApiToken.token_hash == hash_token(plain)))


async def test_a_token_revoked_expired_or_a_membership_ended_counts_at_once_in_every_process(db, tmp_path):
    # given two server processes on one database, and a company's admin, employee and colleague with tokens
    acme = await company_with_staff(db)
    admin, employee, colleague = acme["admin"], acme["employee"], acme["colleague"]
    with server_processes(db.settings.database_url, 2, tmp_path) as (a, b):
        for url in (a, b):
            answer = (await post(url, MY_COMPANIES, employee.token)).json()["data"]
            assert answer["viewer"]["coWorkers"] == [{"id": gid("CoWorker", employee.co_worker_id)}]

        # when the admin deactivates the employee through A
        done = (await post(a, DEACTIVATE, admin.token, {"id": gid("CoWorker", employee.co_worker_id)})).json()
        assert done["data"]["coWorkerDeactivate"]["userErrors"] == [], done

        # then B's very next request of the employee has no company left
        answer = (await post(b, MY_COMPANIES, employee.token)).json()["data"]
        assert answer["viewer"]["coWorkers"] == []

        # when the admin's token is revoked (as `partnergraph token revoke` does)
        assert (await post(b, MY_COMPANIES, admin.token)).status_code == 200
        await revoke_token(db, await token_id(db, admin.token))

        # then both processes refuse it at once
        for url in (a, b):
            refused = await post(url, MY_COMPANIES, admin.token)
            assert refused.status_code == 401
            assert refused.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"

        # when the colleague's token expires
        assert (await post(a, MY_COMPANIES, colleague.token)).status_code == 200
        async with db.transaction() as session:
            await session.execute(update(ApiToken).where(ApiToken.id == await token_id(db, colleague.token))
                                  .values(expires_at=utcnow() - dt.timedelta(seconds=1)))

        # then both processes refuse it at once
        for url in (a, b):
            assert (await post(url, MY_COMPANIES, colleague.token)).status_code == 401
