"""Company settings and the two-sided partner handshake through HTTP: add, confirm, attach, both ways."""
from sqlalchemy import func, select

from domain import model as m
from tests.factories import add_company, add_customer, add_person, company_with_staff, gid, graphql
from tests.partner_seeds import enable_partners, link_both_ways, link_one_way, register

SETTINGS_UPDATE = """
mutation Settings($input: CompanySettingsUpdateInput!) {
  companySettingsUpdate(input: $input) {
    company { settings { partnerCompaniesEnabled shareCustomers shareTasks numberSeries { kind policy } } }
    userErrors { field message code }
  }
}
"""

LINK_ADD = """
mutation Add($input: PartnerLinkAddInput!) {
  partnerLinkAdd(input: $input) {
    partnerLink { id confirmed customerAttached company { databaseName } partnerCompany { databaseName } addedBy { name } }
    userErrors { field message code }
  }
}
"""

LINK_CONFIRM = """
mutation Confirm($input: PartnerLinkConfirmInput!) {
  partnerLinkConfirm(input: $input) { partnerLink { id confirmed confirmedAt } userErrors { field message code } }
}
"""

LINK_ATTACH = """
mutation Attach($input: PartnerLinkAttachCustomerInput!) {
  partnerLinkAttachCustomer(input: $input) {
    partnerLink { id customerAttached customer { name } } userErrors { field message code }
  }
}
"""

LINK_REMOVE = """
mutation Remove($input: PartnerLinkRemoveInput!) {
  partnerLinkRemove(input: $input) { removedPartnerLinkId userErrors { field message code } }
}
"""

PARTNERS = """
query Partners($id: ID!) {
  node(id: $id) {
    ... on Company {
      partners {
        partnerCompany { databaseName name }
        outgoing { confirmed customerAttached customer { name } }
        incoming { confirmed customerAttached customer { name } }
        complete
        missingSteps { step companyDatabaseName partnerDatabaseName message }
      }
    }
  }
}
"""


def errors(data, name):
    return [(e["field"], e["code"]) for e in data[name]["userErrors"]]


async def partners_of(client, company, token=None):
    data = await graphql(client, PARTNERS, {"id": company.gid}, token=token or company["admin"].token)
    return data["node"]["partners"]


def steps(partner_state):
    return [(s["companyDatabaseName"], s["step"], s["partnerDatabaseName"]) for s in partner_state["missingSteps"]]


async def link_count(db) -> int:
    async with db.read() as session:
        return await session.scalar(select(func.count()).select_from(m.PartnerLink))


# --- settings -----------------------------------------------------------------------


async def test_a_standard_company_gets_pro_required_when_enabling_partner_companies(db, client):
    small = await add_company(db, "small", tier=m.Tier.STANDARD)
    await add_person(db, small, "admin", m.Role.ADMIN)
    data = await graphql(client, SETTINGS_UPDATE, {"input": {"companyId": small.gid, "partnerCompaniesEnabled": True}},
                         token=small["admin"].token)
    assert data["companySettingsUpdate"]["company"] is None
    assert data["companySettingsUpdate"]["userErrors"] == [{
        "field": "partnerCompaniesEnabled", "code": "PRO_REQUIRED",
        "message": "Partner companies is a PRO feature; this company is STANDARD.",
    }]


async def test_an_admin_enables_partner_companies_sharing_and_group_series(db, client):
    acme = await company_with_staff(db)
    data = await graphql(client, SETTINGS_UPDATE, {"input": {
        "companyId": acme.gid, "partnerCompaniesEnabled": True, "shareCustomers": True, "shareTasks": True,
        "projectNumberSeries": "GROUP",
    }}, token=acme["admin"].token)
    assert data["companySettingsUpdate"] == {"userErrors": [], "company": {"settings": {
        "partnerCompaniesEnabled": True, "shareCustomers": True, "shareTasks": True,
        "numberSeries": [{"kind": "CUSTOMER", "policy": "OWN"}, {"kind": "INVOICE", "policy": "OWN"},
                         {"kind": "PROJECT", "policy": "GROUP"}],
    }}}

    # Turning partner companies off again turns sharing off and both series back to OWN.
    data = await graphql(client, SETTINGS_UPDATE, {"input": {"companyId": acme.gid, "partnerCompaniesEnabled": False}},
                         token=acme["admin"].token)
    assert data["companySettingsUpdate"]["company"]["settings"] == {
        "partnerCompaniesEnabled": False, "shareCustomers": False, "shareTasks": False,
        "numberSeries": [{"kind": "CUSTOMER", "policy": "OWN"}, {"kind": "INVOICE", "policy": "OWN"},
                         {"kind": "PROJECT", "policy": "OWN"}],
    }


