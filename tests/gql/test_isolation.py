"""Tenant isolation (SPEC §1): nothing of company B reaches a user of company A, by any road into the graph."""
from dataclasses import dataclass

import pytest
from sqlalchemy import select

from domain import model as m
from tests.factories import (
    SeededCompany, add_customer, add_file, add_person, add_project, add_time_records, company_with_staff, gid, graphql,
)

LISTS = """
query Lists($companyId: ID) {
  companies { edges { node { id } } }
  coWorkers(companyId: $companyId) { totalCount edges { node { id } } }
  customers(companyId: $companyId) { totalCount edges { node { id } } }
  projects(companyId: $companyId) { totalCount edges { node { id } } }
  timeRecords(companyId: $companyId) { totalCount edges { node { id } } }
}
"""

NODE = """
query Node($id: ID!) { node(id: $id) { id } }
"""

NODES = """
query Nodes($ids: [ID!]!) { nodes(ids: $ids) { id } }
"""

ENTITIES = """
query Entities($representations: [_Any!]!) {
  _entities(representations: $representations) {
    ... on Company { id name }
    ... on CoWorker { id name }
    ... on Customer { id name }
    ... on Project { id name }
    ... on Activity { id name }
    ... on Milestone { id name }
    ... on TimeRecord { id hours }
    ... on File { id name }
  }
}
"""

PROJECTS_FILTERED_BY_ANOTHER_COMPANYS_IDS = """
query Filtered($customerId: ID, $memberId: ID) {
  projects(customerId: $customerId, memberId: $memberId) { edges { node { id } } }
  timeRecords(coWorkerId: $memberId) { edges { node { id } } }
}
"""


@dataclass
class TwoCompanies:
    acme: SeededCompany
    birch: SeededCompany
    birch_ids: dict[str, list[str]]  # type name -> global ids of birch's objects

    @property
    def all_birch_ids(self) -> list[str]:
        return [i for ids in self.birch_ids.values() for i in ids]


async def seed_company(db, name: str) -> tuple[SeededCompany, dict[str, list[str]]]:
    company = await company_with_staff(db, name)
    customer_id = await add_customer(db, company)
    project_id = await add_project(
        db, company, customer_id, leader=company["leader"], members=[company["employee"], company["external"]]
    )
    records = await add_time_records(db, company, project_id, company["employee"], count=2)
    files = [
        await add_file(db, company, customer_id=customer_id),
        await add_file(db, company, project_id=project_id, uploaded_by=company["employee"]),
    ]
    async with db.read() as session:
        activities = list(await session.scalars(select(m.Activity.id).where(m.Activity.project_id == project_id)))
        milestones = list(await session.scalars(select(m.Milestone.id).where(m.Milestone.project_id == project_id)))
        contacts = list(await session.scalars(select(m.Contact.id).where(m.Contact.customer_id == customer_id)))
    ids = {
        "Company": [company.gid],
        "CoWorker": [p.gid for p in company.people.values()],
        "Customer": [gid("Customer", customer_id)],
        "Contact": [gid("Contact", c) for c in contacts],
        "Project": [gid("Project", project_id)],
        "Activity": [gid("Activity", a) for a in activities],
        "Milestone": [gid("Milestone", ms) for ms in milestones],
        "TimeRecord": [gid("TimeRecord", r) for r in records],
        "File": [gid("File", f) for f in files],
    }
    return company, ids


@pytest.fixture
async def two_companies(db) -> TwoCompanies:
    """acme and birch, each with staff, a customer with a contact, a project with hours, and files."""
    acme, _ = await seed_company(db, "acme")
    birch, birch_ids = await seed_company(db, "birch")
    return TwoCompanies(acme, birch, birch_ids)


ROLES = ["admin", "leader", "employee", "external"]


def ids_in(data: dict) -> set[str]:
    """Every `id` anywhere in a response."""
    found: set[str] = set()

    def walk(value):
        if isinstance(value, dict):
            for key, item in value.items():
                if key == "id" and isinstance(item, str):
                    found.add(item)
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(data)
    return found


