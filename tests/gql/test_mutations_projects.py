"""projectCreate and projectUpdate through HTTP."""
from sqlalchemy import func, select

from domain import model as m
from tests.factories import add_customer, add_project, company_with_staff, gid, graphql

CREATE = """
mutation Create($input: ProjectCreateInput!) {
  projectCreate(input: $input) {
    project { id number name status priceModel hourlyRate fixedPrice startDate endDate leader { id } customer { id } }
    userErrors { field message code }
  }
}
"""

UPDATE = """
mutation Update($input: ProjectUpdateInput!) {
  projectUpdate(input: $input) {
    project { id name status priceModel fixedPrice startDate endDate leader { id } customer { id } }
    userErrors { field message code }
  }
}
"""


async def _count_projects(db) -> int:
    async with db.read() as session:
        return await session.scalar(select(func.count(m.Project.id)))


async def test_an_admin_creates_a_project_numbered_from_the_company_series(db, client):
    acme = await company_with_staff(db)
    customer = gid("Customer", await add_customer(db, acme))
    data = await graphql(client, CREATE, {"input": {
        "companyId": acme.gid, "customerId": customer, "name": " Website ", "leaderId": acme["leader"].gid,
        "startDate": "2026-01-01", "endDate": "2026-12-31", "hourlyRate": "1450.50",
    }}, token=acme["admin"].token)
    payload = data["projectCreate"]
    assert payload["userErrors"] == []
    project = payload["project"]
    assert (project["number"], project["name"], project["status"]) == (1000, "Website", "ACTIVE")
    assert project["leader"]["id"] == acme["leader"].gid
    assert project["customer"]["id"] == customer
    assert project["hourlyRate"] == "1450.50"

    second = await graphql(client, CREATE, {"input": {"companyId": acme.gid, "customerId": customer, "name": "App"}},
                           token=acme["admin"].token)
    assert second["projectCreate"]["project"]["number"] == 1001
    assert second["projectCreate"]["project"]["leader"] is None


async def test_a_project_leader_who_names_no_leader_leads_the_new_project(db, client):
    acme = await company_with_staff(db)
    customer = gid("Customer", await add_customer(db, acme))
    data = await graphql(client, CREATE, {"input": {"companyId": acme.gid, "customerId": customer, "name": "Mine"}},
                         token=acme["leader"].token)
    assert data["projectCreate"]["project"]["leader"]["id"] == acme["leader"].gid


async def test_employees_and_externals_may_not_create_projects(db, client):
    acme = await company_with_staff(db)
    customer = gid("Customer", await add_customer(db, acme))
    for who in ("employee", "external"):
        data = await graphql(client, CREATE, {"input": {"companyId": acme.gid, "customerId": customer, "name": "X"}},
                             token=acme[who].token)
        assert data["projectCreate"]["project"] is None
        assert data["projectCreate"]["userErrors"] == [
            {"field": "companyId", "message": "You are not allowed to do this in that company.", "code": "FORBIDDEN"}
        ]
    assert await _count_projects(db) == 0


async def test_the_leader_must_be_an_active_admin_or_project_leader_of_the_company(db, client):
    acme = await company_with_staff(db)
    other = await company_with_staff(db, "other")
    customer = gid("Customer", await add_customer(db, acme))
    cases = {
        acme["employee"].gid: "INVALID_INPUT",
        other["leader"].gid: "NOT_FOUND",
        "not-an-id": "INVALID_INPUT",
        acme.gid: "NOT_FOUND",  # a Company id where a CoWorker id belongs
    }
    for leader, code in cases.items():
        data = await graphql(client, CREATE, {"input": {
            "companyId": acme.gid, "customerId": customer, "name": "X", "leaderId": leader,
        }}, token=acme["admin"].token)
        assert [(e["field"], e["code"]) for e in data["projectCreate"]["userErrors"]] == [("leaderId", code)], leader


async def test_a_refused_create_writes_nothing_and_uses_no_number(db, client):
    acme = await company_with_staff(db)
    customer = gid("Customer", await add_customer(db, acme))
    refused = await graphql(client, CREATE, {"input": {
        "companyId": acme.gid, "customerId": customer, "name": "X", "startDate": "2026-05-01", "endDate": "2026-04-30",
    }}, token=acme["admin"].token)
    assert refused["projectCreate"]["userErrors"] == [
        {"field": "endDate", "message": "The end date is before the start date.", "code": "INVALID_INPUT"}
    ]
    fixed_without_price = await graphql(client, CREATE, {"input": {
        "companyId": acme.gid, "customerId": customer, "name": "X", "priceModel": "FIXED",
    }}, token=acme["admin"].token)
    assert fixed_without_price["projectCreate"]["userErrors"][0]["field"] == "fixedPrice"
    blank = await graphql(client, CREATE, {"input": {"companyId": acme.gid, "customerId": customer, "name": " "}},
                          token=acme["admin"].token)
    assert blank["projectCreate"]["userErrors"][0] == {"field": "name", "message": "A name is required.",
                                                       "code": "INVALID_INPUT"}
    assert await _count_projects(db) == 0
    ok = await graphql(client, CREATE, {"input": {"companyId": acme.gid, "customerId": customer, "name": "Y"}},
                       token=acme["admin"].token)
    assert ok["projectCreate"]["project"]["number"] == 1000