async def test_sharing_needs_partner_companies_on_and_nothing_is_half_written(db, client):
    acme = await company_with_staff(db)
    data = await graphql(client, SETTINGS_UPDATE, {"input": {
        "companyId": acme.gid, "shareTasks": True, "customerNumberSeries": "GROUP"}}, token=acme["admin"].token)
    assert errors(data, "companySettingsUpdate") == [("shareTasks", "PARTNER_COMPANIES_DISABLED")]
    async with db.read() as session:
        company = await session.get(m.Company, acme.id)
        policies = set(await session.scalars(select(m.NumberSeries.policy).where(m.NumberSeries.company_id == acme.id)))
    assert (company.share_tasks, policies) == (False, {m.SeriesPolicy.OWN})


async def test_only_admins_change_company_settings(db, client):
    acme = await company_with_staff(db)
    other = await company_with_staff(db, "other")
    data = await graphql(client, SETTINGS_UPDATE, {"input": {"companyId": acme.gid, "shareTasks": True}},
                         token=acme["leader"].token)
    assert errors(data, "companySettingsUpdate") == [("companyId", "FORBIDDEN")]
    data = await graphql(client, SETTINGS_UPDATE, {"input": {"companyId": acme.gid, "shareTasks": True}},
                         token=other["admin"].token)
    assert errors(data, "companySettingsUpdate") == [("companyId", "NOT_FOUND")]


async def test_partner_companies_cannot_be_turned_off_inside_a_group(db, client):
    acme, birch = await company_with_staff(db, "acme"), await company_with_staff(db, "birch")
    for company in (acme, birch):
        await enable_partners(db, company)
    await link_both_ways(db, acme, birch)
    await register(db, [acme, birch], acme)
    data = await graphql(client, SETTINGS_UPDATE, {"input": {"companyId": birch.gid, "partnerCompaniesEnabled": False}},
                         token=birch["admin"].token)
    assert errors(data, "companySettingsUpdate") == [("partnerCompaniesEnabled", "IN_PARTNER_GROUP")]


# --- the handshake -------------------------------------------------------------------


