"""Hours across partner companies (SPEC §4, issue 5 items 1 and 2): mirrors of secondary-project hours in the
main project, their locking, and status changes on each side, through HTTP."""
import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import delete, func, select, update

from domain import model as m
from domain.access.tokens import viewer_for_token
from gql.delivery import Delivery
from tests.factories import add_project, gid, graphql
from tests.partner_fixtures import PartnerHours, partner_hours_setup

CREATE = """
mutation Create($input: TimeRecordCreateInput!) {
  timeRecordCreate(input: $input) { timeRecord { id isMirror } userErrors { field message code } }
}
"""

UPDATE = """
mutation Update($input: TimeRecordUpdateInput!) {
  timeRecordUpdate(input: $input) { timeRecord { id hours } userErrors { field message code } }
}
"""

DELETE = """
mutation Delete($input: TimeRecordDeleteInput!) {
  timeRecordDelete(input: $input) { deletedId userErrors { field message code } }
}
"""

APPROVE = """
mutation Approve($input: TimeRecordsApproveInput!) {
  timeRecordsApprove(input: $input) { timeRecords { id status } userErrors { field message code } }
}
"""

SET_STATUS = """
mutation SetStatus($input: TimeRecordsSetStatusInput!) {
  timeRecordsSetStatus(input: $input) { timeRecords { id status } userErrors { field message code } }
}
"""

MAIN_PROJECT_HOURS = """
query Hours($id: ID!) {
  node(id: $id) {
    ... on Project {
      timeRecords { nodes { date hours description isMirror status coWorker { id } activity { id } } }
    }
  }
}
"""

DAY = "2026-03-02"


@pytest.fixture
async def family(db) -> PartnerHours:
    return await partner_hours_setup(db)


def entry(family: PartnerHours, hours: str = "7.5", *, activity: int = 0, day: str = DAY, **more) -> dict:
    return {"input": {"projectId": family.secondary_gid, "activityId": gid("Activity", family.secondary_activity_ids[activity]),
                      "date": day, "hours": hours, **more}}


def errors(data, name):
    return [(e["field"], e["code"]) for e in data[name]["userErrors"]]


async def register(client, family: PartnerHours, hours: str = "7.5", **more) -> int:
    data = await graphql(client, CREATE, entry(family, hours, **more), token=family.worker.token)
    assert data["timeRecordCreate"]["userErrors"] == []
    from gql.ids import parse_global_id

    return parse_global_id(data["timeRecordCreate"]["timeRecord"]["id"])[1]


async def mirror_of(db, source_id: int) -> m.TimeRecord | None:
    async with db.read() as session:
        return await session.scalar(select(m.TimeRecord).where(m.TimeRecord.source_record_id == source_id))


async def record(db, pk: int) -> m.TimeRecord | None:
    async with db.read() as session:
        return await session.get(m.TimeRecord, pk)


async def time_record_events(db, node_id: int) -> list[tuple[str, int, int]]:
    async with db.read() as session:
        rows = await session.execute(
            select(m.Event.action, m.Event.company_id, m.Event.project_id)
            .where(m.Event.kind == m.EventKind.TIME_RECORD, m.Event.node_id == node_id).order_by(m.Event.id))
        return [tuple(row) for row in rows]


async def count_records(db) -> int:
    async with db.read() as session:
        return await session.scalar(select(func.count(m.TimeRecord.id)))


# --- mirroring ----------------------------------------------------------------------------------------


async def test_hours_on_a_secondary_project_are_mirrored_into_the_main_project(db, client, family):
    source_id = await register(client, family, "7.25", description="Turbine survey")

    mirror = await mirror_of(db, source_id)
    assert mirror is not None
    assert (mirror.company_id, mirror.project_id, mirror.activity_id, mirror.co_worker_id) == (
        family.main.id, family.main_project_id, family.main_activity_ids[0], family.guest.co_worker_id)
    assert (mirror.date, mirror.hours, mirror.description, mirror.status) == (
        dt.date(2026, 3, 2), Decimal("7.25"), "Turbine survey", m.HourStatus.NOT_APPROVED)
    seen = await graphql(client, MAIN_PROJECT_HOURS, {"id": family.main_gid}, token=family.main["leader"].token)
    assert seen["node"]["timeRecords"]["nodes"] == [{
        "date": DAY, "hours": "7.25", "description": "Turbine survey", "isMirror": True, "status": "NOT_APPROVED",
        "coWorker": {"id": family.guest.gid}, "activity": {"id": gid("Activity", family.main_activity_ids[0])},
    }]


