"""Number series (SPEC §2.5): own and group series, switching between them, and concurrent allocation."""
import asyncio

from sqlalchemy import select

from domain import model as m
from domain.partners.numbering import allocate_number
from tests.factories import add_customer, add_project, company_with_staff, gid, graphql
from tests.partner_seeds import group_of_companies, set_series_policy

PROJECT_CREATE = """
mutation Create($input: ProjectCreateInput!) {
  projectCreate(input: $input) { project { number } userErrors { field code } }
}
"""

CUSTOMER_CREATE = """
mutation Create($input: CustomerCreateInput!) {
  customerCreate(input: $input) { customer { number } userErrors { field code } }
}
"""


async def take(db, company, kind) -> int:
    async with db.transaction() as session:
        return await allocate_number(session, company.id, kind)


async def number_of(db, project_id) -> int:
    async with db.read() as session:
        return (await session.get(m.Project, project_id)).number


async def create_project(client, company, customer_id) -> int:
    data = await graphql(client, PROJECT_CREATE, {"input": {
        "companyId": company.gid, "customerId": gid("Customer", customer_id), "name": "Shared work"}},
        token=company["admin"].token)
    assert data["projectCreate"]["userErrors"] == []
    return data["projectCreate"]["project"]["number"]


async def test_a_company_under_group_policy_draws_project_numbers_from_the_main_companys_series(db, client):
    # given a group whose main company acme has used 1000–1001, and birch drawing projects from the group
    (acme, birch), _ = await group_of_companies(db, ("acme", "birch"))
    await set_series_policy(db, birch, m.SeriesKind.PROJECT, m.SeriesPolicy.GROUP)
    acme_customer, birch_customer = await add_customer(db, acme), await add_customer(db, birch)
    assert [await create_project(client, acme, acme_customer) for _ in range(2)] == [1000, 1001]

    # when both create projects, one after the other
    numbers = [await create_project(client, birch, birch_customer), await create_project(client, acme, acme_customer),
               await create_project(client, birch, birch_customer)]

    # then they share one series; birch's customers still come from its own series
    assert numbers == [1002, 1003, 1004]
    data = await graphql(client, CUSTOMER_CREATE, {"input": {"companyId": birch.gid, "name": "Own series AS"}},
                         token=birch["admin"].token)
    assert data["customerCreate"]["customer"]["number"] == 10002  # after the partner customer and birch_customer


async def test_group_policy_means_nothing_outside_a_group(db):
    acme = await company_with_staff(db, "acme")
    await set_series_policy(db, acme, m.SeriesKind.CUSTOMER, m.SeriesPolicy.GROUP)
    assert [await take(db, acme, m.SeriesKind.CUSTOMER) for _ in range(2)] == [10000, 10001]


async def test_switching_between_own_and_group_series_never_repeats_a_number_in_a_company(db):
    # given birch's own projects 1000–1002, and the group's main company acme at 1000
    (acme, birch), _ = await group_of_companies(db, ("acme", "birch"))
    customer = await add_customer(db, birch)
    for _ in range(3):
        await add_project(db, birch, customer)

    # when birch switches to the group series, the group series skips the numbers birch already has
    await set_series_policy(db, birch, m.SeriesKind.PROJECT, m.SeriesPolicy.GROUP)
    assert await number_of(db, await add_project(db, birch, customer)) == 1003
    assert await take(db, acme, m.SeriesKind.PROJECT) == 1004
    assert await number_of(db, await add_project(db, birch, customer)) == 1005

    # and back on its own series (still at 1003), birch continues above what it used from the group
    await set_series_policy(db, birch, m.SeriesKind.PROJECT, m.SeriesPolicy.OWN)
    assert await number_of(db, await add_project(db, birch, customer)) == 1006


async def test_twenty_concurrent_allocations_from_one_group_series_are_all_different(db):
    (acme, birch, charlie), _ = await group_of_companies(db, ("acme", "birch", "charlie"))
    for company in (birch, charlie):
        await set_series_policy(db, company, m.SeriesKind.CUSTOMER, m.SeriesPolicy.GROUP)
    companies = [acme, birch, charlie] * 7
    numbers = await asyncio.gather(*(take(db, c, m.SeriesKind.CUSTOMER) for c in companies[:20]))
    assert len(set(numbers)) == 20
    async with db.read() as session:
        next_number = await session.scalar(select(m.NumberSeries.next_number).where(
            m.NumberSeries.company_id == acme.id, m.NumberSeries.kind == m.SeriesKind.CUSTOMER))
    assert next_number == max(numbers) + 1
