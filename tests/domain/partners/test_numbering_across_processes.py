"""Group number series under load from several server processes sharing one PostgreSQL database (SPEC §2.5)."""
import asyncio
from collections import Counter

import httpx
import pytest
from sqlalchemy import select

from domain import model as m
from tests.factories import add_customer, gid
from tests.partner_seeds import group_of_companies, set_series_policy
from tests.server_processes import server_processes

CREATIONS = 60  # 30 through each process, alternating between the two companies

PROJECT_CREATE = """
mutation Create($input: ProjectCreateInput!) {
  projectCreate(input: $input) { project { number company { databaseName } } userErrors { field message code } }
}
"""


async def test_sixty_concurrent_project_creations_through_two_server_processes_get_unique_numbers(db, tmp_path):
    if db.sqlite:
        pytest.skip("runs on PostgreSQL: the database several server processes share (SPEC: scale-out)")

    # given a group whose member birch draws project numbers from the main company acme's series
    (acme, birch), _ = await group_of_companies(db, ("acme", "birch"))
    await set_series_policy(db, birch, m.SeriesKind.PROJECT, m.SeriesPolicy.GROUP)
    customers = {acme.id: await add_customer(db, acme), birch.id: await add_customer(db, birch)}

    with server_processes(db.settings.database_url, 2, tmp_path) as urls:
        # when 60 projectCreate requests are fired at once, half at each process, over real sockets
        clients = [httpx.AsyncClient(base_url=url, timeout=60, limits=httpx.Limits(max_connections=CREATIONS))
                   for url in urls]

        async def create(i: int) -> dict:
            company = (acme, birch)[i % 2]
            response = await clients[(i // 2) % 2].post("/graphql", headers={"Authorization": f"Bearer {company['admin'].token}"},
                json={"query": PROJECT_CREATE, "variables": {"input": {
                    "companyId": company.gid, "customerId": gid("Customer", customers[company.id]), "name": f"Load {i}"}}})
            assert response.status_code == 200, response.text
            return response.json()["data"]["projectCreate"]

        try:
            results = await asyncio.gather(*(create(i) for i in range(CREATIONS)))
        finally:
            for client in clients:
                await client.aclose()

    # then every creation succeeded and every number is different, across both companies
    assert [r["userErrors"] for r in results] == [[]] * CREATIONS
    numbers = [r["project"]["number"] for r in results]
    assert Counter(r["project"]["company"]["databaseName"] for r in results) == {"acme": 30, "birch": 30}
    assert sorted(numbers) == list(range(1000, 1000 + CREATIONS))
    async with db.read() as session:
        stored = list(await session.scalars(select(m.Project.number).where(m.Project.name.like("Load %"))))
        next_number = await session.scalar(select(m.NumberSeries.next_number).where(
            m.NumberSeries.company_id == acme.id, m.NumberSeries.kind == m.SeriesKind.PROJECT))
    assert sorted(stored) == sorted(numbers)
    assert next_number == 1000 + CREATIONS
