"""Expenses (SPEC §4, issue 5 item 3) through HTTP: registering, changing, deleting, status changes, visibility,
and their clones in a main project that shares expenses."""
import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import func, select, update

from domain import model as m
from gql.ids import parse_global_id
from tests.factories import add_customer, add_project, company_with_staff, gid, graphql
from tests.partner_fixtures import PartnerHours, partner_hours_setup

CREATE = """
mutation Create($input: ExpenseCreateInput!) {
  expenseCreate(input: $input) {
    expense { id date amount currency description status isClone coWorker { id } project { id } }
    userErrors { field message code }
  }
}
"""

UPDATE = """
mutation Update($input: ExpenseUpdateInput!) {
  expenseUpdate(input: $input) { expense { id amount currency description } userErrors { field message code } }
}
"""

DELETE = """
mutation Delete($input: ExpenseDeleteInput!) {
  expenseDelete(input: $input) { deletedId userErrors { field message code } }
}
"""

SET_STATUS = """
mutation SetStatus($input: ExpensesSetStatusInput!) {
  expensesSetStatus(input: $input) { expenses { id status } userErrors { field message code } }
}
"""

PROJECT_EXPENSES = """
query Expenses($id: ID!) {
  node(id: $id) {
    ... on Project { expenses { totalCount nodes { amount currency isClone coWorker { id } } } }
  }
}
"""

DAY = "2026-03-02"


def errors(data, name):
    return [(e["field"], e["code"]) for e in data[name]["userErrors"]]


async def all_expenses(db) -> list[m.Expense]:
    async with db.read() as session:
        return list(await session.scalars(select(m.Expense).order_by(m.Expense.id)))


# --- within one company ----------------------------------------------------------------------------


@pytest.fixture
async def acme(db):
    company = await company_with_staff(db)
    company.project_id = await add_project(db, company, await add_customer(db, company), leader=company["leader"],
                                           members=[company["employee"], company["external"]])
    company.project = gid("Project", company.project_id)
    return company


def entry(project: str, amount="129.90", **more) -> dict:
    return {"input": {"projectId": project, "date": DAY, "amount": amount, **more}}


async def test_a_member_registers_an_expense_on_their_project(db, client, acme):
    data = await graphql(client, CREATE, entry(acme.project, currency="eur", description=" Taxi "),
                         token=acme["employee"].token)
    payload = data["expenseCreate"]
    assert payload["userErrors"] == []
    assert {k: v for k, v in payload["expense"].items() if k != "id"} == {
        "date": DAY, "amount": "129.90", "currency": "EUR", "description": "Taxi", "status": "NOT_APPROVED",
        "isClone": False, "coWorker": {"id": acme["employee"].gid}, "project": {"id": acme.project},
    }


@pytest.mark.parametrize("field, value, code", [
    ("amount", "0", "INVALID_INPUT"), ("amount", "-5", "INVALID_INPUT"), ("amount", "1.005", "INVALID_INPUT"),
    ("currency", "kroner", "INVALID_INPUT"), ("currency", "", "INVALID_INPUT"),
    ("description", "x" * 2001, "INVALID_INPUT"),
])
async def test_bad_input_is_refused_naming_the_field_and_nothing_is_written(db, client, acme, field, value, code):
    data = await graphql(client, CREATE, entry(acme.project, **{field: value}), token=acme["employee"].token)
    assert errors(data, "expenseCreate") == [(field, code)]
    assert await all_expenses(db) == []


async def test_only_members_register_and_an_employee_only_their_own(db, client, acme):
    outsider = await graphql(client, CREATE, entry(acme.project), token=acme["colleague"].token)
    for_other = await graphql(client, CREATE, entry(acme.project, coWorkerId=acme["external"].gid),
                              token=acme["employee"].token)
    by_leader = await graphql(client, CREATE, entry(acme.project, coWorkerId=acme["external"].gid),
                              token=acme["leader"].token)
    assert errors(outsider, "expenseCreate") == [("projectId", "NOT_FOUND")]
    assert errors(for_other, "expenseCreate") == [("coWorkerId", "FORBIDDEN")]
    assert by_leader["expenseCreate"]["expense"]["coWorker"] == {"id": acme["external"].gid}


async def test_an_expense_on_a_closed_project_is_refused(db, client, acme):
    async with db.transaction() as session:
        await session.execute(update(m.Project).values(status=m.ProjectStatus.CLOSED))
    data = await graphql(client, CREATE, entry(acme.project), token=acme["employee"].token)
    assert errors(data, "expenseCreate") == [("projectId", "PROJECT_CLOSED")]


