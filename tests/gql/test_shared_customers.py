"""Shared customers (SPEC §2.6): matches in the other group companies, and creating a customer from one."""
from sqlalchemy import func, select, update

from domain import model as m
from gql.ids import decode_id
from tests.factories import add_person, company_with_staff, gid, graphql
from tests.partner_seeds import enable_partners, group_of_companies, link_both_ways

MATCHES = """
query Matches($companyId: ID!, $org: String, $name: String) {
  customerMatches(companyId: $companyId, organisationNumber: $org, name: $name) {
    customerId name status organisationNumber company { databaseName }
  }
}
"""

CREATE = """
mutation Create($input: CustomerCreateInput!) {
  customerCreate(input: $input) {
    customer { name organisationNumber status contacts { name email phone } company { databaseName } }
    userErrors { field message code }
  }
}
"""


async def add_shared_customer(db, company, name, organisation_number, *, status=m.CustomerStatus.ACTIVE, contacts=()):
    from domain.partners.numbering import allocate_number

    async with db.transaction() as session:
        customer = m.Customer(company_id=company.id, name=name, organisation_number=organisation_number, status=status,
                              number=await allocate_number(session, company.id, m.SeriesKind.CUSTOMER))
        session.add(customer)
        await session.flush()
        session.add_all(m.Contact(customer_id=customer.id, name=n, email=e, phone="+47 900 00 000") for n, e in contacts)
        return customer.id


async def matches(client, company, token=None, **terms):
    variables = {"companyId": company.gid, **terms}
    return (await graphql(client, MATCHES, variables, token=token or company["admin"].token))["customerMatches"]


async def sharing_group(db, *, acme_has_it: bool = True):
    """acme, birch and charlie sharing customers; birch and charlie know Fjordbyen kommune (and acme too, unless
    told not: one company has one customer per organisation number)."""
    (acme, birch, charlie), _ = await group_of_companies(db, ("acme", "birch", "charlie"), share_customers=True)
    await add_shared_customer(db, birch, "Fjordbyen kommune", "944 496 394", contacts=[("Bente Knutsen", "bente@fjordbyen.test")])
    await add_shared_customer(db, charlie, "FJORDBYEN KOMMUNE", "944496394", status=m.CustomerStatus.BLOCKED)
    if acme_has_it:
        await add_shared_customer(db, acme, "Fjordbyen kommune", "944496394")  # the asking company's own: not a match
    return acme, birch, charlie


async def test_an_admin_sees_matches_by_organisation_number_or_name_in_the_other_group_companies(db, client):
    acme, birch, charlie = await sharing_group(db)
    by_number = await matches(client, acme, org="944496394")
    assert [(m_["company"]["databaseName"], m_["name"], m_["status"]) for m_ in by_number] == [
        ("birch", "Fjordbyen kommune", "ACTIVE"), ("charlie", "FJORDBYEN KOMMUNE", "BLOCKED")]
    assert by_number[0]["organisationNumber"] == "944 496 394"
    assert await matches(client, acme, name="  fjordbyen   KOMMUNE ") == by_number
    assert await matches(client, acme, token=acme["leader"].token, org="944 496 394") == by_number
    assert await matches(client, acme, org="123456789") == []


async def test_employees_and_external_co_workers_are_told_about_no_match(db, client):
    acme, _, _ = await sharing_group(db)
    for role in ("employee", "external"):
        assert await matches(client, acme, token=acme[role].token, org="944496394") == []


async def test_with_sharing_off_in_either_company_nothing_is_shared(db, client):
    acme, birch, charlie = await sharing_group(db)
    async with db.transaction() as session:
        await session.execute(update(m.Company).where(m.Company.id == charlie.id).values(share_customers=False))
    assert [m_["company"]["databaseName"] for m_ in await matches(client, acme, org="944496394")] == ["birch"]
    async with db.transaction() as session:
        await session.execute(update(m.Company).where(m.Company.id == acme.id).values(share_customers=False))
    assert await matches(client, acme, org="944496394") == []


