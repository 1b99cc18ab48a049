"""customerCreate and customerUpdate through HTTP."""
from domain.model import Role
from tests.factories import company_with_staff, graphql

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
