"""The top-level lists' filters, as a front end uses them."""
import datetime as dt

import pytest
from sqlalchemy import select, update

from domain import model as m
from tests.factories import (
    add_company, add_customer, add_person, add_project, add_time_records, company_with_staff, gid, graphql,
)

CO_WORKERS = """
query CoWorkers($role: Role, $active: Boolean, $external: Boolean, $search: String) {
  coWorkers(role: $role, active: $active, external: $external, search: $search) {
    totalCount edges { node { name isExternal homeCompany { name } } }
  }
}
"""

CUSTOMERS = """
query Customers($status: CustomerStatus, $search: String) {
  customers(status: $status, search: $search) { totalCount edges { node { name } } }
}
"""

PROJECTS = """
query Projects($customerId: ID, $status: ProjectStatus, $leaderId: ID, $memberId: ID, $search: String) {
  projects(customerId: $customerId, status: $status, leaderId: $leaderId, memberId: $memberId, search: $search) {
    totalCount edges { node { name } }
  }
}
"""

TIME_RECORDS = """
query TimeRecords($projectId: ID, $activityId: ID, $coWorkerId: ID, $dateFrom: Date, $dateTo: Date, $status: HourStatus) {
  timeRecords(projectId: $projectId, activityId: $activityId, coWorkerId: $coWorkerId, dateFrom: $dateFrom,
              dateTo: $dateTo, status: $status) {
    totalCount edges { node { date coWorker { name } project { name } } }
  }
}
"""


@pytest.fixture
async def acme(db):
    """acme's staff, a partner's consultant working in acme, a deactivated co-worker; two customers; two projects
    (Website: leader leads, employee is member; Intranet: colleague is member) with hours in March."""
    acme = await company_with_staff(db)
    partner = await add_company(db, "partner")
    await add_person(db, acme, "consultant", m.Role.EXTERNAL, home=partner)
    await add_person(db, acme, "former", m.Role.EMPLOYEE)
    async with db.transaction() as session:
        await session.execute(update(m.CoWorker).where(m.CoWorker.id == acme["former"].co_worker_id).values(active=False))
    fjord = await add_customer(db, acme, "Fjordkraft AS")
    bergen = await add_customer(db, acme, "Bergen Bygg AS")
    async with db.transaction() as session:
        await session.execute(update(m.Customer).where(m.Customer.id == bergen).values(
            status=m.CustomerStatus.POTENTIAL, organisation_number="912345678"))
    website = await add_project(db, acme, fjord, "Website", leader=acme["leader"], members=[acme["employee"]])
    intranet = await add_project(db, acme, bergen, "Intranet", members=[acme["colleague"]])
    async with db.transaction() as session:
        await session.execute(update(m.Project).where(m.Project.id == intranet).values(status=m.ProjectStatus.CLOSED))
    await add_time_records(db, acme, website, acme["employee"], count=3, start=dt.date(2026, 3, 2))
    approved = await add_time_records(db, acme, intranet, acme["colleague"], count=2, start=dt.date(2026, 3, 4))
    async with db.transaction() as session:
        await session.execute(update(m.TimeRecord).where(m.TimeRecord.id == approved[0]).values(
            status=m.HourStatus.APPROVED))
        second_activity = await session.scalar(
            select(m.Activity.id).where(m.Activity.project_id == website).order_by(m.Activity.id.desc()).limit(1))
    acme.ids = {"fjord": fjord, "bergen": bergen, "website": website, "intranet": intranet,
                "second_activity": second_activity}
    return acme


def names(connection) -> list[str]:
    return [e["node"]["name"] for e in connection["edges"]]


@pytest.mark.parametrize(("variables", "expected"), [
    ({}, ["Admin", "Leader", "Employee", "Colleague", "External", "Consultant", "Former"]),
    ({"role": "EXTERNAL"}, ["External", "Consultant"]),
    ({"external": True}, ["Consultant"]),
    ({"active": False}, ["Former"]),
    ({"search": "  COLL "}, ["Colleague"]),
    ({"search": "@partner.test"}, ["Consultant"]),
    ({"search": "%"}, []),
])
async def test_co_workers_are_filtered_by_role_home_company_activity_and_name_or_email(db, client, acme, variables, expected):
    data = await graphql(client, CO_WORKERS, variables, token=acme["admin"].token)
    assert names(data["coWorkers"]) == expected
    assert data["coWorkers"]["totalCount"] == len(expected)


async def test_an_external_co_worker_shows_their_home_company_only_to_those_who_can_see_it(db, client, acme):
    data = await graphql(client, CO_WORKERS, {"external": True}, token=acme["admin"].token)
    assert data["coWorkers"]["edges"][0]["node"]["isExternal"] is True
    assert data["coWorkers"]["edges"][0]["node"]["homeCompany"] is None  # acme's admin is no co-worker of the partner


@pytest.mark.parametrize(("variables", "expected"), [
    ({}, ["Fjordkraft AS", "Bergen Bygg AS"]),
    ({"status": "POTENTIAL"}, ["Bergen Bygg AS"]),
    ({"search": "fjord"}, ["Fjordkraft AS"]),
    ({"search": "912345678"}, ["Bergen Bygg AS"]),
])
async def test_customers_are_filtered_by_status_and_name_or_organisation_number(db, client, acme, variables, expected):
    data = await graphql(client, CUSTOMERS, variables, token=acme["admin"].token)
    assert names(data["customers"]) == expected


@pytest.mark.parametrize(("variables", "expected"), [
    ({}, ["Website", "Intranet"]),
    ({"customerId": "fjord"}, ["Website"]),
    ({"status": "CLOSED"}, ["Intranet"]),
    ({"leaderId": "leader"}, ["Website"]),
    ({"memberId": "colleague"}, ["Intranet"]),
    ({"search": "NET"}, ["Intranet"]),
])
async def test_projects_are_filtered_by_customer_status_leader_member_and_name(db, client, acme, variables, expected):
    ids = {"fjord": gid("Customer", acme.ids["fjord"]), "leader": acme["leader"].gid, "colleague": acme["colleague"].gid}
    variables = {k: ids.get(v, v) for k, v in variables.items()}
    data = await graphql(client, PROJECTS, variables, token=acme["admin"].token)
    assert names(data["projects"]) == expected


@pytest.mark.parametrize(("variables", "expected"), [
    ({}, ["2026-03-05", "2026-03-04", "2026-03-04", "2026-03-03", "2026-03-02"]),
    ({"projectId": "intranet"}, ["2026-03-05", "2026-03-04"]),
    ({"coWorkerId": "employee"}, ["2026-03-04", "2026-03-03", "2026-03-02"]),
    ({"dateFrom": "2026-03-03", "dateTo": "2026-03-04"}, ["2026-03-04", "2026-03-04", "2026-03-03"]),
    ({"status": "APPROVED"}, ["2026-03-04"]),
    ({"activityId": "second_activity"}, []),
])
async def test_time_records_are_filtered_by_project_activity_co_worker_period_and_status(db, client, acme, variables, expected):
    ids = {"intranet": gid("Project", acme.ids["intranet"]), "employee": acme["employee"].gid,
           "second_activity": gid("Activity", acme.ids["second_activity"])}
    variables = {k: ids.get(v, v) for k, v in variables.items()}
    data = await graphql(client, TIME_RECORDS, variables, token=acme["admin"].token)
    assert [e["node"]["date"] for e in data["timeRecords"]["edges"]] == expected
    assert data["timeRecords"]["totalCount"] == len(expected)