async def test_a_customer_or_company_of_another_company_is_not_found(db, client):
    acme = await company_with_staff(db)
    other = await company_with_staff(db, "other")
    their_customer = gid("Customer", await add_customer(db, other))
    data = await graphql(client, CREATE, {"input": {"companyId": acme.gid, "customerId": their_customer, "name": "X"}},
                         token=acme["admin"].token)
    assert [(e["field"], e["code"]) for e in data["projectCreate"]["userErrors"]] == [("customerId", "NOT_FOUND")]
    data = await graphql(client, CREATE, {"input": {"companyId": other.gid, "customerId": their_customer, "name": "X"}},
                         token=acme["admin"].token)
    assert [(e["field"], e["code"]) for e in data["projectCreate"]["userErrors"]] == [("companyId", "NOT_FOUND")]
    assert await _count_projects(db) == 0


async def test_an_update_changes_only_the_fields_given_and_null_clears(db, client):
    acme = await company_with_staff(db)
    customer_id = await add_customer(db, acme)
    project = gid("Project", await add_project(db, acme, customer_id, leader=acme["leader"]))
    data = await graphql(client, UPDATE, {"input": {"id": project, "name": "Renamed", "status": "CLOSED",
                                                    "leaderId": None, "startDate": None}},
                         token=acme["admin"].token)
    payload = data["projectUpdate"]
    assert payload["userErrors"] == []
    assert payload["project"]["name"] == "Renamed"
    assert payload["project"]["status"] == "CLOSED"
    assert payload["project"]["leader"] is None
    assert payload["project"]["startDate"] is None
    assert payload["project"]["priceModel"] == "HOURLY"


async def test_a_required_field_cannot_be_cleared_with_null(db, client):
    acme = await company_with_staff(db)
    project = gid("Project", await add_project(db, acme, await add_customer(db, acme)))
    data = await graphql(client, UPDATE, {"input": {"id": project, "status": None}}, token=acme["admin"].token)
    assert [(e["field"], e["code"]) for e in data["projectUpdate"]["userErrors"]] == [("status", "INVALID_INPUT")]


async def test_an_update_checks_dates_against_the_kept_ones_and_the_price_model(db, client):
    acme = await company_with_staff(db)
    project = gid("Project", await add_project(db, acme, await add_customer(db, acme)))  # starts 2026-01-01
    early_end = await graphql(client, UPDATE, {"input": {"id": project, "endDate": "2025-12-31"}},
                              token=acme["admin"].token)
    assert early_end["projectUpdate"]["userErrors"][0]["field"] == "endDate"
    fixed = await graphql(client, UPDATE, {"input": {"id": project, "priceModel": "FIXED", "fixedPrice": "90000"}},
                          token=acme["admin"].token)
    assert fixed["projectUpdate"]["project"]["fixedPrice"] == "90000.00"
    cleared = await graphql(client, UPDATE, {"input": {"id": project, "fixedPrice": None}}, token=acme["admin"].token)
    assert cleared["projectUpdate"]["userErrors"][0]["field"] == "fixedPrice"


async def test_a_project_leader_changes_their_own_project_but_not_another_leaders(db, client):
    acme = await company_with_staff(db)
    customer_id = await add_customer(db, acme)
    own = gid("Project", await add_project(db, acme, customer_id, leader=acme["leader"]))
    others = gid("Project", await add_project(db, acme, customer_id, "Other", leader=None))
    data = await graphql(client, UPDATE, {"input": {"id": own, "name": "Mine"}}, token=acme["leader"].token)
    assert data["projectUpdate"]["project"]["name"] == "Mine"
    data = await graphql(client, UPDATE, {"input": {"id": others, "name": "Theirs"}}, token=acme["leader"].token)
    assert [(e["field"], e["code"]) for e in data["projectUpdate"]["userErrors"]] == [("id", "FORBIDDEN")]


async def test_a_member_sees_but_may_not_change_a_project_and_a_non_member_does_not_see_it(db, client):
    acme = await company_with_staff(db)
    project = gid("Project", await add_project(db, acme, await add_customer(db, acme), members=[acme["employee"]]))
    data = await graphql(client, UPDATE, {"input": {"id": project, "name": "X"}}, token=acme["employee"].token)
    assert data["projectUpdate"]["userErrors"][0]["code"] == "FORBIDDEN"
    for who in ("colleague", "external"):
        data = await graphql(client, UPDATE, {"input": {"id": project, "name": "X"}}, token=acme[who].token)
        assert data["projectUpdate"]["userErrors"][0]["code"] == "NOT_FOUND"


async def test_an_admin_of_another_company_cannot_change_a_project(db, client):
    acme = await company_with_staff(db)
    other = await company_with_staff(db, "other")
    project = gid("Project", await add_project(db, acme, await add_customer(db, acme)))
    data = await graphql(client, UPDATE, {"input": {"id": project, "name": "Hijacked"}}, token=other["admin"].token)
    assert data["projectUpdate"] == {"project": None, "userErrors": [
        {"field": "id", "message": "No such project.", "code": "NOT_FOUND"}
    ]}
    moved = await graphql(client, UPDATE, {"input": {"id": project, "customerId": gid("Customer", await add_customer(db, other))}},
                          token=acme["admin"].token)
    assert [(e["field"], e["code"]) for e in moved["projectUpdate"]["userErrors"]] == [("customerId", "NOT_FOUND")]


async def test_a_malformed_id_names_the_field(db, client):
    acme = await company_with_staff(db)
    data = await graphql(client, UPDATE, {"input": {"id": "%%%", "name": "X"}}, token=acme["admin"].token)
    assert [(e["field"], e["code"]) for e in data["projectUpdate"]["userErrors"]] == [("id", "INVALID_INPUT")]