async def test_the_owner_changes_and_deletes_an_expense_until_it_is_approved(db, client, acme):
    created = await graphql(client, CREATE, entry(acme.project), token=acme["employee"].token)
    expense_id = created["expenseCreate"]["expense"]["id"]
    changed = await graphql(client, UPDATE, {"input": {"id": expense_id, "amount": "99", "description": None}},
                            token=acme["employee"].token)
    assert changed["expenseUpdate"]["expense"] == {"id": expense_id, "amount": "99.00", "currency": "NOK",
                                                   "description": None}
    approved = await graphql(client, SET_STATUS, {"input": {"ids": [expense_id], "status": "APPROVED"}},
                             token=acme["leader"].token)
    assert approved["expensesSetStatus"]["expenses"] == [{"id": expense_id, "status": "APPROVED"}]

    locked = await graphql(client, UPDATE, {"input": {"id": expense_id, "amount": "1"}}, token=acme["employee"].token)
    not_deleted = await graphql(client, DELETE, {"input": {"id": expense_id}}, token=acme["admin"].token)
    assert errors(locked, "expenseUpdate") == [("id", "LOCKED")]
    assert errors(not_deleted, "expenseDelete") == [("id", "LOCKED")]

    await graphql(client, SET_STATUS, {"input": {"ids": [expense_id], "status": "NOT_APPROVED"}},
                  token=acme["leader"].token)
    deleted = await graphql(client, DELETE, {"input": {"id": expense_id}}, token=acme["employee"].token)
    assert deleted["expenseDelete"] == {"deletedId": expense_id, "userErrors": []}
    assert await all_expenses(db) == []


async def test_an_update_clearing_a_required_field_names_it(db, client, acme):
    created = await graphql(client, CREATE, entry(acme.project), token=acme["employee"].token)
    expense_id = created["expenseCreate"]["expense"]["id"]
    data = await graphql(client, UPDATE, {"input": {"id": expense_id, "amount": None}}, token=acme["employee"].token)
    assert errors(data, "expenseUpdate") == [("amount", "INVALID_INPUT")]


async def test_employees_see_their_own_expenses_and_the_leader_sees_all_of_the_project(db, client, acme):
    await graphql(client, CREATE, entry(acme.project, "10"), token=acme["employee"].token)
    await graphql(client, CREATE, entry(acme.project, "20"), token=acme["external"].token)
    as_employee = await graphql(client, PROJECT_EXPENSES, {"id": acme.project}, token=acme["employee"].token)
    as_leader = await graphql(client, PROJECT_EXPENSES, {"id": acme.project}, token=acme["leader"].token)
    assert [e["amount"] for e in as_employee["node"]["expenses"]["nodes"]] == ["10.00"]
    assert as_leader["node"]["expenses"]["totalCount"] == 2


async def test_an_employee_cannot_set_an_expense_status(db, client, acme):
    created = await graphql(client, CREATE, entry(acme.project), token=acme["employee"].token)
    data = await graphql(client, SET_STATUS, {"input": {"ids": [created["expenseCreate"]["expense"]["id"]],
                                                        "status": "APPROVED"}}, token=acme["employee"].token)
    assert errors(data, "expensesSetStatus") == [("ids.0", "FORBIDDEN")]


# --- shared expenses ---------------------------------------------------------------------------------


@pytest.fixture
async def family(db) -> PartnerHours:
    return await partner_hours_setup(db)


async def share_expenses(db, family: PartnerHours, on: bool = True) -> None:
    async with db.transaction() as session:
        await session.execute(update(m.Project).where(m.Project.id == family.main_project_id).values(share_expenses=on))


async def register(client, family: PartnerHours, amount="450.00", **more) -> int:
    data = await graphql(client, CREATE, entry(family.secondary_gid, amount, **more), token=family.worker.token)
    assert data["expenseCreate"]["userErrors"] == []
    return parse_global_id(data["expenseCreate"]["expense"]["id"])[1]


async def clone_of(db, source_id: int) -> m.Expense | None:
    async with db.read() as session:
        return await session.scalar(select(m.Expense).where(m.Expense.source_expense_id == source_id))