async def test_a_mirror_is_an_event_of_the_main_company_so_its_integrators_see_partner_hours(db, client, family):
    source_id = await register(client, family)
    mirror = await mirror_of(db, source_id)
    assert await time_record_events(db, source_id) == [("CREATED", family.partner.id, family.secondary_project_id)]
    assert await time_record_events(db, mirror.id) == [("CREATED", family.main.id, family.main_project_id)]


async def test_the_main_companys_leader_is_delivered_the_mirrors_event_and_the_partner_its_source(db, client, family):
    source_id = await register(client, family)
    mirror = await mirror_of(db, source_id)
    async with db.read() as session:
        batch = list(await session.scalars(
            select(m.Event).where(m.Event.kind == m.EventKind.TIME_RECORD).order_by(m.Event.id)))
    main_leader = await viewer_for_token(db, family.main["leader"].token)
    partner_admin = await viewer_for_token(db, family.partner["admin"].token)
    _, to_main = await Delivery(db).visible(main_leader, batch)
    _, to_partner = await Delivery(db).visible(partner_admin, batch)
    assert [row.node_id for row, _ in to_main] == [mirror.id]
    assert [row.node_id for row, _ in to_partner] == [source_id]


async def test_changing_the_source_changes_its_mirror_in_the_same_request(db, client, family):
    source_id = await register(client, family, description="Survey")
    data = await graphql(client, UPDATE, {"input": {
        "id": gid("TimeRecord", source_id), "hours": "3.5", "date": "2026-03-03", "description": "Report",
        "activityId": gid("Activity", family.secondary_activity_ids[1]),
    }}, token=family.worker.token)
    assert data["timeRecordUpdate"]["userErrors"] == []

    mirror = await mirror_of(db, source_id)
    assert (mirror.date, mirror.hours, mirror.description, mirror.activity_id) == (
        dt.date(2026, 3, 3), Decimal("3.50"), "Report", family.main_activity_ids[1])
    assert [action for action, *_ in await time_record_events(db, mirror.id)] == ["CREATED", "UPDATED"]


async def test_an_edit_that_changes_nothing_leaves_the_mirror_without_an_event(db, client, family):
    source_id = await register(client, family, "2")
    data = await graphql(client, UPDATE, {"input": {"id": gid("TimeRecord", source_id), "hours": "2"}},
                         token=family.worker.token)
    assert data["timeRecordUpdate"]["userErrors"] == []
    mirror = await mirror_of(db, source_id)
    assert [action for action, *_ in await time_record_events(db, mirror.id)] == ["CREATED"]


async def test_deleting_the_source_deletes_its_mirror(db, client, family):
    source_id = await register(client, family)
    mirror = await mirror_of(db, source_id)
    data = await graphql(client, DELETE, {"input": {"id": gid("TimeRecord", source_id)}}, token=family.worker.token)
    assert data["timeRecordDelete"]["userErrors"] == []
    assert await count_records(db) == 0
    assert [action for action, *_ in await time_record_events(db, mirror.id)] == ["CREATED", "DELETED"]


async def test_the_partners_project_leader_registers_for_the_worker_and_the_hours_are_mirrored(db, client, family):
    data = await graphql(client, CREATE, entry(family, coWorkerId=family.worker.gid),
                         token=family.partner["leader"].token)
    assert data["timeRecordCreate"]["userErrors"] == []
    assert await count_records(db) == 2


