"""timeRecordsApprove through HTTP: admins and the project's leader, all or nothing, errors by index."""
from sqlalchemy import select, update

from domain import model as m
from tests.factories import add_customer, add_project, add_time_records, company_with_staff, gid, graphql

APPROVE = """
mutation Approve($input: TimeRecordsApproveInput!) {
  timeRecordsApprove(input: $input) {
    timeRecords { id status }
    userErrors { field message code }
  }
}
"""


async def _statuses(db) -> dict[int, str]:
    async with db.read() as session:
        return {i: s.value for i, s in await session.execute(select(m.TimeRecord.id, m.TimeRecord.status))}


async def _seed(db):
    acme = await company_with_staff(db)
    customer_id = await add_customer(db, acme)
    led = await add_project(db, acme, customer_id, leader=acme["leader"], members=[acme["employee"]])
    not_led = await add_project(db, acme, customer_id, "Other", members=[acme["employee"]])
    led_records = await add_time_records(db, acme, led, acme["employee"], count=3)
    [not_led_record] = await add_time_records(db, acme, not_led, acme["employee"])
    return acme, led_records, not_led_record


def ids(*pks: int) -> dict:
    return {"input": {"ids": [gid("TimeRecord", pk) for pk in pks]}}


async def test_the_project_leader_approves_hours_of_their_project(db, client):
    acme, records, _ = await _seed(db)
    data = await graphql(client, APPROVE, ids(*records), token=acme["leader"].token)
    payload = data["timeRecordsApprove"]
    assert payload["userErrors"] == []
    assert [r["status"] for r in payload["timeRecords"]] == ["APPROVED"] * 3
    assert [r["id"] for r in payload["timeRecords"]] == [gid("TimeRecord", pk) for pk in records]


async def test_an_admin_approves_any_hours_of_the_company_and_approving_twice_is_harmless(db, client):
    acme, records, not_led = await _seed(db)
    for _ in range(2):
        data = await graphql(client, APPROVE, ids(records[0], not_led), token=acme["admin"].token)
        assert data["timeRecordsApprove"]["userErrors"] == []
    statuses = await _statuses(db)
    assert statuses[records[0]] == statuses[not_led] == "APPROVED"


async def test_one_refused_id_approves_nothing_and_is_named_by_its_index(db, client):
    acme, records, not_led = await _seed(db)
    data = await graphql(client, APPROVE, {"input": {"ids": [
        gid("TimeRecord", records[0]), gid("TimeRecord", not_led), gid("TimeRecord", records[1]),
        gid("TimeRecord", 999999),
    ]}}, token=acme["leader"].token)
    payload = data["timeRecordsApprove"]
    assert payload["timeRecords"] == []
    assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [("ids.1", "NOT_FOUND"), ("ids.3", "NOT_FOUND")]
    assert set((await _statuses(db)).values()) == {"NOT_APPROVED"}


async def test_malformed_ids_are_named_by_their_index(db, client):
    acme, records, _ = await _seed(db)
    data = await graphql(client, APPROVE, {"input": {"ids": [gid("TimeRecord", records[0]), "nope",
                                                             gid("Project", 1)]}},
                         token=acme["admin"].token)
    assert [(e["field"], e["code"]) for e in data["timeRecordsApprove"]["userErrors"]] == [
        ("ids.1", "INVALID_INPUT"), ("ids.2", "NOT_FOUND")]
    assert set((await _statuses(db)).values()) == {"NOT_APPROVED"}


async def test_employees_may_not_approve_even_their_own_hours(db, client):
    acme, records, _ = await _seed(db)
    data = await graphql(client, APPROVE, ids(records[0]), token=acme["employee"].token)
    assert data["timeRecordsApprove"]["userErrors"] == [{
        "field": "ids.0", "code": "FORBIDDEN", "message": "Only an admin or the project's leader can approve its hours.",
    }]


async def test_invoiced_hours_cannot_be_approved(db, client):
    acme, records, _ = await _seed(db)
    async with db.transaction() as session:
        await session.execute(update(m.TimeRecord).where(m.TimeRecord.id == records[2]).values(status=m.HourStatus.INVOICED))
    data = await graphql(client, APPROVE, ids(*records), token=acme["admin"].token)
    assert [(e["field"], e["code"]) for e in data["timeRecordsApprove"]["userErrors"]] == [("ids.2", "LOCKED")]


async def test_at_most_100_ids_at_a_time(db, client):
    acme, records, _ = await _seed(db)
    data = await graphql(client, APPROVE, ids(*([records[0]] * 101)), token=acme["admin"].token)
    assert [(e["field"], e["code"]) for e in data["timeRecordsApprove"]["userErrors"]] == [("ids", "INVALID_INPUT")]


async def test_an_admin_of_another_company_cannot_approve_its_hours(db, client):
    acme, records, _ = await _seed(db)
    other = await company_with_staff(db, "other")
    data = await graphql(client, APPROVE, ids(records[0]), token=other["admin"].token)
    assert [(e["field"], e["code"]) for e in data["timeRecordsApprove"]["userErrors"]] == [("ids.0", "NOT_FOUND")]
    assert set((await _statuses(db)).values()) == {"NOT_APPROVED"}
