"""Registering, reading and leaving partner groups through HTTP."""
from sqlalchemy import func, select

from domain import model as m
from tests.factories import add_company, add_customer, add_project, company_with_staff, gid, graphql
from tests.partner_seeds import (
    enable_partners, group_of_companies, link_both_ways, link_one_way, operator_token, set_series_policy,
)

REGISTER = """
mutation Register($input: PartnerGroupRegisterInput!) {
  partnerGroupRegister(input: $input) {
    partnerGroup { id name mainCompany { databaseName } members { databaseName isMain } }
    missingSteps { step companyDatabaseName partnerDatabaseName company { id } }
    userErrors { field message code }
  }
}
"""

LEAVE = """
mutation Leave($input: PartnerGroupLeaveInput!) {
  partnerGroupLeave(input: $input) {
    company { databaseName partnerGroup { id } } leftPartnerGroupId dissolved userErrors { field message code }
  }
}
"""

GROUP_OF_COMPANY = """
query Group($id: ID!) {
  node(id: $id) {
    ... on Company {
      partnerGroup {
        id name dissolvedAt mainCompany { databaseName }
        members {
          databaseName name isMain leftAt company { id }
          settings { partnerCompaniesEnabled shareCustomers shareTasks numberSeries { kind policy } }
        }
      }
    }
  }
}
"""

GROUPS = """
query Groups($former: Boolean!) {
  partnerGroups(first: 10) {
    totalCount
    nodes { id name mainCompany { id } members(includeFormer: $former) { databaseName isMain leftAt company { id } settings { partnerCompaniesEnabled } } }
  }
}
"""


def errors(data, name):
    return [(e["field"], e["code"]) for e in data[name]["userErrors"]]


async def group_count(db) -> int:
    async with db.read() as session:
        return await session.scalar(select(func.count()).select_from(m.PartnerGroup))


async def ready_companies(db, *names):
    companies = [await company_with_staff(db, name) for name in names]
    for company in companies:
        await enable_partners(db, company)
    return companies


async def test_only_an_operator_registers_a_group(db, client):
    acme, birch = await ready_companies(db, "acme", "birch")
    await link_both_ways(db, acme, birch)
    data = await graphql(client, REGISTER, {"input": {"companyIds": [acme.gid, birch.gid], "mainCompanyId": acme.gid}},
                         token=acme["admin"].token)
    assert errors(data, "partnerGroupRegister") == [(None, "FORBIDDEN")]
    assert await group_count(db) == 0