async def test_hours_on_an_ordinary_project_get_no_mirror(db, client, family):
    partner = family.partner
    own = await add_project(db, partner, family.partner_customer_id, "Internal", members=[family.worker])
    async with db.read() as session:
        activity = await session.scalar(select(m.Activity.id).where(m.Activity.project_id == own).limit(1))
    data = await graphql(client, CREATE, {"input": {"projectId": gid("Project", own), "activityId": gid("Activity", activity),
                                                    "date": DAY, "hours": "1"}}, token=family.worker.token)
    assert data["timeRecordCreate"]["userErrors"] == []
    assert await count_records(db) == 1


async def test_a_source_whose_activity_has_no_main_activity_is_refused_and_nothing_is_written(db, client, family):
    async with db.transaction() as session:
        await session.execute(update(m.Activity).where(m.Activity.id == family.secondary_activity_ids[0])
                              .values(source_activity_id=None))
    data = await graphql(client, CREATE, entry(family), token=family.worker.token)
    assert errors(data, "timeRecordCreate") == [("activityId", "MIRROR_TARGET_MISSING")]
    assert await count_records(db) == 0


async def test_a_worker_without_a_record_in_the_main_company_is_refused_and_nothing_is_written(db, client, family):
    async with db.transaction() as session:
        await session.execute(delete(m.ProjectMember).where(m.ProjectMember.co_worker_id == family.guest.co_worker_id))
        await session.execute(delete(m.CoWorker).where(m.CoWorker.id == family.guest.co_worker_id))
    data = await graphql(client, CREATE, entry(family), token=family.worker.token)
    assert errors(data, "timeRecordCreate") == [("coWorkerId", "MIRROR_TARGET_MISSING")]
    assert await count_records(db) == 0


async def test_the_day_limit_counts_the_workers_own_registrations_at_home_not_the_mirrors_again(db, client, family):
    await register(client, family, "16")
    await register(client, family, "8", activity=1)
    over = await graphql(client, CREATE, entry(family, "0.25"), token=family.worker.token)
    assert errors(over, "timeRecordCreate") == [("hours", "DAY_OVER_24_HOURS")]
    assert await count_records(db) == 4


# --- copies change only through their source ----------------------------------------------------------


@pytest.mark.parametrize("who", ["admin", "leader", "guest"])
async def test_a_mirror_cannot_be_edited_or_deleted_directly(db, client, family, who):
    source_id = await register(client, family)
    mirror = await mirror_of(db, source_id)
    token = family.guest.token if who == "guest" else family.main[who].token
    updated = await graphql(client, UPDATE, {"input": {"id": gid("TimeRecord", mirror.id), "hours": "1"}}, token=token)
    deleted = await graphql(client, DELETE, {"input": {"id": gid("TimeRecord", mirror.id)}}, token=token)

    assert errors(updated, "timeRecordUpdate") == [("id", "EDIT_IN_HOME_COMPANY")]
    assert errors(deleted, "timeRecordDelete") == [("id", "EDIT_IN_HOME_COMPANY")]
    message = updated["timeRecordUpdate"]["userErrors"][0]["message"]
    async with db.read() as session:
        secondary = await session.get(m.Project, family.secondary_project_id)
    assert f"{secondary.number} Dam inspection (Fjellvik)" in message
    assert (await mirror_of(db, source_id)).hours == Decimal("7.50")


async def test_an_external_co_worker_registering_on_the_main_project_is_sent_to_the_secondary(db, client, family):
    async with db.read() as session:
        secondary = await session.get(m.Project, family.secondary_project_id)
    direct = {"projectId": family.main_gid, "activityId": gid("Activity", family.main_activity_ids[0]),
              "date": DAY, "hours": "1"}
    own = await graphql(client, CREATE, {"input": direct}, token=family.guest.token)
    for_them = await graphql(client, CREATE, {"input": {**direct, "coWorkerId": family.guest.gid}},
                             token=family.main["admin"].token)

    assert errors(own, "timeRecordCreate") == [("projectId", "REGISTER_IN_HOME_COMPANY")]
    assert errors(for_them, "timeRecordCreate") == [("coWorkerId", "REGISTER_IN_HOME_COMPANY")]
    assert f"{secondary.number} Dam inspection (Fjellvik)" in own["timeRecordCreate"]["userErrors"][0]["message"]
    assert await count_records(db) == 0


