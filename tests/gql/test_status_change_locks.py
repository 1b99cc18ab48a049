"""Status changes under concurrent edits (issue 5 follow-up): approving a mirror (or an expense clone) while its
source is being edited waits for the edit instead of answering CONFLICT, through two clients on PostgreSQL."""
import asyncio
import datetime as dt
import random
from decimal import Decimal

import httpx
import pytest
from sqlalchemy import select, update

from domain import model as m
from partnergraph.composition import create_app
from gql.ids import parse_global_id
from tests.factories import gid, graphql
from tests.partner_fixtures import PartnerHours, partner_hours_setup

ROUNDS = 30
DEADLOCK_ROUNDS = 15

CREATE_HOURS = """
mutation Create($input: TimeRecordCreateInput!) {
  timeRecordCreate(input: $input) { timeRecord { id } userErrors { field message code } }
}
"""

UPDATE_HOURS = """
mutation Update($input: TimeRecordUpdateInput!) {
  timeRecordUpdate(input: $input) { timeRecord { id } userErrors { field message code } }
}
"""

APPROVE_HOURS = """
mutation Approve($input: TimeRecordsApproveInput!) {
  timeRecordsApprove(input: $input) { timeRecords { id status } userErrors { field message code } }
}
"""

SET_HOUR_STATUS = """
mutation SetStatus($input: TimeRecordsSetStatusInput!) {
  timeRecordsSetStatus(input: $input) { timeRecords { id status } userErrors { field message code } }
}
"""

CREATE_EXPENSE = """
mutation Create($input: ExpenseCreateInput!) {
  expenseCreate(input: $input) { expense { id } userErrors { field message code } }
}
"""

UPDATE_EXPENSE = """
mutation Update($input: ExpenseUpdateInput!) {
  expenseUpdate(input: $input) { expense { id } userErrors { field message code } }
}
"""

SET_EXPENSE_STATUS = """
mutation SetStatus($input: ExpensesSetStatusInput!) {
  expensesSetStatus(input: $input) { expenses { id status } userErrors { field message code } }
}
"""


@pytest.fixture
async def family(db) -> PartnerHours:
    if db.sqlite:
        pytest.skip("runs on PostgreSQL: SQLite serialises writers at BEGIN IMMEDIATE, so nothing races there")
    return await partner_hours_setup(db)


@pytest.fixture
async def second_client(db):
    """Another front end on its own app: its requests run beside the first client's."""
    app = create_app(db.settings, db)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
        yield client


def codes(data: dict, name: str) -> list[str]:
    return [e["code"] for e in data[name]["userErrors"]]


async def after(rng: random.Random, request):
    """The request, sent after a short random pause so that both orders (and overlaps) occur over the rounds."""
    await asyncio.sleep(rng.uniform(0, 0.02))
    return await request


async def register_hours(db, client, family: PartnerHours, day: str) -> tuple[int, int]:
    """Two hours on the secondary project's first activity: (source id, mirror id)."""
    created = await graphql(client, CREATE_HOURS, {"input": {
        "projectId": family.secondary_gid, "activityId": gid("Activity", family.secondary_activity_ids[0]),
        "date": day, "hours": "2"}}, token=family.worker.token)
    source_id = parse_global_id(created["timeRecordCreate"]["timeRecord"]["id"])[1]
    async with db.read() as session:
        return source_id, await session.scalar(
            select(m.TimeRecord.id).where(m.TimeRecord.source_record_id == source_id))


async def test_approving_a_mirror_while_its_source_is_edited_waits_for_the_edit_and_never_conflicts(
        db, client, second_client, family):
    rng = random.Random(5)
    for n in range(ROUNDS):
        # given hours registered on the secondary project, mirrored into the main project
        source_id, mirror_id = await register_hours(
            db, client, family, (dt.date(2026, 3, 1) + dt.timedelta(days=n)).isoformat())

        # when the worker edits the source while the main company's leader approves the mirror
        edit = graphql(client, UPDATE_HOURS, {"input": {"id": gid("TimeRecord", source_id), "hours": "3",
                                                        "description": f"Edit {n}"}}, token=family.worker.token)
        ids = [gid("TimeRecord", mirror_id)]
        approval, name = (
            (graphql(second_client, APPROVE_HOURS, {"input": {"ids": ids}}, token=family.main["leader"].token),
             "timeRecordsApprove") if n % 2 else
            (graphql(second_client, SET_HOUR_STATUS, {"input": {"ids": ids, "status": "APPROVED"}},
                     token=family.main["leader"].token), "timeRecordsSetStatus"))
        edited, approved = await asyncio.gather(after(rng, edit), after(rng, approval))

        # then the approval always succeeds, and the edit either came first (and reached the mirror) or is LOCKED
        assert codes(approved, name) == [], (n, approved)
        assert approved[name]["timeRecords"] == [{"id": ids[0], "status": "APPROVED"}]
        edit_codes = codes(edited, "timeRecordUpdate")
        assert edit_codes in ([], ["LOCKED"]), (n, edited)
        async with db.read() as session:
            source = await session.get(m.TimeRecord, source_id)
            mirror = await session.get(m.TimeRecord, mirror_id)
        expected = (Decimal("3.00"), f"Edit {n}") if not edit_codes else (Decimal("2.00"), None)
        assert (source.hours, source.description) == expected
        assert (mirror.hours, mirror.description, mirror.date) == (source.hours, source.description, source.date)
        assert (source.status, mirror.status) == (m.HourStatus.NOT_APPROVED, m.HourStatus.APPROVED)


