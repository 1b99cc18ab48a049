"""partnerHoursReconciliation and partnerHoursResync (SPEC §4): each discrepancy planted straight in the database
is found, and the resync repairs exactly the unlocked ones."""
import datetime as dt

import httpx
import pytest
from sqlalchemy import insert, select, update

from domain import model as m
from partnergraph.composition import create_app
from tests.factories import add_customer, add_project, gid, graphql
from tests.gql.test_statement_count import counting_statements
from tests.partner_hours_seeds import (
    ProjectFamily,
    insert_mirror,
    insert_pair,
    insert_record,
    insert_source,
    project_family,
)

RECONCILE = """
query Reconcile($projectId: ID!, $from: Date!, $to: Date!) {
  partnerHoursReconciliation(projectId: $projectId, from: $from, to: $to) {
    from to balanced mainHours secondaryHours
    project { id }
    coWorkers {
      name mainHours secondaryHours difference balanced
      partnerCompany { databaseName }
      coWorker { id }
      discrepancies { kind }
    }
    discrepancies {
      kind locked sourceRecordId mirrorRecordId sourceValue mirrorValue
      mirror { id hours } partnerCompany { databaseName } coWorker { id }
    }
  }
}
"""

RESYNC = """
mutation Resync($input: PartnerHoursResyncInput!) {
  partnerHoursResync(input: $input) {
    project { id }
    changes { action mirrorRecordId sourceRecordId repaired mirror { id date hours description isMirror } }
    notRepaired { reason discrepancy { kind sourceRecordId mirrorRecordId locked } }
    userErrors { field message code }
  }
}
"""

CREATE = """
mutation Create($input: TimeRecordCreateInput!) {
  timeRecordCreate(input: $input) { timeRecord { id } userErrors { field message code } }
}
"""

MARCH = {"from": "2026-03-01", "to": "2026-03-31"}
DAY = dt.date(2026, 3, 2)


def day(n: int) -> dt.date:
    return DAY + dt.timedelta(days=n)


def tid(pk: int | None) -> str | None:
    return None if pk is None else gid("TimeRecord", pk)


async def reconcile(client, family: ProjectFamily, *, token=None, period=MARCH, expect_errors=False):
    body = await graphql(client, RECONCILE, {"projectId": family.main_gid, **period},
                         token=token or family.main["admin"].token, expect_errors=expect_errors)
    return body if expect_errors else body["partnerHoursReconciliation"]


async def resync(client, family: ProjectFamily, *, token=None, project_gid=None):
    data = await graphql(client, RESYNC, {"input": {"projectId": project_gid or family.main_gid}},
                         token=token or family.main["admin"].token)
    return data["partnerHoursResync"]


def found_set(discrepancies) -> set[tuple]:
    return {(d["kind"], d["sourceRecordId"], d["mirrorRecordId"], d["locked"]) for d in discrepancies}


@pytest.fixture
async def family(db) -> ProjectFamily:
    """nordlys' main project with secondaries in fjellvik and havbris, two guests from each."""
    return await project_family(db, ("fjellvik", "havbris"), guests_per_partner=2)