async def test_registering_an_incomplete_group_lists_every_missing_step_and_writes_nothing(db, client):
    # given three companies: acme and birch linked both ways; acme→charlie added but unconfirmed without
    # customer; charlie has done nothing; birch and charlie nothing towards each other; charlie is STANDARD
    acme, birch = await ready_companies(db, "acme", "birch")
    charlie = await add_company(db, "charlie", tier=m.Tier.STANDARD)
    await link_both_ways(db, acme, birch)
    await link_one_way(db, acme, charlie, confirm=False, attach=False)
    token = await operator_token(db)

    # when the operator registers the three
    data = await graphql(client, REGISTER, {"input": {
        "companyIds": [acme.gid, birch.gid, charlie.gid], "mainCompanyId": acme.gid, "name": "Nordic"}}, token=token)

    # then one userError per missing step names the company (by its index), the partner and what is missing
    payload = data["partnerGroupRegister"]
    assert payload["partnerGroup"] is None
    assert [(e["field"], e["code"], e["message"]) for e in payload["userErrors"]] == [
        ("companyIds.2", "PRO_REQUIRED", "charlie is a STANDARD company: partner companies need PRO."),
        ("companyIds.2", "PARTNER_COMPANIES_DISABLED", "charlie has not enabled partner companies in its settings."),
        ("companyIds.0", "PARTNER_NOT_CONFIRMED", "acme has not confirmed charlie as a partner company."),
        ("companyIds.0", "PARTNER_CUSTOMER_NOT_ATTACHED", "acme has not attached the customer that represents charlie."),
        ("companyIds.2", "PARTNER_NOT_ADDED", "charlie has not added acme as a partner company."),
        ("companyIds.2", "PARTNER_NOT_CONFIRMED", "charlie has not confirmed acme as a partner company."),
        ("companyIds.2", "PARTNER_CUSTOMER_NOT_ATTACHED", "charlie has not attached the customer that represents acme."),
        ("companyIds.1", "PARTNER_NOT_ADDED", "birch has not added charlie as a partner company."),
        ("companyIds.1", "PARTNER_NOT_CONFIRMED", "birch has not confirmed charlie as a partner company."),
        ("companyIds.1", "PARTNER_CUSTOMER_NOT_ATTACHED", "birch has not attached the customer that represents charlie."),
        ("companyIds.2", "PARTNER_NOT_ADDED", "charlie has not added birch as a partner company."),
        ("companyIds.2", "PARTNER_NOT_CONFIRMED", "charlie has not confirmed birch as a partner company."),
        ("companyIds.2", "PARTNER_CUSTOMER_NOT_ATTACHED", "charlie has not attached the customer that represents birch."),
    ]
    # and the same steps come structured, for a front end to show as a checklist
    assert [(s["step"], s["companyDatabaseName"], s["partnerDatabaseName"]) for s in payload["missingSteps"]][:3] == [
        ("UPGRADE_TO_PRO", "charlie", None), ("ENABLE_PARTNER_COMPANIES", "charlie", None),
        ("CONFIRM_PARTNER", "acme", "charlie"),
    ]
    assert payload["missingSteps"][0]["company"] is None  # the operator sees no company as a node
    assert await group_count(db) == 0


async def test_bad_group_input_is_refused_naming_the_field(db, client):
    acme, birch = await ready_companies(db, "acme", "birch")
    token = await operator_token(db)
    cases = [
        ({"companyIds": [acme.gid], "mainCompanyId": acme.gid}, [("companyIds", "INVALID_INPUT")]),
        ({"companyIds": [acme.gid, acme.gid], "mainCompanyId": acme.gid},
         [("companyIds.1", "INVALID_INPUT"), ("companyIds", "INVALID_INPUT")]),
        ({"companyIds": [acme.gid, birch.gid], "mainCompanyId": gid("Company", 999)}, [("mainCompanyId", "INVALID_INPUT")]),
        ({"companyIds": [acme.gid, gid("Company", 999)], "mainCompanyId": acme.gid}, [("companyIds.1", "NOT_FOUND")]),
        ({"companyIds": [acme.gid, "nonsense"], "mainCompanyId": acme.gid}, [("companyIds.1", "INVALID_INPUT")]),
    ]
    for group_input, expected in cases:
        data = await graphql(client, REGISTER, {"input": group_input}, token=token)
        assert errors(data, "partnerGroupRegister") == expected, group_input
    assert await group_count(db) == 0