@pytest.mark.parametrize("role", ROLES)
async def test_no_list_shows_anything_of_another_company(db, client, two_companies, role):
    # given a co-worker of acme
    token = two_companies.acme[role].token

    # when they read every list, unfiltered and filtered to birch
    unfiltered = await graphql(client, LISTS, token=token)
    filtered = await graphql(client, LISTS, {"companyId": two_companies.birch.gid}, token=token)

    # then not one of birch's objects appears, and the lists filtered to birch are empty
    assert ids_in(unfiltered).isdisjoint(two_companies.all_birch_ids)
    assert [e["node"]["id"] for e in unfiltered["companies"]["edges"]] == [two_companies.acme.gid]
    assert all(filtered[name]["edges"] == [] and filtered[name]["totalCount"] == 0
               for name in ("coWorkers", "customers", "projects", "timeRecords"))


@pytest.mark.parametrize("role", ROLES)
async def test_another_companys_objects_are_null_by_node_and_nodes(db, client, two_companies, role):
    # given a co-worker of acme and the ids of everything birch has
    token = two_companies.acme[role].token

    # when they ask for each by node, and for all at once by nodes
    singles = [await graphql(client, NODE, {"id": i}, token=token) for i in two_companies.all_birch_ids]
    many = await graphql(client, NODES, {"ids": two_companies.all_birch_ids}, token=token)

    # then each is null, as if it did not exist
    assert all(single["node"] is None for single in singles)
    assert many["nodes"] == [None] * len(two_companies.all_birch_ids)


@pytest.mark.parametrize("role", ROLES)
async def test_another_companys_entities_resolve_to_null_for_a_gateway(db, client, two_companies, role):
    # given a co-worker of acme, and representations of birch's entities
    token = two_companies.acme[role].token
    representations = [
        {"__typename": type_name, "id": i}
        for type_name, ids in two_companies.birch_ids.items() if type_name != "Contact" for i in ids
    ]

    # when a gateway resolves them on acme's co-worker's behalf
    data = await graphql(client, ENTITIES, {"representations": representations}, token=token)

    # then every one is null
    assert data["_entities"] == [None] * len(representations)


async def test_filtering_by_another_companys_ids_finds_nothing(db, client, two_companies):
    # given acme's admin and the ids of birch's customer and employee
    birch = two_companies.birch
    filters = {"customerId": two_companies.birch_ids["Customer"][0], "memberId": birch["employee"].gid}

    # when the admin filters projects and hours by them
    data = await graphql(client, PROJECTS_FILTERED_BY_ANOTHER_COMPANYS_IDS, filters, token=two_companies.acme["admin"].token)

    # then nothing comes back
    assert data == {"projects": {"edges": []}, "timeRecords": {"edges": []}}


async def test_a_token_for_one_company_sees_nothing_of_the_users_other_company(db, client, two_companies):
    # given a user who is an admin in acme and an employee in birch, signed in with a token for acme
    acme, birch = two_companies.acme, two_companies.birch
    person = await add_person(db, acme, "consultant", m.Role.ADMIN)
    await add_person(db, birch, "consultant", m.Role.ADMIN, email=person.email)

    # when they read the lists and ask for birch's objects by id
    lists = await graphql(client, LISTS, token=person.token)
    many = await graphql(client, NODES, {"ids": two_companies.all_birch_ids}, token=person.token)

    # then birch stays invisible through that token
    assert ids_in(lists).isdisjoint(two_companies.all_birch_ids)
    assert many["nodes"] == [None] * len(two_companies.all_birch_ids)


async def test_the_same_objects_are_visible_to_their_own_companys_admin(db, client, two_companies):
    # given birch's admin (so the isolation above is not simply an empty graph)
    token = two_companies.birch["admin"].token

    # when they ask for birch's objects by id
    many = await graphql(client, NODES, {"ids": two_companies.all_birch_ids}, token=token)

    # then every one is found
    assert [node and node["id"] for node in many["nodes"]] == two_companies.all_birch_ids