async def test_both_companies_approving_two_pairs_in_opposite_orders_while_both_sources_are_edited_never_deadlock(
        db, client, second_client, family):
    rng = random.Random(11)
    for n in range(DEADLOCK_ROUNDS):
        # given two pairs of hours on two days
        first, second = [await register_hours(db, client, family, (dt.date(2026, 5, 1) + dt.timedelta(
            days=2 * n + k)).isoformat()) for k in (0, 1)]
        pairs = {first[0]: first[1], second[0]: second[1]}

        # when the worker edits both sources while the partner's leader approves the sources and the main
        # company's leader the mirrors, each listing the ids in the other's order
        edits = [graphql(client, UPDATE_HOURS, {"input": {"id": gid("TimeRecord", source), "hours": "3"}},
                         token=family.worker.token) for source in pairs]
        at_home = graphql(client, SET_HOUR_STATUS, {"input": {
            "ids": [gid("TimeRecord", source) for source in pairs], "status": "APPROVED"}},
            token=family.partner["leader"].token)
        in_main = graphql(second_client, SET_HOUR_STATUS, {"input": {
            "ids": [gid("TimeRecord", mirror) for mirror in reversed(pairs.values())], "status": "APPROVED"}},
            token=family.main["leader"].token)
        *edited, home_data, main_data = await asyncio.gather(*(after(rng, r) for r in (*edits, at_home, in_main)))

        # then no request failed (a deadlock would be a server error), both approvals went through, and each
        # pair is identical: edited before the approvals, or left as it was and LOCKED
        assert codes(home_data, "timeRecordsSetStatus") == codes(main_data, "timeRecordsSetStatus") == [], n
        for data in edited:
            assert codes(data, "timeRecordUpdate") in ([], ["LOCKED"]), (n, data)
        async with db.read() as session:
            rows = {r.id: r for r in await session.scalars(
                select(m.TimeRecord).where(m.TimeRecord.id.in_([*pairs, *pairs.values()])))}
        for (source, mirror), data in zip(pairs.items(), edited, strict=True):
            assert rows[source].hours == (Decimal("3.00") if not codes(data, "timeRecordUpdate") else Decimal("2.00"))
            assert rows[mirror].hours == rows[source].hours
            assert rows[source].status == rows[mirror].status == m.HourStatus.APPROVED


async def test_setting_an_expense_clones_status_while_its_source_is_edited_waits_for_the_edit(
        db, client, second_client, family):
    async with db.transaction() as session:
        await session.execute(
            update(m.Project).where(m.Project.id == family.main_project_id).values(share_expenses=True))
    rng = random.Random(7)
    for n in range(ROUNDS):
        # given an expense on the secondary project, cloned to the main project that shares expenses
        created = await graphql(client, CREATE_EXPENSE, {"input": {
            "projectId": family.secondary_gid, "date": "2026-03-02", "amount": "100"}}, token=family.worker.token)
        source_id = parse_global_id(created["expenseCreate"]["expense"]["id"])[1]
        async with db.read() as session:
            clone_id = await session.scalar(select(m.Expense.id).where(m.Expense.source_expense_id == source_id))

        # when the worker edits the source while the main company's leader approves the clone
        edit = graphql(client, UPDATE_EXPENSE, {"input": {"id": gid("Expense", source_id), "amount": "250"}},
                       token=family.worker.token)
        approval = graphql(second_client, SET_EXPENSE_STATUS, {"input": {
            "ids": [gid("Expense", clone_id)], "status": "APPROVED"}}, token=family.main["leader"].token)
        edited, approved = await asyncio.gather(after(rng, edit), after(rng, approval))

        # then the approval succeeds and the edit either reached the clone first or is LOCKED
        assert codes(approved, "expensesSetStatus") == [], (n, approved)
        edit_codes = codes(edited, "expenseUpdate")
        assert edit_codes in ([], ["LOCKED"]), (n, edited)
        async with db.read() as session:
            source = await session.get(m.Expense, source_id)
            clone = await session.get(m.Expense, clone_id)
        assert source.amount == (Decimal("250.00") if not edit_codes else Decimal("100.00"))
        assert (clone.amount, clone.status) == (source.amount, m.HourStatus.APPROVED)