@pytest.fixture
async def planted(db, family):
    """One of every discrepancy, unlocked and locked, among identical pairs (returns the ids by name)."""
    a, b, c, d = family.guests  # a, b from fjellvik; c, d from havbris
    ids = {}
    ids["identical"] = await insert_pair(db, family, a, date=day(0), hours="6", description="Survey")
    ids["missing"] = await insert_source(db, family, a, date=day(1), hours="2")
    source = await insert_source(db, family, b, date=day(2), hours="3")
    ids["hours"] = (source, await insert_mirror(db, family, b, source, date=day(2), hours="4"))
    source = await insert_source(db, family, b, date=day(3), hours="1")
    ids["date"] = (source, await insert_mirror(db, family, b, source, date=day(4), hours="1"))
    source = await insert_source(db, family, c, date=day(3), hours="1", activity=0)
    ids["activity"] = (source, await insert_mirror(db, family, c, source, date=day(3), hours="1", activity=1))
    source = await insert_source(db, family, c, date=day(4), hours="2")
    ids["co_worker"] = (source, await insert_mirror(db, family, d, source, date=day(4), hours="2"))
    source = await insert_source(db, family, d, date=day(5), hours="2", description="Drilling")
    ids["description"] = (source, await insert_mirror(db, family, d, source, date=day(5), hours="2",
                                                      description="Drill"))
    # an orphan linked to hours on another project of the partner, and a partner's hours with no source at all
    elsewhere = await add_project(db, a.company, await add_customer(db, a.company, "Other AS"), "Other", activities=1)
    async with db.read() as session:
        other_activity = await session.scalar(select(m.Activity.id).where(m.Activity.project_id == elsewhere))
    stray = await insert_record(db, company_id=a.company.id, project_id=elsewhere, activity_id=other_activity,
                                co_worker_id=a.home.co_worker_id, date=day(6), hours="5")
    ids["orphan_linked"] = (stray, await insert_mirror(db, family, a, stray, date=day(6), hours="5"))
    ids["orphan_unlinked"] = (None, await insert_mirror(db, family, c, None, date=day(6), hours="1.5"))
    # locked: an approved source whose mirror differs, an invoiced mirror that differs, an approved orphan
    source = await insert_source(db, family, a, date=day(7), hours="3", status=m.HourStatus.APPROVED)
    ids["locked_hours"] = (source, await insert_mirror(db, family, a, source, date=day(7), hours="2"))
    source = await insert_source(db, family, c, date=day(8), hours="3")
    ids["locked_date"] = (source, await insert_mirror(db, family, c, source, date=day(9), hours="3",
                                                      status=m.HourStatus.INVOICED))
    ids["locked_orphan"] = (None, await insert_mirror(db, family, d, None, date=day(8), hours="1",
                                                      status=m.HourStatus.APPROVED))
    return ids


def expected_discrepancies(ids) -> set[tuple]:
    def pair(kind, name, locked=False):
        source, mirror = ids[name]
        return (kind, tid(source), tid(mirror), locked)

    return {
        ("MISSING_MIRROR", tid(ids["missing"]), None, False),
        pair("HOURS_DIFFER", "hours"),
        pair("DATE_DIFFER", "date"),
        pair("ACTIVITY_DIFFER", "activity"),
        pair("CO_WORKER_DIFFER", "co_worker"),
        pair("DESCRIPTION_DIFFER", "description"),
        pair("ORPHAN_MIRROR", "orphan_linked"),
        pair("ORPHAN_MIRROR", "orphan_unlinked"),
        pair("HOURS_DIFFER", "locked_hours", locked=True),
        pair("DATE_DIFFER", "locked_date", locked=True),
        pair("ORPHAN_MIRROR", "locked_orphan", locked=True),
    }


# --- the reconciliation ------------------------------------------------------------------


async def test_a_family_of_identical_pairs_is_balanced(db, client, family):
    for n, guest in enumerate(family.guests):
        await insert_pair(db, family, guest, date=day(n), hours="7.5", activity=n % 2)
    found = await reconcile(client, family)
    assert found["balanced"] is True
    assert found["discrepancies"] == []
    assert (found["mainHours"], found["secondaryHours"]) == ("30.00", "30.00")
    assert [(p["partnerCompany"]["databaseName"], p["mainHours"], p["secondaryHours"], p["difference"], p["balanced"])
            for p in found["coWorkers"]] == [("fjellvik", "7.50", "7.50", "0.00", True)] * 2 + [
        ("havbris", "7.50", "7.50", "0.00", True)] * 2
    assert {p["coWorker"]["id"] for p in found["coWorkers"]} == {g.external.gid for g in family.guests}
    assert found["project"]["id"] == family.main_gid


async def test_the_reconciliation_finds_every_kind_of_discrepancy_planted_in_the_database(client, family, planted):
    found = await reconcile(client, family)
    assert found["balanced"] is False
    assert found_set(found["discrepancies"]) == expected_discrepancies(planted)
    by_kind = {(d["kind"], d["mirrorRecordId"]): d for d in found["discrepancies"]}
    hours = by_kind[("HOURS_DIFFER", tid(planted["hours"][1]))]
    assert (hours["sourceValue"], hours["mirrorValue"], hours["mirror"]["hours"]) == ("3.00", "4.00", "4.00")
    assert hours["partnerCompany"]["databaseName"] == "fjellvik"
    assert hours["coWorker"]["id"] == family.guests[1].external.gid
    date = by_kind[("DATE_DIFFER", tid(planted["date"][1]))]
    assert (date["sourceValue"], date["mirrorValue"]) == ("2026-03-05", "2026-03-06")
    co_worker = by_kind[("CO_WORKER_DIFFER", tid(planted["co_worker"][1]))]
    assert (co_worker["sourceValue"], co_worker["mirrorValue"]) == (
        str(family.guests[2].external.co_worker_id), str(family.guests[3].external.co_worker_id))


