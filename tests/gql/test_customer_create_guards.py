"""customerCreate lists the group's matching customers when sharing is on (customerMatches' rule), and one company
never has two customers with one organisation number (DUPLICATE on organisationNumber); issue 19 item 5d."""
import asyncio

from sqlalchemy import func, select

from domain import model as m
from tests.factories import add_customer, company_with_staff, gid, graphql
from tests.gql.test_shared_customers import add_shared_customer, matches, sharing_group
from tests.partner_seeds import group_of_companies

CREATE = """
mutation Create($input: CustomerCreateInput!) {
  customerCreate(input: $input) {
    customer { name organisationNumber }
    matches { name organisationNumber company { databaseName } }
    userErrors { field message code }
  }
}
"""
UPDATE = """
mutation Update($input: CustomerUpdateInput!) {
  customerUpdate(input: $input) { customer { organisationNumber } userErrors { field message code } }
}
"""


async def customers_named(db, company_id: int, name: str) -> int:
    async with db.read() as session:
        return await session.scalar(select(func.count()).select_from(m.Customer).where(
            m.Customer.company_id == company_id, m.Customer.name == name))


async def test_creating_a_customer_lists_the_groups_matches_when_sharing_is_on(db, client):
    (acme, birch), _ = await group_of_companies(db, ("acme", "birch"), share_customers=True)
    await add_shared_customer(db, birch, "Fjordbyen kommune", "944 496 394")
    data = await graphql(client, CREATE, {"input": {"companyId": acme.gid, "name": "Fjordbyen Kommune",
                                                    "organisationNumber": "944496394"}}, token=acme["admin"].token)
    payload = data["customerCreate"]
    assert payload["userErrors"] == [] and payload["customer"]["name"] == "Fjordbyen Kommune"
    assert payload["matches"] == [{"name": "Fjordbyen kommune", "organisationNumber": "944 496 394",
                                   "company": {"databaseName": "birch"}}]


async def test_without_sharing_or_as_an_employee_the_payload_lists_no_match(db, client):
    (acme, birch), _ = await group_of_companies(db, ("acme", "birch"))
    await add_shared_customer(db, birch, "Fjordbyen kommune", "944496394")
    data = await graphql(client, CREATE, {"input": {"companyId": acme.gid, "name": "Fjordbyen kommune"}},
                         token=acme["admin"].token)
    assert data["customerCreate"]["userErrors"] == [] and data["customerCreate"]["matches"] == []


async def test_a_second_customer_with_the_same_organisation_number_in_one_company_is_refused(db, client):
    acme = await company_with_staff(db)
    first = await graphql(client, CREATE, {"input": {"companyId": acme.gid, "name": "Fjordbyen kommune",
                                                     "organisationNumber": "944 496 394"}}, token=acme["admin"].token)
    assert first["customerCreate"]["userErrors"] == []
    second = await graphql(client, CREATE, {"input": {"companyId": acme.gid, "name": "Fjordbyen (old)",
                                                      "organisationNumber": "944496394"}}, token=acme["admin"].token)
    assert [(e["field"], e["code"]) for e in second["customerCreate"]["userErrors"]] == [
        ("organisationNumber", "DUPLICATE")]
    assert "Fjordbyen kommune" in second["customerCreate"]["userErrors"][0]["message"]
    assert await customers_named(db, acme.id, "Fjordbyen (old)") == 0


async def test_another_companys_customer_may_have_the_same_organisation_number(db, client):
    acme, other = await company_with_staff(db), await company_with_staff(db, "other")
    await add_shared_customer(db, other, "Fjordbyen kommune", "944496394")
    data = await graphql(client, CREATE, {"input": {"companyId": acme.gid, "name": "Fjordbyen kommune",
                                                    "organisationNumber": "944496394"}}, token=acme["admin"].token)
    assert data["customerCreate"]["userErrors"] == []


async def test_changing_a_customers_organisation_number_to_one_taken_in_the_company_is_refused(db, client):
    acme = await company_with_staff(db)
    await add_shared_customer(db, acme, "Fjordbyen kommune", "944496394")
    other = await add_customer(db, acme, "Havbruk AS")
    refused = await graphql(client, UPDATE, {"input": {"id": gid("Customer", other), "organisationNumber": "944 496 394"}},
                            token=acme["admin"].token)
    assert [(e["field"], e["code"]) for e in refused["customerUpdate"]["userErrors"]] == [
        ("organisationNumber", "DUPLICATE")]
    kept = await graphql(client, UPDATE, {"input": {"id": gid("Customer", other), "organisationNumber": "123456789"}},
                         token=acme["admin"].token)
    assert kept["customerUpdate"]["userErrors"] == []


async def test_copying_a_match_whose_organisation_number_the_company_already_has_is_refused(db, client):
    acme, _, _ = await sharing_group(db)  # acme has its own Fjordbyen kommune already
    [match, _] = await matches(client, acme, org="944496394")
    data = await graphql(client, CREATE, {"input": {"companyId": acme.gid, "name": "Fjordbyen kommune (skole)",
                                                    "copyFromCustomerId": match["customerId"]}},
                         token=acme["admin"].token)
    assert [(e["field"], e["code"]) for e in data["customerCreate"]["userErrors"]] == [
        ("organisationNumber", "DUPLICATE")]


async def test_two_creates_with_one_organisation_number_at_once_keep_one(db, client):
    acme = await company_with_staff(db)

    async def create(name):
        return await graphql(client, CREATE, {"input": {"companyId": acme.gid, "name": name,
                                                        "organisationNumber": "944496394"}}, token=acme["admin"].token)

    results = await asyncio.gather(*(create(f"Fjordbyen {n}") for n in range(4)))
    codes = sorted(tuple(e["code"] for e in r["customerCreate"]["userErrors"]) for r in results)
    assert codes == [(), ("DUPLICATE",), ("DUPLICATE",), ("DUPLICATE",)]
    async with db.read() as session:
        assert await session.scalar(select(func.count()).select_from(m.Customer).where(
            m.Customer.company_id == acme.id)) == 1
