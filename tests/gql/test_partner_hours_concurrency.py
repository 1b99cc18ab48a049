"""Mirrors under load (issue 5, item 6): 200 registrations, updates and deletes of partner hours at once, through
two server processes on one PostgreSQL database, leave every source with exactly one identical mirror."""
import asyncio
import datetime as dt
import random
from collections import Counter
from decimal import Decimal

import httpx
import pytest
from sqlalchemy import select

from domain import model as m
from tests.factories import gid
from tests.partner_hours_seeds import Guest, ProjectFamily, project_family
from tests.server_processes import server_processes

EXISTING = 40  # registered first, then updated (twice each, at the same moment) and some deleted
CREATIONS, UPDATES, DELETES = 100, 2 * EXISTING, 20  # the 200 fired together
# What a racing request may be told: the record it updates was deleted meanwhile (NOT_FOUND), or changed
# between its read and its write (CONFLICT). Anything else is a fault.
ACCEPTED_REFUSALS = {"NOT_FOUND", "CONFLICT"}

CREATE = """
mutation Create($input: TimeRecordCreateInput!) {
  timeRecordCreate(input: $input) { timeRecord { id } userErrors { field message code } }
}
"""

UPDATE = """
mutation Update($input: TimeRecordUpdateInput!) {
  timeRecordUpdate(input: $input) { timeRecord { id } userErrors { field message code } }
}
"""

DELETE = """
mutation Delete($input: TimeRecordDeleteInput!) {
  timeRecordDelete(input: $input) { deletedId userErrors { field message code } }
}
"""

RESYNC = """
mutation Resync($input: PartnerHoursResyncInput!) {
  partnerHoursResync(input: $input) { changes { action } notRepaired { reason } userErrors { code } }
}
"""

RECONCILE = """
query Reconcile($projectId: ID!, $from: Date!, $to: Date!) {
  partnerHoursReconciliation(projectId: $projectId, from: $from, to: $to) {
    balanced mainHours secondaryHours discrepancies { kind sourceRecordId mirrorRecordId }
  }
}
"""


def creation(family: ProjectFamily, guest: Guest, rng: random.Random, n: int) -> dict:
    activity = family.copy_of(guest, rng.choice(family.main_activity_ids))
    return {"projectId": gid("Project", family.secondary_of(guest)), "activityId": gid("Activity", activity),
            "date": (dt.date(2026, 3, 1) + dt.timedelta(days=n % 28)).isoformat(),
            "hours": str(Decimal(rng.randint(1, 8)) / 4), "description": f"Registration {n}"}


def change(family: ProjectFamily, guest: Guest, rng: random.Random, record_id: str, n: int) -> dict:
    """A change of some of a record's fields: hours, date, description and activity, each maybe."""
    values = {"id": record_id, "hours": str(Decimal(rng.randint(1, 8)) / 4), "description": f"Update {n}"}
    if rng.random() < 0.5:
        values["date"] = (dt.date(2026, 4, 1) + dt.timedelta(days=n % 28)).isoformat()
    if rng.random() < 0.5:
        values["activityId"] = gid("Activity", family.copy_of(guest, rng.choice(family.main_activity_ids)))
    return values