async def test_a_company_outside_the_group_sees_none_of_the_groups_customers(db, client):
    acme, birch, _ = await sharing_group(db)
    outsider = await company_with_staff(db, "outsider")
    await enable_partners(db, outsider, share_customers=True)
    await link_both_ways(db, outsider, birch)  # fully linked with birch, but never registered in the group
    assert await matches(client, outsider, org="944496394") == []
    # nor by naming a group company it is not in
    assert await matches(client, acme, token=outsider["admin"].token, org="944496394") == []


async def test_creating_a_customer_from_a_match_copies_the_organisation_number_and_contact_persons(db, client):
    # given acme's admin has found birch's Fjordbyen kommune
    acme, birch, _ = await sharing_group(db, acme_has_it=False)
    [match, _] = await matches(client, acme, org="944496394")

    # when they create the customer from the match, adding a contact of their own
    data = await graphql(client, CREATE, {"input": {
        "companyId": acme.gid, "name": "Fjordbyen kommune (skole)", "status": "POTENTIAL",
        "copyFromCustomerId": match["customerId"], "contacts": [{"name": "Ola Rektor"}],
    }}, token=acme["admin"].token)

    # then the organisation number and birch's contacts are copied into acme's new customer
    assert data["customerCreate"] == {"userErrors": [], "customer": {
        "name": "Fjordbyen kommune (skole)", "organisationNumber": "944 496 394", "status": "POTENTIAL",
        "company": {"databaseName": "acme"},
        "contacts": [{"name": "Bente Knutsen", "email": "bente@fjordbyen.test", "phone": "+47 900 00 000"},
                     {"name": "Ola Rektor", "email": None, "phone": None}],
    }}
    # and birch's customer keeps its own contact; acme's are copies
    async with db.read() as session:
        birchs = await session.scalar(select(func.count()).select_from(m.Contact).where(
            m.Contact.customer_id == decode_id(match["customerId"], "Customer", field="id")))
    assert birchs == 1


async def test_copying_from_a_customer_that_is_no_match_is_refused_and_nothing_is_written(db, client):
    acme, birch, _ = await sharing_group(db)
    outsider = await company_with_staff(db, "outsider")
    await add_person(db, outsider, "boss", m.Role.ADMIN)
    foreign = await add_shared_customer(db, outsider, "Fjordbyen kommune", "944496394")
    [match, _] = await matches(client, acme, org="944496394")
    async with db.read() as session:
        before = await session.scalar(select(func.count()).select_from(m.Customer))

    cases = [
        (acme["admin"].token, acme.gid, gid("Customer", foreign)),      # a customer outside the group
        (acme["employee"].token, acme.gid, match["customerId"]),          # an employee may not create customers
        (outsider["admin"].token, outsider.gid, match["customerId"]),     # outside the group
    ]
    results = []
    for token, company, source in cases:
        data = await graphql(client, CREATE, {"input": {"companyId": company, "name": "Copy", "copyFromCustomerId": source}},
                             token=token)
        results.append([(e["field"], e["code"]) for e in data["customerCreate"]["userErrors"]])
    assert results == [[("copyFromCustomerId", "NOT_FOUND")], [("companyId", "FORBIDDEN")],
                       [("copyFromCustomerId", "NOT_FOUND")]]
    async with db.read() as session:
        assert await session.scalar(select(func.count()).select_from(m.Customer)) == before


async def test_a_lookup_without_terms_is_refused_naming_the_field(db, client):
    acme, _, _ = await sharing_group(db)
    body = await graphql(client, MATCHES, {"companyId": acme.gid, "org": " "}, token=acme["admin"].token,
                         expect_errors=True)
    assert body["errors"][0]["extensions"] == {"code": "INVALID_INPUT", "field": "organisationNumber"}