async def test_each_partner_co_worker_gets_their_hours_on_both_sides_and_their_own_discrepancies(client, family, planted):
    found = await reconcile(client, family)
    people = {p["coWorker"]["id"]: p for p in found["coWorkers"]}
    a = people[family.guests[0].external.gid]
    # a: identical 6, missing 2, locked 3 against 2; on the main side also the linked orphan's 5
    assert (a["secondaryHours"], a["mainHours"], a["difference"], a["balanced"]) == ("11.00", "13.00", "2.00", False)
    assert sorted(d["kind"] for d in a["discrepancies"]) == ["HOURS_DIFFER", "MISSING_MIRROR", "ORPHAN_MIRROR"]
    assert a["name"] == "Employee" and a["partnerCompany"]["databaseName"] == "fjellvik"
    assert found["secondaryHours"] == "23.00"


async def test_the_period_takes_a_pair_when_either_side_is_dated_in_it(db, client, family):
    guest = family.guests[0]
    source = await insert_source(db, family, guest, date=dt.date(2026, 3, 31), hours="1")
    mirror = await insert_mirror(db, family, guest, source, date=dt.date(2026, 4, 1), hours="1")
    await insert_source(db, family, guest, date=dt.date(2026, 2, 27), hours="4")  # missing mirror, before March
    found = await reconcile(client, family)
    assert found_set(found["discrepancies"]) == {("DATE_DIFFER", tid(source), tid(mirror), False)}
    april = await reconcile(client, family, period={"from": "2026-04-01", "to": "2026-04-30"})
    assert found_set(april["discrepancies"]) == {("DATE_DIFFER", tid(source), tid(mirror), False)}
    assert (april["mainHours"], april["secondaryHours"]) == ("1.00", "0.00")


async def test_the_main_projects_leader_may_reconcile_and_others_may_not(db, client, family, planted):
    assert (await reconcile(client, family, token=family.main["leader"].token))["balanced"] is False

    async def refusal(token, period=MARCH, project_gid=None):
        body = await graphql(client, RECONCILE, {"projectId": project_gid or family.main_gid, **period}, token=token,
                             expect_errors=True)
        [error] = body["errors"]
        return error["extensions"]["code"], error["extensions"].get("field")

    partner = family.guests[0].company
    # the partner company cannot see the main project; an employee of the main company is not a member either
    assert await refusal(partner["admin"].token) == ("NOT_FOUND", "projectId")
    assert await refusal(family.main["employee"].token) == ("NOT_FOUND", "projectId")
    # a guest is a member of the main project (they see it) but manages nothing
    assert await refusal(family.guests[0].external.token) == ("FORBIDDEN", "projectId")
    assert await refusal(family.main["admin"].token, {"from": "2026-03-31", "to": "2026-03-01"}) == (
        "INVALID_INPUT", "to")
    # the main company cannot reconcile a partner's secondary project (its side is the partner's to reconcile:
    # tests/gql/test_partner_side_reconciliation.py)
    secondary = gid("Project", family.secondary_of(family.guests[0]))
    assert await refusal(family.main["admin"].token, project_gid=secondary) == ("NOT_FOUND", "projectId")


async def test_a_reconciliation_costs_the_same_statements_for_four_pairs_as_for_forty(db, family):
    app = create_app(db.settings.model_copy(update={"max_query_cost": 10**9, "rate_limit": False}), db)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
        for n, guest in enumerate(family.guests):
            await insert_pair(db, family, guest, date=day(n), hours="2")
            await insert_source(db, family, guest, date=day(n + 10), hours="1")
        with counting_statements(db) as few:
            small = await reconcile(client, family, period={"from": "2026-03-02", "to": "2026-03-05"})
        for n in range(9):
            for guest in family.guests:
                await insert_pair(db, family, guest, date=dt.date(2026, 4, 1 + n), hours="1", activity=n % 2)
                await insert_source(db, family, guest, date=dt.date(2026, 4, 11 + n), hours="1")
        with counting_statements(db) as many:
            large = await reconcile(client, family, period={"from": "2026-03-01", "to": "2026-04-30"})
    assert len(small["discrepancies"]) == 0 and len(large["discrepancies"]) == 4 + 36
    assert len(few) == len(many)