async def test_every_step_of_the_handshake_shows_on_both_sides_until_the_pair_is_complete(db, client):
    # given two PRO companies with partner companies on, each with a customer standing for the other
    acme, birch = await company_with_staff(db, "acme"), await company_with_staff(db, "birch")
    for company in (acme, birch):
        await enable_partners(db, company)
    birch_customer = gid("Customer", await add_customer(db, acme, "Birch AS"))
    acme_customer = gid("Customer", await add_customer(db, birch, "Acme AS"))
    assert await partners_of(client, acme) == []

    # when acme's admin adds birch by its databaseName
    data = await graphql(client, LINK_ADD, {"input": {"companyId": acme.gid, "partnerDatabaseName": "birch"}},
                         token=acme["admin"].token)
    link = data["partnerLinkAdd"]["partnerLink"]
    assert data["partnerLinkAdd"]["userErrors"] == []
    assert link | {"id": None} == {
        "id": None, "confirmed": False, "customerAttached": False, "company": {"databaseName": "acme"},
        "partnerCompany": {"databaseName": "birch"}, "addedBy": {"name": "Admin"},
    }
    # then acme sees its link as added, and everything else as missing, with messages naming both sides
    [state] = await partners_of(client, acme)
    assert state["partnerCompany"] == {"databaseName": "birch", "name": "Birch"}
    assert state["outgoing"] == {"confirmed": False, "customerAttached": False, "customer": None}
    assert state["incoming"] is None and state["complete"] is False
    assert steps(state) == [
        ("acme", "CONFIRM_PARTNER", "birch"), ("acme", "ATTACH_CUSTOMER", "birch"),
        ("birch", "ADD_PARTNER", "acme"), ("birch", "CONFIRM_PARTNER", "acme"), ("birch", "ATTACH_CUSTOMER", "acme"),
    ]
    assert state["missingSteps"][0]["message"] == "acme has not confirmed birch as a partner company."
    # and birch's admin sees what was added towards birch
    [seen_by_birch] = await partners_of(client, birch)
    assert seen_by_birch["partnerCompany"]["databaseName"] == "acme"
    assert seen_by_birch["outgoing"] is None
    assert seen_by_birch["incoming"] == {"confirmed": False, "customerAttached": False, "customer": None}
    assert steps(seen_by_birch)[:3] == [
        ("birch", "ADD_PARTNER", "acme"), ("birch", "CONFIRM_PARTNER", "acme"), ("birch", "ATTACH_CUSTOMER", "acme")]

    # when acme confirms and attaches its customer for birch
    data = await graphql(client, LINK_CONFIRM, {"input": {"id": link["id"]}}, token=acme["admin"].token)
    assert data["partnerLinkConfirm"]["partnerLink"]["confirmed"] is True
    data = await graphql(client, LINK_ATTACH, {"input": {"id": link["id"], "customerId": birch_customer}},
                         token=acme["admin"].token)
    assert data["partnerLinkAttachCustomer"]["partnerLink"] == {
        "id": link["id"], "customerAttached": True, "customer": {"name": "Birch AS"}}
    [state] = await partners_of(client, acme)
    assert steps(state) == [
        ("birch", "ADD_PARTNER", "acme"), ("birch", "CONFIRM_PARTNER", "acme"), ("birch", "ATTACH_CUSTOMER", "acme")]
    # birch sees acme's side as done, but not acme's customer (it is acme's)
    [seen_by_birch] = await partners_of(client, birch)
    assert seen_by_birch["incoming"] == {"confirmed": True, "customerAttached": True, "customer": None}

    # when birch does the same towards acme
    data = await graphql(client, LINK_ADD, {"input": {"companyId": birch.gid, "partnerDatabaseName": "acme"}},
                         token=birch["admin"].token)
    back = data["partnerLinkAdd"]["partnerLink"]["id"]
    await graphql(client, LINK_CONFIRM, {"input": {"id": back}}, token=birch["admin"].token)
    [state] = await partners_of(client, acme)
    assert steps(state) == [("birch", "ATTACH_CUSTOMER", "acme")] and state["complete"] is False
    await graphql(client, LINK_ATTACH, {"input": {"id": back, "customerId": acme_customer}}, token=birch["admin"].token)

    # then the pair is complete on both sides
    for company in (acme, birch):
        [state] = await partners_of(client, company)
        assert state["complete"] is True and state["missingSteps"] == []
        assert state["outgoing"]["confirmed"] and state["incoming"]["confirmed"]


async def test_a_partner_whose_settings_are_missing_shows_those_steps_too(db, client):
    acme = await company_with_staff(db, "acme")
    small = await add_company(db, "small", tier=m.Tier.STANDARD)
    await enable_partners(db, acme)
    await link_one_way(db, acme, small)
    [state] = await partners_of(client, acme)
    assert steps(state)[:2] == [("small", "UPGRADE_TO_PRO", None), ("small", "ENABLE_PARTNER_COMPANIES", None)]


async def test_adding_a_partner_needs_pro_and_partner_companies_on(db, client):
    acme = await company_with_staff(db, "acme")
    await company_with_staff(db, "birch")
    data = await graphql(client, LINK_ADD, {"input": {"companyId": acme.gid, "partnerDatabaseName": "birch"}},
                         token=acme["admin"].token)
    assert errors(data, "partnerLinkAdd") == [("companyId", "PARTNER_COMPANIES_DISABLED")]
    small = await add_company(db, "small", tier=m.Tier.STANDARD)
    await add_person(db, small, "admin", m.Role.ADMIN)
    data = await graphql(client, LINK_ADD, {"input": {"companyId": small.gid, "partnerDatabaseName": "birch"}},
                         token=small["admin"].token)
    assert errors(data, "partnerLinkAdd") == [("companyId", "PRO_REQUIRED")]
    assert await link_count(db) == 0