async def test_a_registered_group_is_queryable_with_its_members_main_company_and_settings(db, client):
    # given three companies linked pair by pair
    acme, birch, charlie = await ready_companies(db, "acme", "birch", "charlie")
    for a, b in ((acme, birch), (acme, charlie), (birch, charlie)):
        await link_both_ways(db, a, b)
    await set_series_policy(db, birch, m.SeriesKind.PROJECT, m.SeriesPolicy.GROUP)
    token = await operator_token(db)

    # when the operator registers them with birch as the main company
    data = await graphql(client, REGISTER, {"input": {
        "companyIds": [acme.gid, birch.gid, charlie.gid], "mainCompanyId": birch.gid}}, token=token)
    payload = data["partnerGroupRegister"]
    assert payload["userErrors"] == [] and payload["missingSteps"] == []
    assert payload["partnerGroup"]["name"] == "Birch group"
    assert payload["partnerGroup"]["mainCompany"] is None  # an operator sees no company node...
    assert payload["partnerGroup"]["members"] == [  # ...but who is in the group
        {"databaseName": "acme", "isMain": False}, {"databaseName": "birch", "isMain": True},
        {"databaseName": "charlie", "isMain": False},
    ]

    # then an employee of any member sees the group, its main company and each member's settings
    data = await graphql(client, GROUP_OF_COMPANY, {"id": charlie.gid}, token=charlie["employee"].token)
    group = data["node"]["partnerGroup"]
    assert group["id"] == payload["partnerGroup"]["id"]
    assert group["mainCompany"] == {"databaseName": "birch"} and group["dissolvedAt"] is None
    assert [(mb["databaseName"], mb["isMain"], mb["company"]) for mb in group["members"]] == [
        ("acme", False, {"id": acme.gid}), ("birch", True, {"id": birch.gid}), ("charlie", False, {"id": charlie.gid})]
    assert group["members"][1]["settings"] == {
        "partnerCompaniesEnabled": True, "shareCustomers": False, "shareTasks": False,
        "numberSeries": [{"kind": "CUSTOMER", "policy": "OWN"}, {"kind": "INVOICE", "policy": "OWN"},
                         {"kind": "PROJECT", "policy": "GROUP"}],
    }
    # while their own company list stays theirs: partner companies are reached through the group
    data = await graphql(client, "{ companies { nodes { databaseName } } }", token=charlie["employee"].token)
    assert data["companies"]["nodes"] == [{"databaseName": "charlie"}]
    # and the group by its id, through node and through the federation entity resolver
    data = await graphql(client, "query($id: ID!) { node(id: $id) { ... on PartnerGroup { name } } }",
                         {"id": group["id"]}, token=acme["employee"].token)
    assert data["node"] == {"name": "Birch group"}
    entities = await graphql(client, """query($r: [_Any!]!) { _entities(representations: $r) {
        ... on PartnerGroup { id members { databaseName } } } }""",
                             {"r": [{"__typename": "PartnerGroup", "id": group["id"]}]}, token=acme["admin"].token)
    assert len(entities["_entities"][0]["members"]) == 3
    # and the operator lists it with the members' settings
    data = await graphql(client, GROUPS, {"former": False}, token=token)
    assert data["partnerGroups"]["totalCount"] == 1
    assert data["partnerGroups"]["nodes"][0]["members"][0]["settings"] == {"partnerCompaniesEnabled": True}


async def test_a_company_in_a_group_cannot_be_registered_in_another(db, client):
    (acme, birch), _ = await group_of_companies(db, ("acme", "birch"))
    (charlie,) = await ready_companies(db, "charlie")
    await link_both_ways(db, birch, charlie)
    data = await graphql(client, REGISTER, {"input": {"companyIds": [charlie.gid, birch.gid], "mainCompanyId": charlie.gid}},
                         token=await operator_token(db))
    assert [(e["field"], e["code"], e["message"]) for e in data["partnerGroupRegister"]["userErrors"]] == [
        ("companyIds.1", "IN_PARTNER_GROUP", "birch is already in another partner group; it must leave that group first.")]
    assert await group_count(db) == 1