async def test_two_hundred_concurrent_changes_of_partner_hours_through_two_processes_leave_every_mirror_identical(
    db, tmp_path
):
    if db.sqlite:
        pytest.skip("runs on PostgreSQL: the database several server processes share (SPEC: scale-out)")

    # given a main project with secondaries in two partner companies and two partner co-workers from each
    family = await project_family(db, ("fjellvik", "havbris"), guests_per_partner=2)
    rng = random.Random(5)

    with server_processes(db.settings.database_url, 2, tmp_path) as urls:
        clients = [httpx.AsyncClient(base_url=url, timeout=60, limits=httpx.Limits(max_connections=100))
                   for url in urls]

        async def call(n: int, guest: Guest | None, query: str, values: dict, name: str) -> dict:
            token = family.main["admin"].token if guest is None else guest.home.token
            response = await clients[n % 2].post("/graphql", json={"query": query, "variables": {"input": values}},
                                                 headers={"Authorization": f"Bearer {token}"})
            assert response.status_code == 200, response.text
            body = response.json()
            assert "errors" not in body, body
            return body["data"][name]

        try:
            # and 40 records registered through the two processes
            owners = [family.guests[n % len(family.guests)] for n in range(EXISTING)]
            first = await asyncio.gather(*(
                call(n, guest, CREATE, creation(family, guest, rng, n), "timeRecordCreate")
                for n, guest in enumerate(owners)))
            assert [r["userErrors"] for r in first] == [[]] * EXISTING
            existing = [r["timeRecord"]["id"] for r in first]

            # when 100 registrations, 80 updates (two of each existing record, at once) and 20 deletes run together
            operations = []
            for n in range(CREATIONS):
                guest = family.guests[n % len(family.guests)]
                operations.append(("create", call(n, guest, CREATE, creation(family, guest, rng, 100 + n),
                                                  "timeRecordCreate")))
            for n in range(UPDATES):
                index = n % EXISTING
                operations.append(("update", call(n, owners[index], UPDATE,
                                                  change(family, owners[index], rng, existing[index], n),
                                                  "timeRecordUpdate")))
            for n in range(DELETES):
                index = 2 * n  # every other existing record
                operations.append(("delete", call(n + 1, owners[index], DELETE, {"id": existing[index]},
                                                  "timeRecordDelete")))
            rng.shuffle(operations)
            assert len(operations) == 200
            # and, among them, the main company runs two resyncs (their source locks meet the hour services')
            for n in (0, 1):
                operations.insert(60 + 60 * n, ("resync", call(n, None, RESYNC, {"projectId": family.main_gid},
                                                               "partnerHoursResync")))
            results = await asyncio.gather(*(operation for _, operation in operations))
            reconciled = (await clients[0].post("/graphql", json={"query": RECONCILE, "variables": {
                "projectId": family.main_gid, "from": "2026-01-01", "to": "2026-12-31"}},
                headers={"Authorization": f"Bearer {family.main['admin'].token}"})).json()
        finally:
            for client in clients:
                await client.aclose()

    # then every registration and delete succeeded, and an update failed only by meeting a delete or another update
    outcomes = Counter()
    for (kind, _), result in zip(operations, results, strict=True):
        if kind == "resync":
            # every committed state was consistent, so a resync in the middle of it all finds nothing to repair
            assert result == {"changes": [], "notRepaired": [], "userErrors": []}
            continue
        codes = {e["code"] for e in result["userErrors"]}
        assert kind == "update" and codes <= ACCEPTED_REFUSALS or not codes, (kind, result["userErrors"])
        outcomes[(kind, "refused" if codes else "done")] += 1
    assert outcomes[("create", "done")] == CREATIONS and outcomes[("delete", "done")] == DELETES
    assert outcomes[("update", "done")] >= EXISTING - DELETES  # each surviving record was updated at least once

    # and the reconciliation balances
    assert "errors" not in reconciled, reconciled
    found = reconciled["data"]["partnerHoursReconciliation"]
    assert found["discrepancies"] == [] and found["balanced"] is True
    assert found["mainHours"] == found["secondaryHours"]

    # and in the database every source has exactly one identical mirror: nothing lost, nothing doubled
    async with db.read() as session:
        sources = list(await session.scalars(select(m.TimeRecord).where(
            m.TimeRecord.project_id.in_(list(family.secondary_ids.values())))))
        on_main = list(await session.scalars(select(m.TimeRecord).where(
            m.TimeRecord.project_id == family.main_project_id)))
        copied_from = dict((await session.execute(select(m.Activity.id, m.Activity.source_activity_id))).all())
    assert len(sources) == EXISTING + CREATIONS - DELETES
    mirrors = Counter(r.source_record_id for r in on_main)
    assert set(mirrors) == {s.id for s in sources} and set(mirrors.values()) == {1}
    by_source = {r.source_record_id: r for r in on_main}
    externals = {g.home.co_worker_id: g.external.co_worker_id for g in family.guests}
    for source in sources:
        mirror = by_source[source.id]
        assert (mirror.date, mirror.hours, mirror.description) == (source.date, source.hours, source.description)
        assert (mirror.activity_id, mirror.co_worker_id) == (copied_from[source.activity_id],
                                                             externals[source.co_worker_id])
