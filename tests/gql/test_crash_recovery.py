"""A crash under partner writes (issue 21, item 6), on PostgreSQL: two servers and a worker process while partner
co-workers register, change and delete hours and the main company adds activities (a cascade to every secondary
project); one server is killed and one database backend terminated. Afterwards every acknowledged write is there,
no mirror or cascade is half-written, the reconciliation balances, event ids have no gap, and no answer was a 500.

A write counts as acknowledged when its answer was a 200 with no errors and no userErrors. One that got no answer
(the killed server) or a 503 may or may not have been saved: its record is then allowed either state, and the
writer leaves that record alone. Loops are bounded in time and in count; everything is on 127.0.0.1."""
import asyncio
import datetime as dt
import random
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from domain import model as m
from gql.ids import parse_global_id
from tests.domain.platform.test_job_worker_processes import worker_processes
from tests.factories import gid
from tests.gql.test_partner_hours_concurrency import CREATE, DELETE, RECONCILE, UPDATE
from tests.partner_hours_seeds import Guest, ProjectFamily, project_family
from tests.server_processes import servers

ROOT = Path(__file__).resolve().parents[2]
LOAD_SECONDS, OPERATIONS_PER_WRITER = 5.0, 200
KILL_SERVER_AT, TERMINATE_BACKEND_AT = 1.5, 3.0
ACTIVITY_CREATE = """
mutation Add($input: ActivityCreateInput!) {
  activityCreate(input: $input) { activity { id } userErrors { code } }
}
"""

State = tuple[dt.date, Decimal, str] | None  # a record's date, hours and description; None: deleted


@dataclass
class Ledger:
    """What the clients were told: every answer's status, and per record the states it may be in now."""

    statuses: Counter = field(default_factory=Counter)
    records: dict[int, set[State]] = field(default_factory=dict)
    activities: dict[str, bool] = field(default_factory=dict)  # name -> acknowledged


class Cluster:
    """The two servers: a client for each, and which of them still answer."""

    def __init__(self, urls: list[str]) -> None:
        self.clients = [httpx.AsyncClient(base_url=url, timeout=30) for url in urls]
        self.alive = list(range(len(urls)))

    async def post(self, n: int, token: str, query: str, values: dict, ledger: Ledger) -> dict | None:
        """The payload of an acknowledged answer; None for a 503, a refusal or no answer at all."""
        index = self.alive[n % len(self.alive)]
        try:
            response = await self.clients[index].post(
                "/graphql", json={"query": query, "variables": {"input": values}},
                headers={"Authorization": f"Bearer {token}"})
        except httpx.TransportError:
            ledger.statuses["no answer"] += 1
            if index in self.alive and len(self.alive) > 1:
                self.alive.remove(index)
            return None
        ledger.statuses[response.status_code] += 1
        body = response.json()
        if response.status_code != 200 or body.get("errors"):
            return None
        payload = next(iter(body["data"].values()))
        return payload if not payload["userErrors"] else None

    async def close(self) -> None:
        for client in self.clients:
            await client.aclose()


def state_of(values: dict, before: State) -> State:
    date = dt.date.fromisoformat(values["date"]) if "date" in values else before[0]
    return date, Decimal(values["hours"]), values["description"]


async def hours_writer(cluster: Cluster, family: ProjectFamily, guest: Guest, seed: int, ledger: Ledger,
                       stop: asyncio.Event) -> None:
    """One partner co-worker's chain: register, change and delete their own hours, one request at a time."""
    rng = random.Random(seed)
    current: tuple[int, State] | None = None
    for n in range(OPERATIONS_PER_WRITER):
        if stop.is_set():
            return
        hours = str(Decimal(rng.randint(1, 8)) / 4)
        if current is None or rng.random() < 0.3:
            activity = family.copy_of(guest, rng.choice(family.main_activity_ids))
            values = {"projectId": gid("Project", family.secondary_of(guest)), "activityId": gid("Activity", activity),
                      "date": (dt.date(2026, 3, 1) + dt.timedelta(days=n % 28)).isoformat(), "hours": hours,
                      "description": f"Writer {seed} registration {n}"}
            done = await cluster.post(n, guest.home.token, CREATE, values, ledger)
            if done is not None:
                record_id = parse_global_id(done["timeRecord"]["id"])[1]
                current = (record_id, state_of(values, None))
                ledger.records[record_id] = {current[1]}
            continue
        record_id, before = current
        if rng.random() < 0.8:
            values = {"id": gid("TimeRecord", record_id), "hours": hours, "description": f"Writer {seed} change {n}"}
            if rng.random() < 0.5:
                values["date"] = (dt.date(2026, 4, 1) + dt.timedelta(days=n % 28)).isoformat()
            query, after = UPDATE, state_of(values, before)
        else:
            values, query, after = {"id": gid("TimeRecord", record_id)}, DELETE, None
        done = await cluster.post(n, guest.home.token, query, values, ledger)
        if done is None:
            ledger.records[record_id] = {before, after}  # maybe saved: this record is left alone from now on
            current = None
        else:
            ledger.records[record_id] = {after}
            current = (record_id, after) if after is not None else None


