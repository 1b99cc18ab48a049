"""What each role reads (SPEC §1): members see their projects and own hours, externals no contacts or rates,
leaders the hours of projects they lead, admins all of the company; operators and strangers nothing inside."""
import datetime as dt
from dataclasses import dataclass

import pytest
from sqlalchemy import update

from domain import model as m
from domain.access.tokens import create_token, revoke_token
from tests.factories import (
    SeededCompany, add_customer, add_file, add_project, add_time_records, company_with_staff, gid, graphql,
)

PROJECTS = """
query Projects {
  projects { totalCount edges { node { id name hourlyRate leader { name } } } }
}
"""

TIME_RECORDS = """
query TimeRecords {
  timeRecords { totalCount edges { node { id coWorker { name } } } }
}
"""

CUSTOMER_WITH_CONTACTS = """
query CustomerWithContacts($id: ID!) {
  node(id: $id) { ... on Customer { name contacts { id name email } } }
}
"""

RATES = """
query Rates($project: ID!) {
  node(id: $project) {
    ... on Project {
      hourlyRate fixedPrice
      members { edges { node { hourlyRate coWorker { name hourlyRate hourlyCost } } } }
    }
  }
  coWorkers { edges { node { name hourlyRate hourlyCost } } }
}
"""

PROJECT_HOURS = """
query ProjectHours($project: ID!) {
  node(id: $project) { ... on Project { timeRecords { totalCount edges { node { id } } } } }
}
"""

TIMESHEET = """
query Timesheet($coWorker: ID!) {
  node(id: $coWorker) { ... on CoWorker { name timeRecords { totalCount edges { node { id } } } } }
}
"""

NODES = """
query Nodes($ids: [ID!]!) { nodes(ids: $ids) { id } }
"""

EVERYTHING = """
query Everything {
  viewer { email name isOperator coWorkers { id } }
  companies { edges { node { id name } } }
  coWorkers { edges { node { id } } }
  customers { edges { node { id } } }
  projects { edges { node { id } } }
  timeRecords { edges { node { id } } }
}
"""


@dataclass
class Office:
    """acme with two projects: Website (led by the leader; employee and external are members) and Intranet
    (the colleague is its member). Hours: employee 2 and external 1 on Website; colleague 2 and leader 1 on Intranet."""

    acme: SeededCompany
    customer: str
    website: str
    intranet: str
    hours: dict[str, list[str]]
    customer_file: str
    website_file: str

    def token(self, role: str) -> str:
        return self.acme[role].token


@pytest.fixture
async def office(db) -> Office:
    acme = await company_with_staff(db)
    customer_id = await add_customer(db, acme)
    website = await add_project(db, acme, customer_id, "Website", leader=acme["leader"],
                                members=[acme["employee"], acme["external"]])
    intranet = await add_project(db, acme, customer_id, "Intranet", members=[acme["colleague"]])
    hours = {
        "employee": await add_time_records(db, acme, website, acme["employee"], count=2),
        "external": await add_time_records(db, acme, website, acme["external"], count=1),
        "colleague": await add_time_records(db, acme, intranet, acme["colleague"], count=2),
        "leader": await add_time_records(db, acme, intranet, acme["leader"], count=1),
    }
    return Office(
        acme, gid("Customer", customer_id), gid("Project", website), gid("Project", intranet),
        {who: [gid("TimeRecord", r) for r in records] for who, records in hours.items()},
        gid("File", await add_file(db, acme, customer_id=customer_id)),
        gid("File", await add_file(db, acme, "plan.pdf", project_id=website)),
    )


def project_names(data) -> list[str]:
    return sorted(e["node"]["name"] for e in data["projects"]["edges"])


def record_ids(connection) -> set[str]:
    return {e["node"]["id"] for e in connection["edges"]}


@pytest.mark.parametrize("role", ["employee", "external"])
async def test_an_employee_or_external_sees_only_projects_they_are_members_of(db, client, office, role):
    data = await graphql(client, PROJECTS, token=office.token(role))
    assert project_names(data) == ["Website"]
    assert data["projects"]["totalCount"] == 1
    assert (await graphql(client, NODES, {"ids": [office.intranet]}, token=office.token(role)))["nodes"] == [None]


@pytest.mark.parametrize("role", ["admin", "leader"])
async def test_admins_and_project_leaders_see_every_project_of_the_company(db, client, office, role):
    data = await graphql(client, PROJECTS, token=office.token(role))
    assert project_names(data) == ["Intranet", "Website"]


@pytest.mark.parametrize("role", ["employee", "external", "colleague"])
async def test_an_employee_or_external_sees_only_their_own_time_records(db, client, office, role):
    # given hours of several co-workers, some on the same project as this one's
    token = office.token(role)

    # when they read the hours list, the project's hours, and a colleague's records by id
    listed = await graphql(client, TIME_RECORDS, token=token)
    others = [r for who, records in office.hours.items() if who != role for r in records]
    by_id = await graphql(client, NODES, {"ids": others}, token=token)

    # then only their own records appear
    assert record_ids(listed["timeRecords"]) == set(office.hours[role])
    assert listed["timeRecords"]["totalCount"] == len(office.hours[role])
    assert by_id["nodes"] == [None] * len(others)