# --- the resync ---------------------------------------------------------------------------


async def test_the_resync_repairs_exactly_the_unlocked_discrepancies_and_reports_the_locked_ones(db, client, family,
                                                                                                  planted):
    async with db.read() as session:
        events_before = await session.scalar(select(m.Event.id).order_by(m.Event.id.desc()).limit(1)) or 0

    result = await resync(client, family)

    assert result["userErrors"] == []
    changes = {(c["action"], c["sourceRecordId"], tuple(sorted(c["repaired"]))) for c in result["changes"]}
    assert changes == {
        ("CREATED", tid(planted["missing"]), ("MISSING_MIRROR",)),
        ("UPDATED", tid(planted["hours"][0]), ("HOURS_DIFFER",)),
        ("UPDATED", tid(planted["date"][0]), ("DATE_DIFFER",)),
        ("UPDATED", tid(planted["activity"][0]), ("ACTIVITY_DIFFER",)),
        ("UPDATED", tid(planted["co_worker"][0]), ("CO_WORKER_DIFFER",)),
        ("UPDATED", tid(planted["description"][0]), ("DESCRIPTION_DIFFER",)),
        ("DELETED", tid(planted["orphan_linked"][0]), ("ORPHAN_MIRROR",)),
    }
    assert {(n["reason"], n["discrepancy"]["kind"], n["discrepancy"]["mirrorRecordId"])
            for n in result["notRepaired"]} == {
        ("LOCKED", "HOURS_DIFFER", tid(planted["locked_hours"][1])),
        ("LOCKED", "DATE_DIFFER", tid(planted["locked_date"][1])),
        ("LOCKED", "ORPHAN_MIRROR", tid(planted["locked_orphan"][1])),
        # a partner's hours on the main project that copy no source are their only record: reported, kept
        ("NO_SOURCE", "ORPHAN_MIRROR", tid(planted["orphan_unlinked"][1])),
    }
    # the mirrors say what their sources say now
    created = next(c for c in result["changes"] if c["action"] == "CREATED")
    assert (created["mirror"]["date"], created["mirror"]["hours"], created["mirror"]["isMirror"]) == (
        "2026-03-03", "2.00", True)
    # and reconciling again finds the locked ones and the hours with no source only
    again = await reconcile(client, family)
    assert found_set(again["discrepancies"]) == {
        d for d in expected_discrepancies(planted) if d[3] or d[2] == tid(planted["orphan_unlinked"][1])}
    # every change was recorded as an event of the main company
    async with db.read() as session:
        new_events = list(await session.execute(
            select(m.Event.action, m.Event.company_id).where(m.Event.id > events_before, m.Event.kind == m.EventKind.TIME_RECORD)))
    assert sorted(new_events) == sorted(
        [("CREATED", family.main.id)] + [("UPDATED", family.main.id)] * 5 + [("DELETED", family.main.id)])


async def test_the_resync_leaves_every_source_with_exactly_one_identical_mirror(db, client, family, planted):
    await resync(client, family)
    async with db.read() as session:
        sources = list(await session.scalars(select(m.TimeRecord).where(
            m.TimeRecord.project_id.in_(list(family.secondary_ids.values())))))
        mirrors = {r.source_record_id: r for r in await session.scalars(select(m.TimeRecord).where(
            m.TimeRecord.project_id == family.main_project_id))}
        copied_from = dict((await session.execute(select(m.Activity.id, m.Activity.source_activity_id))).all())
    locked = {planted["locked_hours"][0], planted["locked_date"][0]}
    externals = {g.home.co_worker_id: g.external.co_worker_id for g in family.guests}
    for source in sources:
        mirror = mirrors[source.id]
        if source.id in locked:
            continue
        assert (mirror.date, mirror.hours, mirror.description) == (source.date, source.hours, source.description)
        assert mirror.activity_id == copied_from[source.activity_id]
        assert mirror.co_worker_id == externals[source.co_worker_id]
    # the orphan mirror is gone; the locked orphan and the hours with no source stay
    assert planted["orphan_linked"][0] not in mirrors
    async with db.read() as session:
        on_main = set(await session.scalars(select(m.TimeRecord.id).where(
            m.TimeRecord.project_id == family.main_project_id)))
    assert on_main >= {planted["locked_orphan"][1], planted["orphan_unlinked"][1]}


