"""companyCreate (operators) and coWorkerCreate (admins) through HTTP."""
from sqlalchemy import func, select

from domain import model as m
from domain.access.tokens import create_token
from domain.model.partners import CoWorkerInvitation
from tests.factories import company_with_staff, graphql

COMPANY_CREATE = """
mutation Create($input: CompanyCreateInput!) {
  companyCreate(input: $input) {
    company { id databaseName name organisationNumber tier settings { partnerCompaniesEnabled } }
    userErrors { field message code }
  }
}
"""

CO_WORKER_CREATE = """
mutation Create($input: CoWorkerCreateInput!) {
  coWorkerCreate(input: $input) {
    invitation { companyId email role title hourlyRate hourlyCost coWorker { id } }
    userErrors { field message code }
  }
}
"""

ACCEPT = """
mutation Accept($input: CoWorkerInvitationAcceptInput!) {
  coWorkerInvitationAccept(input: $input) {
    invitation { coWorker { name email role title hourlyRate hourlyCost isExternal active company { id } } }
    userErrors { field message code }
  }
}
"""


def errors(data, name):
    return [(e["field"], e["code"]) for e in data[name]["userErrors"]]


async def _operator_token(db) -> str:
    token, _ = await create_token(db, db.settings, email="ops@vendor.test", operator=True)
    return token


async def _counts(db) -> tuple[int, int, int, int, int]:
    async with db.read() as session:
        return tuple([await session.scalar(select(func.count()).select_from(model))
                      for model in (m.Company, m.NumberSeries, m.User, m.CoWorker, CoWorkerInvitation)])


async def test_an_operator_creates_a_company_with_its_series_and_first_admin(db, client):
    token = await _operator_token(db)
    data = await graphql(client, COMPANY_CREATE, {"input": {
        "databaseName": "nordlys", "name": "Nordlys AS", "organisationNumber": "912345678", "tier": "PRO",
        "adminEmail": " Ida@Nordlys.TEST ", "adminName": "Ida Berg",
    }}, token=token)
    payload = data["companyCreate"]
    assert payload["userErrors"] == []
    assert {k: v for k, v in payload["company"].items() if k != "id"} == {
        # the operator reads the company list, not a company's organisation number (README "Who may see and do what")
        "databaseName": "nordlys", "name": "Nordlys AS", "organisationNumber": None, "tier": "PRO",
        "settings": {"partnerCompaniesEnabled": False},
    }
    async with db.read() as session:
        company = await session.scalar(select(m.Company).where(m.Company.database_name == "nordlys"))
        series = {s.kind: s.next_number for s in await session.scalars(
            select(m.NumberSeries).where(m.NumberSeries.company_id == company.id))}
        admin = await session.scalar(select(m.CoWorker).where(m.CoWorker.company_id == company.id))
    assert company.organisation_number == "912345678"
    assert series == {m.SeriesKind.PROJECT: 1000, m.SeriesKind.CUSTOMER: 10000, m.SeriesKind.INVOICE: 1}
    assert (admin.user.email, admin.user.name, admin.role, admin.home_company_id) == (
        "ida@nordlys.test", "Ida Berg", m.Role.ADMIN, company.id)

    # The new admin can work in the company straight away.
    admin_token, _ = await create_token(db, db.settings, email="ida@nordlys.test")
    made = await graphql(client, CO_WORKER_CREATE, {"input": {"companyId": payload["company"]["id"],
                                                              "email": "ola@nordlys.test", "role": "EMPLOYEE"}},
                         token=admin_token)
    assert made["coWorkerCreate"]["userErrors"] == []


async def test_only_operators_create_companies(db, client):
    acme = await company_with_staff(db)
    before = await _counts(db)
    data = await graphql(client, COMPANY_CREATE, {"input": {"databaseName": "mine", "name": "Mine"}},
                         token=acme["admin"].token)
    assert errors(data, "companyCreate") == [(None, "FORBIDDEN")]
    assert await _counts(db) == before


async def test_a_taken_or_invalid_database_name_is_refused_and_nothing_is_written(db, client):
    token = await _operator_token(db)
    await company_with_staff(db, "acme")
    before = await _counts(db)
    cases = [
        ({"databaseName": "acme", "name": "Again"}, [("databaseName", "DUPLICATE")]),
        ({"databaseName": "Acme AS", "name": "Bad"}, [("databaseName", "INVALID_INPUT")]),
        ({"databaseName": "ab", "name": "Short"}, [("databaseName", "INVALID_INPUT")]),
        ({"databaseName": "okname\n", "name": "Newline"}, [("databaseName", "INVALID_INPUT")]),
        ({"databaseName": "okname", "name": "   "}, [("name", "INVALID_INPUT")]),
        ({"databaseName": "okname", "name": "Ok", "adminEmail": "not an email"}, [("adminEmail", "INVALID_INPUT")]),
    ]
    for variables, expected in cases:
        data = await graphql(client, COMPANY_CREATE, {"input": variables}, token=token)
        assert errors(data, "companyCreate") == expected, variables
        assert data["companyCreate"]["company"] is None
    assert await _counts(db) == before