async def test_a_member_sees_only_their_own_hours_on_a_shared_project(db, client, office):
    data = await graphql(client, PROJECT_HOURS, {"project": office.website}, token=office.token("external"))
    assert record_ids(data["node"]["timeRecords"]) == set(office.hours["external"])
    assert data["node"]["timeRecords"]["totalCount"] == 1


async def test_an_external_co_worker_sees_no_other_co_workers_hours_in_their_timesheet(db, client, office):
    # given the employee and the external work on the same project
    acme = office.acme

    # when the external opens the employee's timesheet, and their own
    others = await graphql(client, TIMESHEET, {"coWorker": acme["employee"].gid}, token=office.token("external"))
    own = await graphql(client, TIMESHEET, {"coWorker": acme["external"].gid}, token=office.token("external"))

    # then the employee's is empty and their own is full
    assert others["node"]["timeRecords"] == {"totalCount": 0, "edges": []}
    assert record_ids(own["node"]["timeRecords"]) == set(office.hours["external"])


async def test_a_project_leader_sees_the_hours_of_projects_they_lead_and_their_own(db, client, office):
    data = await graphql(client, TIME_RECORDS, token=office.token("leader"))
    expected = office.hours["employee"] + office.hours["external"] + office.hours["leader"]
    assert record_ids(data["timeRecords"]) == set(expected)  # not the colleague's hours on Intranet


async def test_an_admin_sees_all_hours_of_the_company(db, client, office):
    data = await graphql(client, TIME_RECORDS, token=office.token("admin"))
    assert record_ids(data["timeRecords"]) == {r for records in office.hours.values() for r in records}


async def test_an_external_co_worker_sees_a_customer_without_its_contacts(db, client, office):
    external = await graphql(client, CUSTOMER_WITH_CONTACTS, {"id": office.customer}, token=office.token("external"))
    employee = await graphql(client, CUSTOMER_WITH_CONTACTS, {"id": office.customer}, token=office.token("employee"))
    assert external["node"] == {"name": "Fjordkraft AS", "contacts": []}
    assert [c["name"] for c in employee["node"]["contacts"]] == ["Kari Nordmann"]


async def test_a_contact_is_a_node_an_external_co_worker_cannot_fetch(db, client, office):
    employee = await graphql(client, CUSTOMER_WITH_CONTACTS, {"id": office.customer}, token=office.token("employee"))
    contact_id = employee["node"]["contacts"][0]["id"]
    assert (await graphql(client, NODES, {"ids": [contact_id]}, token=office.token("employee")))["nodes"] == [
        {"id": contact_id}
    ]
    assert (await graphql(client, NODES, {"ids": [contact_id]}, token=office.token("external")))["nodes"] == [None]


@pytest.mark.parametrize("role", ["external", "employee"])
async def test_rates_and_costs_are_null_for_externals_and_employees(db, client, office, role):
    data = await graphql(client, RATES, {"project": office.website}, token=office.token(role))
    project = data["node"]
    assert project["hourlyRate"] is None and project["fixedPrice"] is None
    members = [e["node"] for e in project["members"]["edges"]]
    assert len(members) == 2
    assert all(m["hourlyRate"] is None and m["coWorker"]["hourlyRate"] is None and m["coWorker"]["hourlyCost"] is None
               for m in members)
    assert all(e["node"]["hourlyRate"] is None and e["node"]["hourlyCost"] is None for e in data["coWorkers"]["edges"])


@pytest.mark.parametrize("role", ["admin", "leader"])
async def test_admins_and_project_leaders_see_rates_and_costs(db, client, office, role):
    data = await graphql(client, RATES, {"project": office.website}, token=office.token(role))
    assert data["node"]["hourlyRate"] == "1500.00"
    assert {e["node"]["coWorker"]["hourlyCost"] for e in data["node"]["members"]["edges"]} == {"700.00"}


async def test_an_external_co_worker_sees_only_themself_and_their_projects_members(db, client, office):
    data = await graphql(client, RATES, {"project": office.website}, token=office.token("external"))
    assert sorted(e["node"]["name"] for e in data["coWorkers"]["edges"]) == ["Employee", "External"]
    projects = await graphql(client, PROJECTS, token=office.token("external"))
    assert projects["projects"]["edges"][0]["node"]["leader"] is None  # the leader is not a member: hidden


@pytest.mark.parametrize("role", ["employee", "external"])
async def test_members_see_their_projects_files_but_not_the_customers_own_files(db, client, office, role):
    data = await graphql(client, NODES, {"ids": [office.website_file, office.customer_file]}, token=office.token(role))
    assert data["nodes"] == [{"id": office.website_file}, None]


async def test_an_admin_sees_the_customers_own_files(db, client, office):
    data = await graphql(client, NODES, {"ids": [office.website_file, office.customer_file]}, token=office.token("admin"))
    assert data["nodes"] == [{"id": office.website_file}, {"id": office.customer_file}]