async def test_a_resync_of_a_balanced_project_changes_nothing(db, client, family):
    for n, guest in enumerate(family.guests):
        await insert_pair(db, family, guest, date=day(n), hours="1")
    result = await resync(client, family)
    assert (result["changes"], result["notRepaired"], result["userErrors"]) == ([], [], [])


async def test_a_source_whose_mirror_has_nowhere_to_go_is_reported_not_repaired(db, client, family):
    # given hours on an activity made directly on the secondary (not a copy of a main-project activity)
    guest = family.guests[0]
    async with db.transaction() as session:
        own_activity = await session.scalar(insert(m.Activity).values(
            project_id=family.secondary_of(guest), name="Own").returning(m.Activity.id))
    source = await insert_record(db, company_id=guest.company.id, project_id=family.secondary_of(guest),
                                 activity_id=own_activity, co_worker_id=guest.home.co_worker_id, date=DAY, hours="1")
    result = await resync(client, family)
    assert result["changes"] == []
    assert [(n["reason"], n["discrepancy"]["kind"], n["discrepancy"]["sourceRecordId"]) for n in result["notRepaired"]
            ] == [("MIRROR_TARGET_MISSING", "MISSING_MIRROR", tid(source))]


async def test_only_the_main_projects_managers_may_resync(db, client, family, planted):
    async def codes(token, project_gid=None):
        data = await graphql(client, RESYNC, {"input": {"projectId": project_gid or family.main_gid}}, token=token)
        result = data["partnerHoursResync"]
        assert result["changes"] == [] and result["project"] is None
        return [(e["field"], e["code"]) for e in result["userErrors"]]

    assert await codes(family.guests[0].company["admin"].token) == [("projectId", "NOT_FOUND")]
    assert await codes(family.guests[0].external.token) == [("projectId", "FORBIDDEN")]
    assert await codes(family.main["admin"].token, gid("Project", family.secondary_of(family.guests[0]))) == [
        ("projectId", "NOT_FOUND")]
    assert await codes(family.main["admin"].token, "bad") == [("projectId", "INVALID_INPUT")]
    # nothing was written
    assert not (await reconcile(client, family))["balanced"]
    assert len((await reconcile(client, family))["discrepancies"]) == len(expected_discrepancies(planted))
    # the leader may
    assert (await resync(client, family, token=family.main["leader"].token))["userErrors"] == []


# --- with the hour services' own mirroring ----------------------------------------------------


async def test_hours_registered_through_the_api_on_secondary_projects_reconcile_balanced(db, client, family):
    for n, guest in enumerate(family.guests):
        secondary = family.secondary_of(guest)
        data = await graphql(client, CREATE, {"input": {
            "projectId": gid("Project", secondary),
            "activityId": gid("Activity", family.copy_of(guest, family.main_activity_ids[n % 2])),
            "date": day(n).isoformat(), "hours": "3.25", "description": f"Work {n}"}}, token=guest.home.token)
        assert data["timeRecordCreate"]["userErrors"] == []
    found = await reconcile(client, family)
    assert found["balanced"] is True, found["discrepancies"]
    assert found["mainHours"] == found["secondaryHours"] == "13.00"
    # and a mirror changed behind the services' back is found, then repaired
    async with db.transaction() as session:
        await session.execute(update(m.TimeRecord).where(m.TimeRecord.project_id == family.main_project_id)
                              .values(hours=1))
    assert {d["kind"] for d in (await reconcile(client, family))["discrepancies"]} == {"HOURS_DIFFER"}
    assert len((await resync(client, family))["changes"]) == 4
    assert (await reconcile(client, family))["balanced"] is True