async def test_an_unknown_database_name_the_own_name_and_a_second_add_are_refused(db, client):
    acme = await company_with_staff(db, "acme")
    await company_with_staff(db, "birch")
    await enable_partners(db, acme)
    token = acme["admin"].token
    for name, expected in [("nobody", ("partnerDatabaseName", "NOT_FOUND")),
                           ("Not Valid!", ("partnerDatabaseName", "INVALID_INPUT")),
                           ("acme", ("partnerDatabaseName", "INVALID_INPUT"))]:
        data = await graphql(client, LINK_ADD, {"input": {"companyId": acme.gid, "partnerDatabaseName": name}}, token=token)
        assert errors(data, "partnerLinkAdd") == [expected], name
    await graphql(client, LINK_ADD, {"input": {"companyId": acme.gid, "partnerDatabaseName": "birch"}}, token=token)
    data = await graphql(client, LINK_ADD, {"input": {"companyId": acme.gid, "partnerDatabaseName": "birch"}}, token=token)
    assert errors(data, "partnerLinkAdd") == [("partnerDatabaseName", "DUPLICATE")]
    assert await link_count(db) == 1


async def test_only_the_company_that_made_a_link_confirms_it_or_attaches_its_customer(db, client):
    acme, birch = await company_with_staff(db, "acme"), await company_with_staff(db, "birch")
    for company in (acme, birch):
        await enable_partners(db, company)
    link = await link_one_way(db, acme, birch, confirm=False, attach=False)
    data = await graphql(client, LINK_CONFIRM, {"input": {"id": link.gid}}, token=birch["admin"].token)
    assert errors(data, "partnerLinkConfirm") == [("id", "FORBIDDEN")]
    # acme's project leader does not even see the link
    data = await graphql(client, LINK_CONFIRM, {"input": {"id": link.gid}}, token=acme["leader"].token)
    assert errors(data, "partnerLinkConfirm") == [("id", "NOT_FOUND")]
    # a customer of the partner cannot stand for the partner in acme
    birch_customer = gid("Customer", await add_customer(db, birch, "Acme AS"))
    data = await graphql(client, LINK_ATTACH, {"input": {"id": link.gid, "customerId": birch_customer}},
                         token=acme["admin"].token)
    assert errors(data, "partnerLinkAttachCustomer") == [("customerId", "NOT_FOUND")]
    async with db.read() as session:
        row = await session.get(m.PartnerLink, link.id)
    assert (row.confirmed_at, row.customer_id) == (None, None)


async def test_only_admins_see_partner_links(db, client):
    acme, birch = await company_with_staff(db, "acme"), await company_with_staff(db, "birch")
    for company in (acme, birch):
        await enable_partners(db, company)
    link = await link_one_way(db, acme, birch)
    assert await partners_of(client, acme, token=acme["leader"].token) == []
    for token in (acme["leader"].token, acme["employee"].token, birch["leader"].token):
        data = await graphql(client, "query($id: ID!) { node(id: $id) { id } }", {"id": link.gid}, token=token)
        assert data["node"] is None
    # the partner company is not visible to anyone but admins while the two are merely linking
    data = await graphql(client, "query($id: ID!) { node(id: $id) { id } }", {"id": birch.gid},
                         token=acme["leader"].token)
    assert data["node"] is None


async def test_a_link_can_be_withdrawn_but_not_while_both_companies_are_in_a_group(db, client):
    acme, birch = await company_with_staff(db, "acme"), await company_with_staff(db, "birch")
    for company in (acme, birch):
        await enable_partners(db, company)
    there, _ = await link_both_ways(db, acme, birch)
    await register(db, [acme, birch], acme)
    data = await graphql(client, LINK_REMOVE, {"input": {"id": there.gid}}, token=acme["admin"].token)
    assert errors(data, "partnerLinkRemove") == [("id", "IN_PARTNER_GROUP")]
    data = await graphql(client, LINK_ATTACH, {"input": {"id": there.gid, "customerId": None}},
                         token=acme["admin"].token)
    assert errors(data, "partnerLinkAttachCustomer") == [("customerId", "IN_PARTNER_GROUP")]

    leave = "mutation($id: ID!) { partnerGroupLeave(input: {companyId: $id}) { dissolved userErrors { code } } }"
    await graphql(client, leave, {"id": birch.gid}, token=birch["admin"].token)
    data = await graphql(client, LINK_REMOVE, {"input": {"id": there.gid}}, token=acme["admin"].token)
    assert data["partnerLinkRemove"] == {"removedPartnerLinkId": there.gid, "userErrors": []}
    assert await link_count(db) == 1