async def test_an_operator_sees_the_company_list_but_nothing_inside_a_company(db, client, office):
    # given an operator (vendor support) with no co-worker record anywhere
    token, _ = await create_token(db, db.settings, email="support@vendor.test", operator=True)

    # when they read everything and ask for the company's objects by id
    data = await graphql(client, EVERYTHING, token=token)
    by_id = await graphql(client, NODES, {"ids": [office.acme.gid, office.website, office.customer]}, token=token)

    # then they see the company in the list, and nothing else
    assert data["viewer"]["isOperator"] is True and data["viewer"]["coWorkers"] == []
    assert [e["node"]["name"] for e in data["companies"]["edges"]] == ["Acme"]
    assert all(data[name]["edges"] == [] for name in ("coWorkers", "customers", "projects", "timeRecords"))
    assert by_id["nodes"] == [None, None, None]


async def test_a_request_without_a_token_is_told_to_sign_in_and_sees_nothing(db, client, office):
    ids = [office.acme.gid, office.website, office.hours["employee"][0]]
    for query, variables in ((EVERYTHING, None), (NODES, {"ids": ids})):
        response = await client.post("/graphql", json={"query": query, "variables": variables})
        assert response.status_code == 401
        assert "data" not in response.json()
        assert [e["extensions"]["code"] for e in response.json()["errors"]] == ["UNAUTHENTICATED"]


async def unauthorised_status(client, token: str):
    response = await client.post("/graphql", json={"query": EVERYTHING}, headers={"Authorization": f"Bearer {token}"})
    return response.status_code, response.json(), response.headers.get("www-authenticate")


async def test_an_unknown_token_gets_http_401(db, client, office):
    status, body, challenge = await unauthorised_status(client, "pgt_not-a-token-we-issued")
    assert status == 401
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert challenge.startswith("Bearer")


async def test_a_revoked_token_gets_http_401(db, client, office):
    # given a token that worked
    token, row = await create_token(db, db.settings, email=office.acme["admin"].email)
    assert (await graphql(client, PROJECTS, token=token))["projects"]["totalCount"] == 2

    # when it is revoked
    await revoke_token(db, row.id)

    # then it is refused before any GraphQL runs
    assert (await unauthorised_status(client, token))[0] == 401


async def test_an_expired_token_gets_http_401(db, client, office):
    token, row = await create_token(db, db.settings, email=office.acme["admin"].email)
    async with db.transaction() as session:
        await session.execute(
            update(m.ApiToken).where(m.ApiToken.id == row.id)
            .values(expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1))
        )
    assert (await unauthorised_status(client, token))[0] == 401


@pytest.mark.parametrize("role", ["employee", "external"])
async def test_an_employee_or_external_named_leader_still_sees_only_their_own_hours(db, client, office, role):
    # given the project's leader field names an employee or external co-worker
    async with db.transaction() as session:
        await session.execute(
            update(m.Project).where(m.Project.name == "Website").values(leader_id=office.acme[role].co_worker_id)
        )

    # when they read the hours
    data = await graphql(client, TIME_RECORDS, token=office.token(role))

    # then the leader field gives them no sight of the others' hours
    assert record_ids(data["timeRecords"]) == set(office.hours[role])


async def test_a_deactivated_co_worker_sees_nothing_of_the_company(db, client, office):
    # given the employee has been deactivated
    async with db.transaction() as session:
        await session.execute(
            update(m.CoWorker).where(m.CoWorker.id == office.acme["employee"].co_worker_id).values(active=False)
        )

    # when they read everything with their still-valid token
    data = await graphql(client, EVERYTHING, token=office.token("employee"))

    # then they are signed in, but see nothing
    assert data["viewer"]["email"] == office.acme["employee"].email
    assert all(data[name]["edges"] == [] for name in ("companies", "coWorkers", "customers", "projects", "timeRecords"))


FILES = """
query Files($customer: ID!, $project: ID!) {
  customer: node(id: $customer) { ... on Customer { files { totalCount edges { node { id customer { id } } } } } }
  project: node(id: $project) {
    ... on Project { files { totalCount edges { node { id name project { id } uploadedBy { name } } } } }
  }
}
"""


async def test_a_customers_files_are_listed_for_admins_and_a_projects_for_its_members(db, client, office):
    # given a file on the customer and one on the Website project
    variables = {"customer": office.customer, "project": office.website}

    # when the admin and a member list them
    admin = await graphql(client, FILES, variables, token=office.token("admin"))
    employee = await graphql(client, FILES, variables, token=office.token("employee"))

    # then the admin gets both, the member only the project's
    assert [e["node"]["id"] for e in admin["customer"]["files"]["edges"]] == [office.customer_file]
    assert admin["project"]["files"]["edges"][0]["node"]["project"] == {"id": office.website}
    assert employee["customer"]["files"] == {"totalCount": 0, "edges": []}
    assert [e["node"]["name"] for e in employee["project"]["files"]["edges"]] == ["plan.pdf"]