async def test_with_sharing_on_an_expense_on_the_secondary_is_cloned_to_the_main_project(db, client, family):
    await share_expenses(db, family)
    source_id = await register(client, family, currency="SEK", description="Ferry")

    clone = await clone_of(db, source_id)
    assert (clone.company_id, clone.project_id, clone.co_worker_id) == (
        family.main.id, family.main_project_id, family.guest.co_worker_id)
    assert (clone.date, clone.amount, clone.currency, clone.description, clone.status) == (
        dt.date(2026, 3, 2), Decimal("450.00"), "SEK", "Ferry", m.HourStatus.NOT_APPROVED)
    seen = await graphql(client, PROJECT_EXPENSES, {"id": family.main_gid}, token=family.main["leader"].token)
    assert seen["node"]["expenses"]["nodes"] == [
        {"amount": "450.00", "currency": "SEK", "isClone": True, "coWorker": {"id": family.guest.gid}}]


async def test_with_sharing_off_an_expense_stays_in_the_partner_company(db, client, family):
    await register(client, family)
    assert len(await all_expenses(db)) == 1


async def test_changes_and_deletion_of_the_source_follow_on_the_clone(db, client, family):
    await share_expenses(db, family)
    source_id = await register(client, family)
    changed = await graphql(client, UPDATE, {"input": {"id": gid("Expense", source_id), "amount": "300",
                                                       "currency": "EUR", "description": "Hotel"}},
                            token=family.worker.token)
    assert changed["expenseUpdate"]["userErrors"] == []
    clone = await clone_of(db, source_id)
    assert (clone.amount, clone.currency, clone.description) == (Decimal("300.00"), "EUR", "Hotel")

    deleted = await graphql(client, DELETE, {"input": {"id": gid("Expense", source_id)}}, token=family.worker.token)
    assert deleted["expenseDelete"]["userErrors"] == []
    assert await all_expenses(db) == []


async def test_a_clone_made_before_sharing_was_turned_off_keeps_following_its_source(db, client, family):
    await share_expenses(db, family)
    source_id = await register(client, family)
    await share_expenses(db, family, on=False)
    await graphql(client, UPDATE, {"input": {"id": gid("Expense", source_id), "amount": "12"}}, token=family.worker.token)
    assert (await clone_of(db, source_id)).amount == Decimal("12.00")
    newer = await register(client, family)
    assert await clone_of(db, newer) is None


@pytest.mark.parametrize("who", ["admin", "guest"])
async def test_a_clone_cannot_be_edited_or_deleted_directly(db, client, family, who):
    await share_expenses(db, family)
    source_id = await register(client, family)
    clone = await clone_of(db, source_id)
    token = family.guest.token if who == "guest" else family.main["admin"].token
    changed = await graphql(client, UPDATE, {"input": {"id": gid("Expense", clone.id), "amount": "1"}}, token=token)
    deleted = await graphql(client, DELETE, {"input": {"id": gid("Expense", clone.id)}}, token=token)
    assert errors(changed, "expenseUpdate") == [("id", "EDIT_IN_HOME_COMPANY")]
    assert errors(deleted, "expenseDelete") == [("id", "EDIT_IN_HOME_COMPANY")]
    assert "Dam inspection (Fjellvik)" in changed["expenseUpdate"]["userErrors"][0]["message"]


async def test_a_clone_approved_by_the_main_company_locks_the_source_and_the_source_keeps_its_status(
        db, client, family):
    await share_expenses(db, family)
    source_id = await register(client, family)
    clone = await clone_of(db, source_id)
    approved = await graphql(client, SET_STATUS, {"input": {"ids": [gid("Expense", clone.id)], "status": "APPROVED"}},
                             token=family.main["leader"].token)
    assert approved["expensesSetStatus"]["userErrors"] == []
    changed = await graphql(client, UPDATE, {"input": {"id": gid("Expense", source_id), "amount": "1"}},
                            token=family.worker.token)
    deleted = await graphql(client, DELETE, {"input": {"id": gid("Expense", source_id)}}, token=family.worker.token)
    assert errors(changed, "expenseUpdate") == [("id", "LOCKED")]
    assert errors(deleted, "expenseDelete") == [("id", "LOCKED")]
    async with db.read() as session:
        assert (await session.get(m.Expense, source_id)).status == m.HourStatus.NOT_APPROVED


async def test_a_partner_co_worker_registering_an_expense_on_the_main_project_is_sent_home(db, client, family):
    data = await graphql(client, CREATE, entry(family.main_gid), token=family.guest.token)
    assert errors(data, "expenseCreate") == [("projectId", "REGISTER_IN_HOME_COMPANY")]
    assert "Dam inspection (Fjellvik)" in data["expenseCreate"]["userErrors"][0]["message"]
    async with db.read() as session:
        assert await session.scalar(select(func.count(m.Expense.id))) == 0