async def test_a_company_leaves_the_group_and_nothing_already_shared_is_deleted(db, client):
    # given a group of three where charlie draws project numbers from the group series and has a project
    (acme, birch, charlie), group_id = await group_of_companies(db, ("acme", "birch", "charlie"))
    await set_series_policy(db, charlie, m.SeriesKind.PROJECT, m.SeriesPolicy.GROUP)
    project = await add_project(db, charlie, await add_customer(db, charlie))
    async with db.read() as session:
        links_before = await session.scalar(select(func.count()).select_from(m.PartnerLink))

    # when charlie's admin leaves (charlie is not the main company)
    data = await graphql(client, LEAVE, {"input": {"companyId": charlie.gid}}, token=charlie["admin"].token)

    # then charlie is out, the group goes on with acme and birch, and nothing was deleted
    assert data["partnerGroupLeave"] == {
        "company": {"databaseName": "charlie", "partnerGroup": None}, "dissolved": False,
        "leftPartnerGroupId": gid("PartnerGroup", group_id), "userErrors": []}
    data = await graphql(client, GROUP_OF_COMPANY, {"id": acme.gid}, token=acme["employee"].token)
    assert [mb["databaseName"] for mb in data["node"]["partnerGroup"]["members"]] == ["acme", "birch"]
    former = await graphql(client, GROUPS, {"former": True}, token=acme["employee"].token)
    left = former["partnerGroups"]["nodes"][0]["members"][2]
    assert left["databaseName"] == "charlie" and left["leftAt"] is not None
    async with db.read() as session:
        assert await session.scalar(select(func.count()).select_from(m.PartnerLink)) == links_before
        assert await session.get(m.Project, project) is not None
        policy = await session.scalar(select(m.NumberSeries.policy).where(
            m.NumberSeries.company_id == charlie.id, m.NumberSeries.kind == m.SeriesKind.PROJECT))
    assert policy == m.SeriesPolicy.OWN  # outside a group a company draws from its own series
    # and charlie no longer sees the group or its companies
    data = await graphql(client, "query($id: ID!) { node(id: $id) { id } }", {"id": acme.gid},
                         token=charlie["employee"].token)
    assert data["node"] is None
    # leaving twice is refused
    data = await graphql(client, LEAVE, {"input": {"companyId": charlie.gid}}, token=charlie["admin"].token)
    assert errors(data, "partnerGroupLeave") == [("companyId", "NOT_IN_PARTNER_GROUP")]


async def test_when_the_main_company_leaves_the_group_is_dissolved(db, client):
    (acme, birch, charlie), _ = await group_of_companies(db, ("acme", "birch", "charlie"))
    data = await graphql(client, LEAVE, {"input": {"companyId": acme.gid}}, token=birch["admin"].token)
    assert errors(data, "partnerGroupLeave") == [("companyId", "NOT_FOUND")]  # birch's admin is no admin of acme
    data = await graphql(client, LEAVE, {"input": {"companyId": acme.gid}}, token=acme["leader"].token)
    assert errors(data, "partnerGroupLeave") == [("companyId", "FORBIDDEN")]

    data = await graphql(client, LEAVE, {"input": {"companyId": acme.gid}}, token=acme["admin"].token)
    assert data["partnerGroupLeave"]["dissolved"] is True
    for company in (birch, charlie):
        data = await graphql(client, GROUP_OF_COMPANY, {"id": company.gid}, token=company["admin"].token)
        assert data["node"]["partnerGroup"] is None
    groups = await graphql(client, GROUPS, {"former": True}, token=await operator_token(db))
    assert all(mb["leftAt"] is not None for mb in groups["partnerGroups"]["nodes"][0]["members"])
    # the companies may form a new group: their links are still there
    data = await graphql(client, REGISTER, {"input": {"companyIds": [birch.gid, charlie.gid], "mainCompanyId": birch.gid}},
                         token=await operator_token(db))
    assert data["partnerGroupRegister"]["userErrors"] == []


async def test_a_company_outside_the_group_sees_none_of_the_groups_companies_or_the_group(db, client):
    (acme, birch), group_id = await group_of_companies(db, ("acme", "birch"))
    outsider = await company_with_staff(db, "outsider")
    await enable_partners(db, outsider)
    await link_one_way(db, outsider, acme)  # a one-sided link shares nothing
    data = await graphql(client, GROUPS, {"former": True}, token=outsider["admin"].token)
    assert data["partnerGroups"] == {"totalCount": 0, "nodes": []}
    data = await graphql(client, "query($ids: [ID!]!) { nodes(ids: $ids) { id } }",
                         {"ids": [gid("PartnerGroup", group_id), birch.gid]}, token=outsider["admin"].token)
    assert data["nodes"] == [None, None]
    data = await graphql(client, GROUP_OF_COMPANY, {"id": acme.gid}, token=outsider["employee"].token)
    assert data["node"] is None