async def test_without_a_secondary_project_a_partner_co_worker_is_still_sent_home_with_the_way_to_get_one(
        db, client, family):
    async with db.transaction() as session:
        await session.execute(update(m.Project).where(m.Project.id == family.secondary_project_id)
                              .values(main_project_id=None))
    data = await graphql(client, CREATE, {"input": {
        "projectId": family.main_gid, "activityId": gid("Activity", family.main_activity_ids[0]), "date": DAY,
        "hours": "1"}}, token=family.guest.token)
    assert errors(data, "timeRecordCreate") == [("projectId", "REGISTER_IN_HOME_COMPANY")]
    assert "Fjellvik" in data["timeRecordCreate"]["userErrors"][0]["message"]


# --- locking ---------------------------------------------------------------------------------------------


async def test_once_the_main_company_approves_the_mirror_the_source_is_locked(db, client, family):
    source_id = await register(client, family)
    mirror = await mirror_of(db, source_id)
    approved = await graphql(client, APPROVE, {"input": {"ids": [gid("TimeRecord", mirror.id)]}},
                             token=family.main["leader"].token)
    assert approved["timeRecordsApprove"]["timeRecords"] == [{"id": gid("TimeRecord", mirror.id), "status": "APPROVED"}]

    updated = await graphql(client, UPDATE, {"input": {"id": gid("TimeRecord", source_id), "hours": "1"}},
                            token=family.worker.token)
    deleted = await graphql(client, DELETE, {"input": {"id": gid("TimeRecord", source_id)}},
                            token=family.partner["admin"].token)
    assert errors(updated, "timeRecordUpdate") == [("id", "LOCKED")]
    assert errors(deleted, "timeRecordDelete") == [("id", "LOCKED")]
    assert "main company has approved" in updated["timeRecordUpdate"]["userErrors"][0]["message"]
    source = await record(db, source_id)
    assert (source.status, source.hours) == (m.HourStatus.NOT_APPROVED, Decimal("7.50"))


async def test_once_the_source_is_approved_at_home_the_pair_is_locked_and_the_mirror_stays_unapproved(
        db, client, family):
    source_id = await register(client, family)
    data = await graphql(client, APPROVE, {"input": {"ids": [gid("TimeRecord", source_id)]}},
                         token=family.partner["leader"].token)
    assert data["timeRecordsApprove"]["userErrors"] == []

    updated = await graphql(client, UPDATE, {"input": {"id": gid("TimeRecord", source_id), "hours": "1"}},
                            token=family.partner["admin"].token)
    assert errors(updated, "timeRecordUpdate") == [("id", "LOCKED")]
    assert (await mirror_of(db, source_id)).status == m.HourStatus.NOT_APPROVED


async def test_un_approving_the_mirror_unlocks_the_pair_again(db, client, family):
    source_id = await register(client, family)
    mirror = await mirror_of(db, source_id)
    leader = family.main["leader"].token
    for status in ("APPROVED", "NOT_APPROVED"):
        data = await graphql(client, SET_STATUS, {"input": {"ids": [gid("TimeRecord", mirror.id)], "status": status}},
                             token=leader)
        assert data["timeRecordsSetStatus"]["userErrors"] == []
    updated = await graphql(client, UPDATE, {"input": {"id": gid("TimeRecord", source_id), "hours": "1"}},
                            token=family.worker.token)
    assert updated["timeRecordUpdate"]["userErrors"] == []
    assert (await mirror_of(db, source_id)).hours == Decimal("1.00")


# --- status changes, each company on its own side ------------------------------------------------------


async def set_status(client, pks, status, token):
    return await graphql(client, SET_STATUS, {"input": {"ids": [gid("TimeRecord", pk) for pk in pks], "status": status}},
                         token=token)


