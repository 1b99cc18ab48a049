"""A secondary project's customer follows the partner link (issue 19 item 5a): projectUpdate cannot give it
another one (INHERITED_FROM_MAIN on customerId), and attaching another customer to the link moves the open
secondary projects with it, in one change; a closed one keeps its customer until it is reopened. Through HTTP."""
import pytest
from sqlalchemy import select, update

from domain import model as m
from tests.factories import add_customer, add_project, gid, graphql
from tests.gql.test_shared_projects import ADD, REMOVE
from tests.partner_fixtures import PartnerHours, partner_hours_setup

UPDATE_PROJECT = """
mutation Update($input: ProjectUpdateInput!) {
  projectUpdate(input: $input) { project { id customer { id } } userErrors { field message code } }
}
"""
ATTACH = """
mutation Attach($input: PartnerLinkAttachCustomerInput!) {
  partnerLinkAttachCustomer(input: $input) { partnerLink { id customerAttached } userErrors { field message code } }
}
"""


def errors(data, name):
    return [(e["field"], e["code"]) for e in data[name]["userErrors"]]


@pytest.fixture
async def family(db) -> PartnerHours:
    return await partner_hours_setup(db)


async def customer_of(db, project_id: int) -> int:
    async with db.read() as session:
        return await session.scalar(select(m.Project.customer_id).where(m.Project.id == project_id))


async def partner_link_gid(db, family: PartnerHours) -> str:
    async with db.read() as session:
        return gid("PartnerLink", await session.scalar(select(m.PartnerLink.id).where(
            m.PartnerLink.company_id == family.partner.id, m.PartnerLink.partner_company_id == family.main.id)))


async def test_a_secondary_projects_customer_cannot_be_changed_directly(db, client, family):
    other = await add_customer(db, family.partner, "Someone else AS")
    data = await graphql(client, UPDATE_PROJECT, {"input": {"id": family.secondary_gid,
                                                            "customerId": gid("Customer", other)}},
                         token=family.partner["admin"].token)
    assert errors(data, "projectUpdate") == [("customerId", "INHERITED_FROM_MAIN")]
    assert "partnerLinkAttachCustomer" in data["projectUpdate"]["userErrors"][0]["message"]
    assert await customer_of(db, family.secondary_project_id) == family.partner_customer_id


async def test_giving_a_secondary_project_its_own_customer_again_changes_nothing(db, client, family):
    data = await graphql(client, UPDATE_PROJECT, {"input": {
        "id": family.secondary_gid, "customerId": gid("Customer", family.partner_customer_id)}},
        token=family.partner["admin"].token)
    assert data["projectUpdate"]["userErrors"] == []


async def test_a_main_projects_customer_still_changes(db, client, family):
    other = await add_customer(db, family.main, "Another customer AS")
    data = await graphql(client, UPDATE_PROJECT, {"input": {"id": family.main_gid, "customerId": gid("Customer", other)}},
                         token=family.main["admin"].token)
    assert data["projectUpdate"]["userErrors"] == []


async def test_attaching_another_customer_moves_the_open_secondaries_and_a_reopened_one(db, client, family):
    # a second shared project whose secondary is closed again (its only partner co-worker left)
    closed_main = await add_project(db, family.main, await add_customer(db, family.main, "Equinor"), "Pipeline",
                                    leader=family.main["leader"])
    member = {"input": {"projectId": gid("Project", closed_main), "coWorkerId": family.guest.gid}}
    assert errors(await graphql(client, ADD, member, token=family.main["admin"].token), "projectMemberAdd") == []
    assert errors(await graphql(client, REMOVE, member, token=family.main["admin"].token), "projectMemberRemove") == []
    async with db.read() as session:
        closed_secondary = await session.scalar(select(m.Project.id).where(m.Project.main_project_id == closed_main))
    new_customer = await add_customer(db, family.partner, "Nordlys internal AS")

    data = await graphql(client, ATTACH, {"input": {"id": await partner_link_gid(db, family),
                                                    "customerId": gid("Customer", new_customer)}},
                         token=family.partner["admin"].token)

    assert data["partnerLinkAttachCustomer"]["userErrors"] == []
    assert await customer_of(db, family.secondary_project_id) == new_customer
    assert await customer_of(db, closed_secondary) == family.partner_customer_id
    async with db.read() as session:
        moved_events = await session.scalar(select(m.Event.id).where(
            m.Event.kind == m.EventKind.PROJECT, m.Event.node_id == family.secondary_project_id,
            m.Event.action == "UPDATED"))
    assert moved_events is not None
    # reopened, the closed one follows the link's customer
    assert errors(await graphql(client, ADD, member, token=family.main["admin"].token), "projectMemberAdd") == []
    assert await customer_of(db, closed_secondary) == new_customer


async def test_a_folder_name_taken_under_the_new_customer_refuses_the_whole_change(db, client, family):
    new_customer = await add_customer(db, family.partner, "Nordlys internal AS")
    await add_project(db, family.partner, new_customer, "Dam inspection")  # the secondary's name
    async with db.transaction() as session:
        await session.execute(update(m.Customer).where(m.Customer.id == new_customer).values(
            storage_location=m.StorageLocation.SHAREPOINT))
    link = await partner_link_gid(db, family)

    data = await graphql(client, ATTACH, {"input": {"id": link, "customerId": gid("Customer", new_customer)}},
                         token=family.partner["admin"].token)

    assert errors(data, "partnerLinkAttachCustomer") == [("customerId", "DUPLICATE_PROJECT_NAME")]
    assert await customer_of(db, family.secondary_project_id) == family.partner_customer_id
    async with db.read() as session:
        attached = await session.scalar(select(m.PartnerLink.customer_id).where(
            m.PartnerLink.company_id == family.partner.id, m.PartnerLink.partner_company_id == family.main.id))
    assert attached == family.partner_customer_id
