"""DUPLICATE_PROJECT_NAME (SPEC §6) through HTTP: a customer that stores in SharePoint keeps one folder per
project name, compared as SharePoint compares them (sanitised, ignoring case)."""
import asyncio

from sqlalchemy import select, update

from domain import model as m
from tests.factories import add_customer, add_project, company_with_staff, gid, graphql
from tests.partner_fixtures import partner_hours_setup, shared_project_setup

CREATE = """
mutation Create($input: ProjectCreateInput!) {
  projectCreate(input: $input) { project { id name } userErrors { field message code } }
}
"""

UPDATE = """
mutation Update($input: ProjectUpdateInput!) {
  projectUpdate(input: $input) { project { id name storage customer { id } } userErrors { field message code } }
}
"""

CUSTOMER_UPDATE = """
mutation Update($input: CustomerUpdateInput!) {
  customerUpdate(input: $input) { customer { id storageLocation } userErrors { field message code } }
}
"""


async def _store_in_sharepoint(db, customer_id: int) -> None:
    async with db.transaction() as session:
        await session.execute(update(m.Customer).where(m.Customer.id == customer_id)
                              .values(storage_location=m.StorageLocation.SHAREPOINT))


async def _set_project(db, project_id: int, **values) -> None:
    async with db.transaction() as session:
        await session.execute(update(m.Project).where(m.Project.id == project_id).values(**values))


async def _names(db, customer_id: int) -> list[str]:
    async with db.read() as session:
        return list(await session.scalars(
            select(m.Project.name).where(m.Project.customer_id == customer_id).order_by(m.Project.id)))


async def _number(db, project_id: int) -> int:
    async with db.read() as session:
        return (await session.get(m.Project, project_id)).number


def _errors(payload) -> list[tuple[str, str]]:
    return [(e["field"], e["code"]) for e in payload["userErrors"]]


async def test_creating_a_project_named_like_another_of_a_sharepoint_customer_is_refused(db, client):
    acme = await company_with_staff(db)
    customer_id = await add_customer(db, acme)
    await _store_in_sharepoint(db, customer_id)
    existing = await add_project(db, acme, customer_id, "Dam: phase 1")

    data = await graphql(client, CREATE, {"input": {
        "companyId": acme.gid, "customerId": gid("Customer", customer_id), "name": "DAM_ PHASE 1"}},
        token=acme["admin"].token)

    payload = data["projectCreate"]
    assert payload["project"] is None
    assert _errors(payload) == [("name", "DUPLICATE_PROJECT_NAME")]
    assert str(await _number(db, existing)) in payload["userErrors"][0]["message"]
    assert await _names(db, customer_id) == ["Dam: phase 1"]


async def test_the_same_name_is_allowed_in_cloud_storage_and_for_another_customer(db, client):
    acme = await company_with_staff(db)
    cloud_customer, sharepoint_customer, other_customer = [
        await add_customer(db, acme, name) for name in ("Cloud AS", "Point AS", "Other AS")]
    await _store_in_sharepoint(db, sharepoint_customer)
    await _store_in_sharepoint(db, other_customer)
    await add_project(db, acme, cloud_customer, "Website")
    await add_project(db, acme, sharepoint_customer, "Website")

    for customer_id, storage in ((cloud_customer, "INHERIT"), (sharepoint_customer, "CLOUD"),
                                 (other_customer, "INHERIT")):
        data = await graphql(client, CREATE, {"input": {
            "companyId": acme.gid, "customerId": gid("Customer", customer_id), "name": "website",
            "storage": storage}}, token=acme["admin"].token)
        assert data["projectCreate"]["userErrors"] == [], customer_id