async def activity_writer(cluster: Cluster, family: ProjectFamily, ledger: Ledger, stop: asyncio.Event) -> None:
    """The main company adds activities to the main project: each is copied to every secondary project."""
    for n in range(OPERATIONS_PER_WRITER):
        if stop.is_set():
            return
        name = f"Crash activity {n}"
        done = await cluster.post(n, family.main["admin"].token, ACTIVITY_CREATE,
                                  {"projectId": family.main_gid, "name": name}, ledger)
        ledger.activities[name] = done is not None
        await asyncio.sleep(0.05)


async def terminate_one_backend(url: str) -> int:
    """Ends one other session on the database (a busy one if there is one), as a crashed backend would."""
    admin = create_async_engine(url, poolclass=NullPool)
    try:
        async with admin.connect() as connection:
            return len((await connection.execute(text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid = ("
                " SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
                " AND backend_type = 'client backend' ORDER BY state = 'active' DESC LIMIT 1)"))).all())
    finally:
        await admin.dispose()


async def test_a_killed_server_and_a_terminated_backend_under_partner_writes_lose_and_half_write_nothing(
    db, tmp_path
):
    if db.sqlite:
        pytest.skip("runs on PostgreSQL: the database several server processes and a worker share")
    started = time.monotonic()
    family = await project_family(db, ("fjellvik", "havbris"), guests_per_partner=2)
    await db.engine.dispose()  # the test's own connections are not among those terminated below
    ledger, stop = Ledger(), asyncio.Event()
    command = [str(ROOT / ".venv/bin/partnergraph"), "worker"]
    if not Path(command[0]).exists():
        command[0:1] = [sys.executable, "-m", "partnergraph"]

    apart = {"PARTNERGRAPH_WORKER_IN_PROCESS": "false"}  # the worker process does the jobs
    with (servers(db.settings.database_url, 2, tmp_path, env=apart) as started_servers,
          worker_processes(db.settings.database_url, 1, command=command) as [worker]):
        cluster = Cluster([s.url for s in started_servers])
        try:
            # when partner co-workers write hours and the main company adds activities, through both servers
            writers = [asyncio.create_task(hours_writer(cluster, family, guest, seed, ledger, stop))
                       for seed, guest in enumerate(family.guests)]
            writers.append(asyncio.create_task(activity_writer(cluster, family, ledger, stop)))
            # and one server is killed outright, and later one database backend is terminated
            await asyncio.sleep(KILL_SERVER_AT)
            started_servers[0].process.kill()
            await asyncio.sleep(TERMINATE_BACKEND_AT - KILL_SERVER_AT)
            assert await terminate_one_backend(db.settings.database_url) == 1
            await asyncio.sleep(LOAD_SECONDS - TERMINATE_BACKEND_AT)
            stop.set()
            await asyncio.gather(*writers)
            reconciled = (await cluster.clients[1].post("/graphql", json={"query": RECONCILE, "variables": {
                "projectId": family.main_gid, "from": "2026-01-01", "to": "2026-12-31"}},
                headers={"Authorization": f"Bearer {family.main['admin'].token}"})).json()
        finally:
            stop.set()
            await cluster.close()
        assert worker.poll() is None, "the worker outlived the terminated backend"
        survivor_log = started_servers[1].log.read_text()

    # then no answer was a 500: each was a 200 or a 503 (or none, from the killed server)
    assert set(ledger.statuses) <= {200, 503, "no answer"}, ledger.statuses
    assert ledger.statuses[200] > 50, ledger.statuses
    assert "unexpected error" not in survivor_log, survivor_log[-3000:]

    # and every acknowledged write is there (and every unacknowledged one is either there or not)
    async with db.read() as session:
        rows = {r.id: r for r in await session.scalars(select(m.TimeRecord))}
        sources = [r for r in rows.values() if r.project_id in family.secondary_ids.values()]
        on_main = [r for r in rows.values() if r.project_id == family.main_project_id]
        activities = list(await session.scalars(select(m.Activity)))
        event_ids = list(await session.scalars(select(m.Event.id).order_by(m.Event.id)))
    for record_id, allowed in ledger.records.items():
        row = rows.get(record_id)
        found = None if row is None else (row.date, row.hours, row.description)
        assert found in allowed, (record_id, found, allowed)

    # and every source has exactly one identical mirror: nothing of a mirror is half-written
    mirrors = Counter(r.source_record_id for r in on_main)
    assert set(mirrors) == {s.id for s in sources} and set(mirrors.values()) <= {1}
    by_source = {r.source_record_id: r for r in on_main}
    for source in sources:
        mirror = by_source[source.id]
        assert (mirror.date, mirror.hours, mirror.description) == (source.date, source.hours, source.description)

    # and each activity of the main project has its copy on every secondary project, acknowledged ones among them
    on_main_project = {a.id: a.name for a in activities if a.project_id == family.main_project_id}
    copies = Counter((a.project_id, a.source_activity_id) for a in activities if a.source_activity_id is not None)
    for secondary in family.secondary_ids.values():
        assert all(copies[(secondary, main_id)] == 1 for main_id in on_main_project), secondary
    assert {name for name, acknowledged in ledger.activities.items() if acknowledged} <= set(on_main_project.values())

    # and the reconciliation balances, and the event ids have no gap
    assert "errors" not in reconciled, reconciled
    assert reconciled["data"]["partnerHoursReconciliation"]["balanced"] is True
    assert reconciled["data"]["partnerHoursReconciliation"]["discrepancies"] == []
    assert event_ids == list(range(event_ids[0], event_ids[0] + len(event_ids)))
    assert time.monotonic() - started < 60
