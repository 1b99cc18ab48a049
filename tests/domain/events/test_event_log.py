"""The event log: written with the change or not at all, with dense, commit-ordered ids, and a retention purge."""
import asyncio
import datetime as dt
import random
from decimal import Decimal

import pytest
from sqlalchemy import func, select, update

from domain.events import log as events
from domain import model as m
from domain.events.log import ProjectAction, TimeRecordAction
from domain.hours import records as hours
from domain.access.tokens import viewer_for_token
from tests.factories import add_customer, add_project, add_time_records, company_with_staff


@pytest.fixture
async def acme(db):
    company = await company_with_staff(db)
    customer_id = await add_customer(db, company)
    company.project_ids = [
        await add_project(db, company, customer_id, f"Project {i}", leader=company["leader"],
                          members=[company["employee"], company["external"]])
        for i in range(3)
    ]
    return company


async def change_project(db, project_id: int, *, name: str, count: int = 1) -> None:
    """One transaction that renames a project and records `count` events about it."""
    async with db.transaction() as session:
        project = await session.get(m.Project, project_id)
        project.name = name
        for _ in range(count):
            events.record(session, ProjectAction.UPDATED, project)


async def all_events(db) -> list[m.Event]:
    async with db.read() as session:
        return list(await session.scalars(select(m.Event).order_by(m.Event.id)))


async def test_an_event_is_written_in_the_same_transaction_as_the_change_it_describes(db, acme):
    viewer = await viewer_for_token(db, acme["employee"].token)
    draft = hours.TimeRecordDraft(project_id=acme.project_ids[0], activity_id=await first_activity(db, acme),
                                  date=dt.date(2026, 3, 2), hours=Decimal(7))
    record = await hours.create_time_record(db, viewer, draft)

    [written] = await all_events(db)
    assert (written.id, written.kind, written.action) == (1, m.EventKind.TIME_RECORD, "CREATED")
    assert (written.company_id, written.project_id, written.node_id) == (acme.id, acme.project_ids[0], record.id)
    assert written.snapshot["hours"] == "7.00" and written.snapshot["co_worker_id"] == acme["employee"].co_worker_id


async def test_a_rolled_back_change_leaves_no_event_and_takes_no_id(db, acme):
    with pytest.raises(RuntimeError):
        async with db.transaction() as session:
            project = await session.get(m.Project, acme.project_ids[0])
            project.name = "Never"
            events.record(session, ProjectAction.UPDATED, project)
            raise RuntimeError("the use case fails after recording")
    await change_project(db, acme.project_ids[1], name="Kept")

    assert [(e.id, e.node_id) for e in await all_events(db)] == [(1, acme.project_ids[1])]
    async with db.read() as session:
        assert await session.scalar(select(m.Project.name).where(m.Project.id == acme.project_ids[0])) != "Never"


async def test_a_refused_use_case_writes_neither_the_change_nor_its_event(db, acme):
    viewer = await viewer_for_token(db, acme["employee"].token)
    [record_id] = await add_time_records(db, acme, acme.project_ids[0], acme["employee"], hours=Decimal(20))
    with pytest.raises(Exception):  # a second record would pass 24 hours that day
        await hours.create_time_record(db, viewer, hours.TimeRecordDraft(
            project_id=acme.project_ids[0], activity_id=await first_activity(db, acme),
            date=dt.date(2026, 3, 2), hours=Decimal(5)))
    assert await all_events(db) == []
    await hours.delete_time_record(db, viewer, record_id)
    [deleted] = await all_events(db)
    assert (deleted.action, deleted.node_id, deleted.snapshot["hours"]) == ("DELETED", record_id, "20.00")


async def test_one_transaction_s_events_get_consecutive_ids_in_the_order_recorded(db, acme):
    async with db.transaction() as session:
        first, second = [await session.get(m.Project, pid) for pid in acme.project_ids[:2]]
        activity = m.Activity(project_id=first.id, name="Design")
        session.add(activity)
        events.record(session, ProjectAction.ACTIVITY_CREATED, first, subject=activity)
        events.record(session, ProjectAction.UPDATED, second)
    written = await all_events(db)
    assert [(e.id, e.node_id, e.action, e.subject_type) for e in written] == [
        (1, first.id, "ACTIVITY_CREATED", "Activity"), (2, second.id, "UPDATED", None)]
    assert written[0].subject_id == activity.id