async def test_renaming_a_project_to_another_projects_folder_name_is_refused_and_changes_nothing(db, client):
    acme = await company_with_staff(db)
    customer_id = await add_customer(db, acme)
    await _store_in_sharepoint(db, customer_id)
    await add_project(db, acme, customer_id, "Website")
    app = await add_project(db, acme, customer_id, "App")

    refused = await graphql(client, UPDATE, {"input": {"id": gid("Project", app), "name": " website "}},
                            token=acme["admin"].token)
    assert _errors(refused["projectUpdate"]) == [("name", "DUPLICATE_PROJECT_NAME")]
    assert await _names(db, customer_id) == ["Website", "App"]

    recased = await graphql(client, UPDATE, {"input": {"id": gid("Project", app), "name": "APP"}},
                            token=acme["admin"].token)
    assert recased["projectUpdate"]["userErrors"] == []
    assert await _names(db, customer_id) == ["Website", "APP"]


async def test_moving_a_project_to_a_customer_with_its_name_in_sharepoint_is_refused(db, client):
    acme = await company_with_staff(db)
    old_customer, new_customer = await add_customer(db, acme, "Old AS"), await add_customer(db, acme, "New AS")
    await _store_in_sharepoint(db, new_customer)
    await add_project(db, acme, new_customer, "Website")
    moving = await add_project(db, acme, old_customer, "WEBSITE")

    data = await graphql(client, UPDATE, {"input": {
        "id": gid("Project", moving), "customerId": gid("Customer", new_customer)}}, token=acme["admin"].token)

    assert _errors(data["projectUpdate"]) == [("customerId", "DUPLICATE_PROJECT_NAME")]
    assert await _names(db, old_customer) == ["WEBSITE"]


async def test_setting_a_cloud_project_back_to_inherit_sharepoint_is_refused_when_its_name_is_taken(db, client):
    acme = await company_with_staff(db)
    customer_id = await add_customer(db, acme)
    await _store_in_sharepoint(db, customer_id)
    await add_project(db, acme, customer_id, "Website")
    in_cloud = await add_project(db, acme, customer_id, "website")
    await _set_project(db, in_cloud, storage=m.ProjectStorage.CLOUD)

    data = await graphql(client, UPDATE, {"input": {"id": gid("Project", in_cloud), "storage": "INHERIT"}},
                         token=acme["admin"].token)
    assert _errors(data["projectUpdate"]) == [("storage", "DUPLICATE_PROJECT_NAME")]

    renamed = await graphql(client, UPDATE, {"input": {
        "id": gid("Project", in_cloud), "storage": "INHERIT", "name": "Website 2"}}, token=acme["admin"].token)
    assert renamed["projectUpdate"]["userErrors"] == []
    assert renamed["projectUpdate"]["project"]["storage"] == "INHERIT"


async def test_switching_a_customer_to_sharepoint_is_refused_while_two_projects_share_a_folder_name(db, client):
    acme = await company_with_staff(db)
    customer_id = await add_customer(db, acme)
    first = await add_project(db, acme, customer_id, "Website")
    await add_project(db, acme, customer_id, "App")
    second = await add_project(db, acme, customer_id, "WEBSITE")
    customer = gid("Customer", customer_id)

    refused = await graphql(client, CUSTOMER_UPDATE, {"input": {"id": customer, "storageLocation": "SHAREPOINT"}},
                            token=acme["admin"].token)
    assert refused["customerUpdate"]["customer"] is None
    assert _errors(refused["customerUpdate"]) == [("storageLocation", "DUPLICATE_PROJECT_NAME")]
    message = refused["customerUpdate"]["userErrors"][0]["message"]
    assert str(await _number(db, first)) in message and str(await _number(db, second)) in message
    async with db.read() as session:
        assert (await session.get(m.Customer, customer_id)).storage_location == m.StorageLocation.CLOUD

    await _set_project(db, second, storage=m.ProjectStorage.CLOUD)
    switched = await graphql(client, CUSTOMER_UPDATE, {"input": {"id": customer, "storageLocation": "SHAREPOINT"}},
                             token=acme["admin"].token)
    assert switched["customerUpdate"]["userErrors"] == []
    assert switched["customerUpdate"]["customer"]["storageLocation"] == "SHAREPOINT"