async def test_approving_and_invoicing_the_mirror_leaves_the_source_as_it_was(db, client, family):
    source_id = await register(client, family)
    mirror = await mirror_of(db, source_id)
    for status in ("APPROVED", "INVOICED"):
        data = await set_status(client, [mirror.id], status, family.main["leader"].token)
        assert data["timeRecordsSetStatus"]["timeRecords"] == [{"id": gid("TimeRecord", mirror.id), "status": status}]
    assert (await record(db, source_id)).status == m.HourStatus.NOT_APPROVED
    assert [a for a, *_ in await time_record_events(db, mirror.id)] == ["CREATED", "APPROVED", "INVOICED"]


async def test_the_partner_invoices_its_own_source_without_touching_the_mirror(db, client, family):
    source_id = await register(client, family)
    admin = family.partner["admin"].token
    await set_status(client, [source_id], "APPROVED", admin)
    data = await set_status(client, [source_id], "INVOICED", admin)
    assert data["timeRecordsSetStatus"]["userErrors"] == []
    assert (await record(db, source_id)).status == m.HourStatus.INVOICED
    assert (await mirror_of(db, source_id)).status == m.HourStatus.NOT_APPROVED


async def test_only_approved_hours_can_be_invoiced(db, client, family):
    source_id = await register(client, family)
    data = await set_status(client, [source_id], "INVOICED", family.partner["admin"].token)
    assert errors(data, "timeRecordsSetStatus") == [("ids.0", "INVALID_INPUT")]
    assert (await record(db, source_id)).status == m.HourStatus.NOT_APPROVED


async def test_invoiced_hours_go_back_to_approved_by_an_admin_only_and_never_straight_to_not_approved(
        db, client, family):
    source_id = await register(client, family)
    leader, admin = family.partner["leader"].token, family.partner["admin"].token
    await set_status(client, [source_id], "APPROVED", leader)
    await set_status(client, [source_id], "INVOICED", leader)

    straight_back = await set_status(client, [source_id], "NOT_APPROVED", admin)
    by_leader = await set_status(client, [source_id], "APPROVED", leader)
    by_admin = await set_status(client, [source_id], "APPROVED", admin)

    assert errors(straight_back, "timeRecordsSetStatus") == [("ids.0", "LOCKED")]
    assert errors(by_leader, "timeRecordsSetStatus") == [("ids.0", "FORBIDDEN")]
    assert by_admin["timeRecordsSetStatus"]["timeRecords"][0]["status"] == "APPROVED"
    assert [a for a, *_ in await time_record_events(db, source_id)] == ["CREATED", "APPROVED", "INVOICED", "APPROVED"]


async def test_employees_and_the_other_company_cannot_change_a_status(db, client, family):
    source_id = await register(client, family)
    mirror = await mirror_of(db, source_id)
    own = await set_status(client, [source_id], "APPROVED", family.worker.token)
    other_side = await set_status(client, [source_id, mirror.id], "APPROVED", family.main["admin"].token)
    assert errors(own, "timeRecordsSetStatus") == [("ids.0", "FORBIDDEN")]
    # The partner's source is invisible to the main company: it looks missing, and nothing changes.
    assert errors(other_side, "timeRecordsSetStatus") == [("ids.0", "NOT_FOUND")]
    assert (await mirror_of(db, source_id)).status == m.HourStatus.NOT_APPROVED


async def test_un_approving_records_an_event_and_setting_the_same_status_again_changes_nothing(db, client, family):
    source_id = await register(client, family)
    leader = family.partner["leader"].token
    for status in ("APPROVED", "APPROVED", "NOT_APPROVED", "NOT_APPROVED"):
        data = await set_status(client, [source_id], status, leader)
        assert data["timeRecordsSetStatus"]["userErrors"] == []
    assert [a for a, *_ in await time_record_events(db, source_id)] == ["CREATED", "APPROVED", "UNAPPROVED"]


async def test_at_most_100_ids_are_set_at_a_time(db, client, family):
    data = await graphql(client, SET_STATUS, {"input": {"ids": [gid("TimeRecord", i) for i in range(1, 102)],
                                                        "status": "APPROVED"}}, token=family.main["admin"].token)
    assert errors(data, "timeRecordsSetStatus") == [("ids", "INVALID_INPUT")]
