"""customerCreate and customerUpdate through HTTP."""
from domain.model import Role
from tests.factories import add_customer, add_project, company_with_staff, gid, graphql

CREATE = """
mutation Create($input: CustomerCreateInput!) {
  customerCreate(input: $input) {
    customer { id number name organisationNumber contacts { name email } }
    userErrors { field message code }
  }
}
"""


async def test_an_admin_creates_a_customer_with_the_next_number_and_its_contacts(db, client):
    acme = await company_with_staff(db)
    data = await graphql(client, CREATE, {"input": {
        "companyId": acme.gid, "name": "  Fjordkraft AS ", "organisationNumber": "987654321",
        "contacts": [{"name": "Kari Nordmann", "email": "Kari@Fjord.test"}],
    }}, token=acme["admin"].token)
    payload = data["customerCreate"]
    assert payload["userErrors"] == []
    assert payload["customer"]["name"] == "Fjordkraft AS"
    assert payload["customer"]["number"] == 10000
    assert payload["customer"]["contacts"] == [{"name": "Kari Nordmann", "email": "kari@fjord.test"}]


async def test_an_employee_may_not_create_customers(db, client):
    acme = await company_with_staff(db)
    data = await graphql(client, CREATE, {"input": {"companyId": acme.gid, "name": "X"}}, token=acme["employee"].token)
    assert data["customerCreate"]["customer"] is None
    assert data["customerCreate"]["userErrors"][0]["code"] == "FORBIDDEN"
    assert acme["employee"].role == Role.EMPLOYEE


async def test_a_blank_name_is_refused_naming_the_field(db, client):
    acme = await company_with_staff(db)
    data = await graphql(client, CREATE, {"input": {"companyId": acme.gid, "name": "   "}}, token=acme["admin"].token)
    assert data["customerCreate"]["userErrors"] == [
        {"field": "name", "message": "A name is required.", "code": "INVALID_INPUT"}
    ]


UPDATE = """
mutation Update($input: CustomerUpdateInput!) {
  customerUpdate(input: $input) { customer { id name status } userErrors { field message code } }
}
"""


async def test_a_company_the_user_is_not_in_looks_missing(db, client):
    acme = await company_with_staff(db)
    other = await company_with_staff(db, "other")
    data = await graphql(client, CREATE, {"input": {"companyId": other.gid, "name": "X"}}, token=acme["admin"].token)
    assert [(e["field"], e["code"]) for e in data["customerCreate"]["userErrors"]] == [("companyId", "NOT_FOUND")]


async def test_an_admin_of_another_company_cannot_change_a_customer(db, client):
    acme = await company_with_staff(db)
    other = await company_with_staff(db, "other")
    customer = gid("Customer", await add_customer(db, acme))
    data = await graphql(client, UPDATE, {"input": {"id": customer, "name": "Mine now"}}, token=other["admin"].token)
    assert data["customerUpdate"] == {"customer": None, "userErrors": [
        {"field": "id", "message": "No such customer.", "code": "NOT_FOUND"}]}


async def test_a_member_sees_the_customer_of_their_project_but_may_not_change_it(db, client):
    acme = await company_with_staff(db)
    customer_id = await add_customer(db, acme)
    await add_project(db, acme, customer_id, members=[acme["employee"]])
    customer = gid("Customer", customer_id)
    data = await graphql(client, UPDATE, {"input": {"id": customer, "name": "X"}}, token=acme["employee"].token)
    assert [(e["field"], e["code"]) for e in data["customerUpdate"]["userErrors"]] == [("id", "FORBIDDEN")]
    data = await graphql(client, UPDATE, {"input": {"id": customer, "name": "X"}}, token=acme["colleague"].token)
    assert [(e["field"], e["code"]) for e in data["customerUpdate"]["userErrors"]] == [("id", "NOT_FOUND")]


async def test_an_update_changes_only_what_is_given_and_a_required_field_cannot_be_nulled(db, client):
    acme = await company_with_staff(db)
    customer = gid("Customer", await add_customer(db, acme))
    data = await graphql(client, UPDATE, {"input": {"id": customer, "status": "BLOCKED"}}, token=acme["admin"].token)
    assert data["customerUpdate"]["customer"] == {"id": customer, "name": "Fjordkraft AS", "status": "BLOCKED"}
    data = await graphql(client, UPDATE, {"input": {"id": customer, "status": None}}, token=acme["admin"].token)
    assert [(e["field"], e["code"]) for e in data["customerUpdate"]["userErrors"]] == [("status", "INVALID_INPUT")]