async def test_a_reader_never_passes_a_slow_writer_that_took_an_earlier_id(db, acme):
    """The classic gap: a slow transaction takes id 1, a fast one would take 2 and commit first, and a
    reader that has seen 2 would never see 1. Here the fast writer cannot commit 2 before 1 is committed."""
    slow_has_its_id, order = asyncio.Event(), []

    async def slow_writer():
        async with db.transaction() as session:
            project = await session.get(m.Project, acme.project_ids[0])
            project.name = "Slow"
            events.record(session, ProjectAction.UPDATED, project)
            await session.run_sync(events.write_staged)  # takes its id now, commits only later
            slow_has_its_id.set()
            await asyncio.sleep(0.6)
        order.append("slow committed")

    async def fast_writer():
        await slow_has_its_id.wait()
        await change_project(db, acme.project_ids[1], name="Fast")
        order.append("fast committed")

    async def reader():
        seen = []
        await slow_has_its_id.wait()
        while len(seen) < 2:
            async with db.read() as session:
                batch = await events.events_after(session, seen[-1] if seen else 0, limit=10)
            seen.extend(e.id for e in batch)
            assert seen == list(range(1, len(seen) + 1)), f"the reader skipped an id: {seen}"
            await asyncio.sleep(0.02)
        return seen

    _, _, seen = await asyncio.gather(slow_writer(), fast_writer(), reader())
    assert order == ["slow committed", "fast committed"]
    assert seen == [1, 2]
    assert [e.node_id for e in await all_events(db)] == acme.project_ids[:2]


async def test_concurrent_writers_and_a_reader_see_every_event_once_and_in_order(db, acme):
    """8 writers commit 80 transactions (some holding their ids a while before COMMIT) while a reader
    follows the log by cursor: every page it reads continues exactly where the last one ended."""
    rng = random.Random(11)
    plan = [[rng.randint(1, 3) for _ in range(10)] for _ in range(8)]
    expected = sum(map(sum, plan))
    done = asyncio.Event()

    async def writer(index: int, counts: list[int]):
        for count in counts:
            async with db.transaction() as session:
                project = await session.get(m.Project, acme.project_ids[index % 3])
                for _ in range(count):
                    events.record(session, ProjectAction.UPDATED, project)
                if rng.random() < 0.3:
                    await session.run_sync(events.write_staged)
                    await asyncio.sleep(rng.uniform(0, 0.03))
            await asyncio.sleep(rng.uniform(0, 0.01))

    async def reader():
        seen: list[int] = []
        while len(seen) < expected:
            async with db.read() as session:
                batch = await events.events_after(session, seen[-1] if seen else 0, limit=7)
            ids = [e.id for e in batch]
            assert ids == list(range(len(seen) + 1, len(seen) + 1 + len(ids))), f"gap after {len(seen)}: {ids}"
            seen.extend(ids)
            if not ids:
                await asyncio.sleep(0.005)
        done.set()
        return seen

    results = await asyncio.wait_for(
        asyncio.gather(reader(), *(writer(i, counts) for i, counts in enumerate(plan))), 120)
    assert results[0] == list(range(1, expected + 1))
    async with db.read() as session:
        assert (await events.log_bounds(session)).last_event_id == expected
        assert await session.scalar(select(func.count(m.Event.id))) == expected


async def test_the_purge_deletes_events_older_than_the_retention_and_expires_cursors_before_them(db, acme):
    for name in ("a", "b", "c", "d"):
        await change_project(db, acme.project_ids[0], name=name)
    long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=40)
    async with db.transaction() as session:
        await session.execute(update(m.Event).where(m.Event.id <= 3).values(occurred_at=long_ago))

    assert await events.purge(db, older_than=dt.timedelta(days=30)) == 3
    assert await events.purge(db, older_than=dt.timedelta(days=30)) == 0

    assert [e.id for e in await all_events(db)] == [4]
    async with db.read() as session:
        bounds = await events.log_bounds(session)
    assert (bounds.purged_through, bounds.last_event_id) == (3, 4)
    events.check_cursor(3, bounds)  # saw everything that was purged: nothing is missing
    with pytest.raises(events.CursorExpired) as expired:
        events.check_cursor(2, bounds)
    assert (expired.value.code, expired.value.field) == ("CURSOR_EXPIRED", "after")
    with pytest.raises(events.InvalidInput):
        events.check_cursor(5, bounds)


async def test_the_log_s_bookkeeping_row_is_rebuilt_from_the_log_when_missing(db, acme):
    await change_project(db, acme.project_ids[0], name="one")
    async with db.transaction() as session:
        await session.execute(m.EventLog.__table__.delete())
    await change_project(db, acme.project_ids[0], name="two")
    assert [e.id for e in await all_events(db)] == [1, 2]


async def test_recording_an_action_of_another_kind_is_a_programming_error(db, acme):
    async with db.transaction() as session:
        project = await session.get(m.Project, acme.project_ids[0])
        with pytest.raises(TypeError):
            events.record(session, TimeRecordAction.CREATED, project)


async def first_activity(db, company) -> int:
    async with db.read() as session:
        return await session.scalar(
            select(m.Activity.id).where(m.Activity.project_id == company.project_ids[0]).order_by(m.Activity.id))
