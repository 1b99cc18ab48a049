"""The per-process feed: live events to every stream, resuming by replay without gap or duplicate."""
import asyncio
import datetime as dt

import pytest
from sqlalchemy import update

from domain.events import feed as event_feed
from domain.events import log as events
from domain import model as m
from domain.events.feed import EventFeed
from domain.events.log import EventFilter, ProjectAction
from tests.domain.events.test_event_log import acme, change_project  # noqa: F401 (fixture)

PROJECTS = EventFilter(frozenset({m.EventKind.PROJECT}))


@pytest.fixture
async def feed(db):
    # A long poll: these tests must pass on wake-ups alone (commits in this process, NOTIFY on PostgreSQL).
    feed = EventFeed(db, poll_seconds=30)
    yield feed
    await feed.stop()


async def collect(stream, count: int, timeout: float = 20) -> list[int]:
    ids: list[int] = []
    while len(ids) < count:
        ids.extend(row.id for row in await asyncio.wait_for(stream.next_batch(), timeout))
    return ids


async def test_a_live_stream_receives_each_commit_without_polling(db, acme, feed):
    stream = await feed.subscribe(PROJECTS, after=None)
    await change_project(db, acme.project_ids[0], name="One")
    await change_project(db, acme.project_ids[1], name="Two", count=2)
    assert await collect(stream, 3, timeout=5) == [1, 2, 3]


async def test_a_stream_started_without_a_cursor_gets_only_what_comes_after_it(db, acme, feed):
    await change_project(db, acme.project_ids[0], name="Before")
    stream = await feed.subscribe(PROJECTS, after=None)
    await change_project(db, acme.project_ids[0], name="After")
    assert await collect(stream, 1) == [2]


async def test_a_resuming_stream_replays_then_goes_live_without_gap_or_duplicate_while_writers_commit(db, acme, feed):
    for i in range(30):
        await change_project(db, acme.project_ids[i % 3], name=f"Early {i}")
    await feed.start()

    async def writers():
        for i in range(30):
            await change_project(db, acme.project_ids[i % 3], name=f"Late {i}")
            await asyncio.sleep(0.002)

    async def resume():
        stream = await feed.subscribe(PROJECTS, after=5)
        return await collect(stream, 55)

    ids, _ = await asyncio.gather(resume(), writers())
    assert ids == list(range(6, 61))


async def test_a_stream_that_falls_behind_replays_from_its_cursor_and_misses_nothing(db, acme, feed, monkeypatch):
    monkeypatch.setattr(event_feed, "QUEUE_LIMIT", 5)
    monkeypatch.setattr(event_feed, "REPLAY_PAGE", 4)
    stream = await feed.subscribe(PROJECTS, after=None)
    for i in range(23):
        await change_project(db, acme.project_ids[0], name=f"Burst {i}")
    await feed.read_new()  # the feed has handed everything out: the stream's queue overflowed
    assert await collect(stream, 23) == list(range(1, 24))


async def test_streams_get_only_the_kinds_companies_and_projects_they_asked_for(db, acme, feed):
    one_project = await feed.subscribe(EventFilter(frozenset({m.EventKind.PROJECT}), project_id=acme.project_ids[1]),
                                       after=None)
    other_company = await feed.subscribe(EventFilter(frozenset({m.EventKind.PROJECT}), company_id=acme.id + 1000),
                                         after=None)
    time_records = await feed.subscribe(EventFilter(frozenset({m.EventKind.TIME_RECORD})), after=None)
    for pid in acme.project_ids:
        await change_project(db, pid, name="Renamed")
    assert [row.node_id for row in await asyncio.wait_for(one_project.next_batch(), 5)] == [acme.project_ids[1]]
    await feed.read_new()
    assert other_company._queue == time_records._queue == type(other_company._queue)()


async def test_a_closed_stream_is_no_longer_fed(db, acme, feed):
    stream = await feed.subscribe(PROJECTS, after=None)
    assert feed.subscriber_count == 1
    stream.close()
    assert feed.subscriber_count == 0


async def test_resuming_before_purged_events_is_refused_with_cursor_expired(db, acme, feed):
    for name in ("a", "b", "c"):
        await change_project(db, acme.project_ids[0], name=name)
    async with db.transaction() as session:
        await session.execute(update(m.Event).where(m.Event.id <= 2)
                              .values(occurred_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=60)))
    await events.purge(db, older_than=dt.timedelta(days=30))
    with pytest.raises(events.CursorExpired):
        await feed.subscribe(PROJECTS, after=1)
    stream = await feed.subscribe(PROJECTS, after=2)
    assert await collect(stream, 1) == [3]


async def test_the_periodic_purge_runs_at_once_and_keeps_running(db, acme):
    await change_project(db, acme.project_ids[0], name="Old")
    async with db.transaction() as session:
        await session.execute(update(m.Event).values(occurred_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=9)))
    task = asyncio.create_task(event_feed.purge_periodically(db, retention_days=7, interval=0.05))
    try:
        for _ in range(100):
            async with db.read() as session:
                if (await events.log_bounds(session)).purged_through == 1:
                    break
            await asyncio.sleep(0.02)
        else:
            raise AssertionError("the purge did not run")
    finally:
        task.cancel()
    assert not task.done() or task.cancelled()


async def test_events_recorded_in_a_rolled_back_transaction_never_reach_a_stream(db, acme, feed):
    stream = await feed.subscribe(PROJECTS, after=None)
    with pytest.raises(RuntimeError):
        async with db.transaction() as session:
            project = await session.get(m.Project, acme.project_ids[0])
            events.record(session, ProjectAction.UPDATED, project)
            raise RuntimeError("rolled back")
    await change_project(db, acme.project_ids[2], name="Committed")
    [row] = await asyncio.wait_for(stream.next_batch(), 5)
    assert (row.id, row.node_id) == (1, acme.project_ids[2])


async def test_on_postgresql_a_commit_elsewhere_wakes_the_feed_through_listen_notify(db, acme, feed, monkeypatch):
    if db.sqlite:
        pytest.skip("SQLite has no NOTIFY: commits of this process wake the feed, other processes are polled")
    stream = await feed.subscribe(PROJECTS, after=None)
    await asyncio.wait_for(feed.listening.wait(), 5)
    monkeypatch.setattr(events, "_wake_local", lambda _key: None)  # as if committed by another process
    await change_project(db, acme.project_ids[0], name="Elsewhere")
    [row] = await asyncio.wait_for(stream.next_batch(), 5)  # the poll is 30 s: only NOTIFY can be this quick
    assert row.id == 1