async def test_an_admin_adds_a_new_person_who_becomes_an_internal_co_worker_on_accepting(db, client):
    acme = await company_with_staff(db)
    data = await graphql(client, CO_WORKER_CREATE, {"input": {
        "companyId": acme.gid, "email": "  Nina@Acme.TEST", "name": "Nina Dahl", "role": "PROJECT_LEADER",
        "title": "Architect", "hourlyRate": "1500", "hourlyCost": "800.5",
    }}, token=acme["admin"].token)
    payload = data["coWorkerCreate"]
    assert payload["userErrors"] == []
    assert payload["invitation"] == {
        "companyId": acme.gid, "email": "nina@acme.test", "role": "PROJECT_LEADER", "title": "Architect",
        "hourlyRate": "1500.00", "hourlyCost": "800.50", "coWorker": None,
    }
    nina, _ = await create_token(db, db.settings, email="nina@acme.test")
    accepted = await graphql(client, ACCEPT, {"input": {"companyId": acme.gid}}, token=nina)
    assert accepted["coWorkerInvitationAccept"]["invitation"]["coWorker"] == {
        "name": "Nina Dahl", "email": "nina@acme.test", "role": "PROJECT_LEADER", "title": "Architect",
        "hourlyRate": "1500.00", "hourlyCost": "800.50", "isExternal": False, "active": True,
        "company": {"id": acme.gid},
    }


async def test_an_existing_user_accepting_joins_a_second_company_and_keeps_their_name(db, client):
    acme = await company_with_staff(db)
    other = await company_with_staff(db, "other")
    users_before = (await _counts(db))[2]
    data = await graphql(client, CO_WORKER_CREATE, {"input": {
        "companyId": other.gid, "email": acme["employee"].email.upper(), "name": "Ignored", "role": "EMPLOYEE",
    }}, token=other["admin"].token)
    assert data["coWorkerCreate"]["userErrors"] == []
    token, _ = await create_token(db, db.settings, email=acme["employee"].email)
    accepted = await graphql(client, ACCEPT, {"input": {"companyId": other.gid}}, token=token)
    co_worker = accepted["coWorkerInvitationAccept"]["invitation"]["coWorker"]
    assert (co_worker["email"], co_worker["name"], co_worker["isExternal"]) == (
        acme["employee"].email, "Employee", False)
    assert (await _counts(db))[2] == users_before


async def test_a_person_is_a_co_worker_of_a_company_only_once(db, client):
    acme = await company_with_staff(db)
    before = await _counts(db)
    data = await graphql(client, CO_WORKER_CREATE, {"input": {
        "companyId": acme.gid, "email": acme["employee"].email, "role": "ADMIN",
    }}, token=acme["admin"].token)
    assert errors(data, "coWorkerCreate") == [("email", "DUPLICATE")]
    assert await _counts(db) == before


async def test_only_admins_add_co_workers_and_only_to_their_own_company(db, client):
    acme = await company_with_staff(db)
    other = await company_with_staff(db, "other")
    before = await _counts(db)
    for who in ("leader", "employee", "external"):
        data = await graphql(client, CO_WORKER_CREATE, {"input": {"companyId": acme.gid, "email": "x@acme.test",
                                                                  "role": "EMPLOYEE"}}, token=acme[who].token)
        assert errors(data, "coWorkerCreate") == [("companyId", "FORBIDDEN")], who
    foreign = await graphql(client, CO_WORKER_CREATE, {"input": {"companyId": other.gid, "email": "x@acme.test",
                                                                 "role": "ADMIN"}}, token=acme["admin"].token)
    assert errors(foreign, "coWorkerCreate") == [("companyId", "NOT_FOUND")]
    assert await _counts(db) == before


async def test_bad_co_worker_input_names_the_field_and_writes_nothing(db, client):
    acme = await company_with_staff(db)
    before = await _counts(db)
    for extra, field in (({"email": "nope"}, "email"), ({"hourlyRate": "-1"}, "hourlyRate"),
                         ({"hourlyCost": "1.234"}, "hourlyCost"), ({"name": "x" * 201}, "name"),
                         ({"companyId": "???"}, "companyId")):
        variables = {"companyId": acme.gid, "email": "new@acme.test", "role": "EMPLOYEE", **extra}
        data = await graphql(client, CO_WORKER_CREATE, {"input": variables}, token=acme["admin"].token)
        assert errors(data, "coWorkerCreate") == [(field, "INVALID_INPUT")], extra
    assert await _counts(db) == before