async def test_a_main_projects_rename_is_refused_when_a_secondarys_customer_has_that_folder_name(db, client):
    shared = await partner_hours_setup(db)
    await _store_in_sharepoint(db, shared.partner_customer_id)
    taken = await add_project(db, shared.partner, shared.partner_customer_id, "Pipeline")

    data = await graphql(client, UPDATE, {"input": {"id": shared.main_gid, "name": "pipeline"}},
                         token=shared.main["admin"].token)

    payload = data["projectUpdate"]
    assert _errors(payload) == [("name", "DUPLICATE_PROJECT_NAME")]
    assert str(await _number(db, taken)) in payload["userErrors"][0]["message"]
    async with db.read() as session:
        names = [(await session.get(m.Project, pk)).name
                 for pk in (shared.main_project_id, shared.secondary_project_id)]
    assert names == ["Dam inspection", "Dam inspection"]

    allowed = await graphql(client, UPDATE, {"input": {"id": shared.main_gid, "name": "Pipeline 2"}},
                            token=shared.main["admin"].token)
    assert allowed["projectUpdate"]["userErrors"] == []
    assert "Pipeline 2" in await _names(db, shared.partner_customer_id)


async def test_two_concurrent_creates_with_one_name_do_not_both_pass(db, client):
    acme = await company_with_staff(db)
    customer_id = await add_customer(db, acme)
    await _store_in_sharepoint(db, customer_id)
    variables = {"input": {"companyId": acme.gid, "customerId": gid("Customer", customer_id), "name": "Website"}}

    for round_ in range(5):
        variables["input"]["name"] = f"Website {round_}"
        results = await asyncio.gather(*(
            graphql(client, CREATE, variables, token=acme[who].token) for who in ("admin", "leader")))
        codes = sorted(_errors(r["projectCreate"]) for r in results)
        assert codes == [[], [("name", "DUPLICATE_PROJECT_NAME")]], round_
    assert len(await _names(db, customer_id)) == 5


MEMBER_ADD = """
mutation Add($input: ProjectMemberAddInput!) {
  projectMemberAdd(input: $input) { project { id } userErrors { field message code } }
}
"""


async def test_adding_an_external_co_worker_is_refused_when_their_secondary_projects_folder_name_is_taken(db, client):
    shared = await shared_project_setup(db)
    await _store_in_sharepoint(db, shared.partner_customer_id)
    taken = await add_project(db, shared.partner, shared.partner_customer_id, "DAM INSPECTION")
    variables = {"input": {"projectId": shared.main_gid, "coWorkerId": shared.guest.gid}}

    data = await graphql(client, MEMBER_ADD, variables, token=shared.main["admin"].token)

    payload = data["projectMemberAdd"]
    assert _errors(payload) == [("coWorkerId", "DUPLICATE_PROJECT_NAME")]
    assert str(await _number(db, taken)) in payload["userErrors"][0]["message"]
    assert await _names(db, shared.partner_customer_id) == ["DAM INSPECTION"]

    await _set_project(db, taken, name="Dam inspection (old)")
    added = await graphql(client, MEMBER_ADD, variables, token=shared.main["admin"].token)
    assert added["projectMemberAdd"]["userErrors"] == []
    assert await _names(db, shared.partner_customer_id) == ["Dam inspection (old)", "Dam inspection"]


async def test_a_create_racing_the_customers_switch_to_sharepoint_does_not_leave_two_folders_of_one_name(db, client):
    acme = await company_with_staff(db)
    for round_ in range(5):
        customer_id = await add_customer(db, acme, f"Racing {round_} AS")
        await add_project(db, acme, customer_id, "Website")
        customer = gid("Customer", customer_id)

        switch, create = await asyncio.gather(
            graphql(client, CUSTOMER_UPDATE, {"input": {"id": customer, "storageLocation": "SHAREPOINT"}},
                    token=acme["admin"].token),
            graphql(client, CREATE, {"input": {"companyId": acme.gid, "customerId": customer, "name": "WEBSITE"}},
                    token=acme["leader"].token))

        outcomes = (_errors(switch["customerUpdate"]), _errors(create["projectCreate"]))
        assert outcomes in (([], [("name", "DUPLICATE_PROJECT_NAME")]),
                            ([("storageLocation", "DUPLICATE_PROJECT_NAME")], [])), round_
