"""The lock order of status changes against the resync (domain.hours.statuses, .reconciliation) on
PostgreSQL: an approval that covers an orphan and a mirror, and a resync that reports that orphan, wait for
each other instead of deadlocking. The two run as concurrent use cases; the test lets the resync go on only
once the approval is seen waiting for a lock, which is the interleaving that deadlocked."""
import asyncio
import datetime as dt

import pytest
from sqlalchemy import select, text

from domain import model as m
from domain.platform.errors import DomainErrors
from domain.hours import statuses as hour_statuses
from domain.hours import reconciliation
from tests.partner_hours_seeds import insert_mirror, insert_pair, project_family
from tests.partner_seeds import admin_viewer

POLLS = 500  # how often to look for the approval's lock wait (every 20 ms) before letting the resync go on anyway


async def until_a_session_waits_for_a_lock(db) -> None:
    async with db.engine.connect() as connection:
        for _ in range(POLLS):
            waiting = await connection.scalar(text(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE wait_event_type = 'Lock' AND datname = current_database()"))
            await connection.rollback()
            if waiting:
                return
            await asyncio.sleep(0.02)


async def test_a_resync_and_an_approval_of_an_orphan_and_a_mirror_do_not_deadlock(
        db, monkeypatch):
    if db.sqlite:
        pytest.skip("runs on PostgreSQL: SQLite has one writer at a time, so nothing waits on row locks there")
    # given a partner co-worker's hours on the main project with no source (an orphan, the lowest id), and a pair
    family = await project_family(db)
    guest = family.guests[0]
    orphan = await insert_mirror(db, family, guest, None, date=dt.date(2026, 3, 1), hours="1")
    source, mirror = await insert_pair(db, family, guest, date=dt.date(2026, 3, 2))
    admin = admin_viewer(family.main)

    # when the main company's admin approves the orphan and the mirror while a resync holds its locks
    resync_has_locked, approval_waits = asyncio.Event(), asyncio.Event()
    read_diff = reconciliation._reconcile

    async def diff_then_pause(session, main, date_from, date_to):
        found = await read_diff(session, main, date_from, date_to)
        resync_has_locked.set()
        await approval_waits.wait()
        return found

    monkeypatch.setattr(reconciliation, "_reconcile", diff_then_pause)

    async def approve():
        await resync_has_locked.wait()
        try:
            return await hour_statuses.set_time_record_statuses(db, admin, [orphan, mirror], m.HourStatus.APPROVED)
        except DomainErrors as refused:
            return [(e.code, e.field) for e in refused.errors]

    async def release_the_resync_once_the_approval_waits():
        await resync_has_locked.wait()
        await until_a_session_waits_for_a_lock(db)
        approval_waits.set()

    resynced, approved, _ = await asyncio.gather(
        reconciliation.resync_partner_hours(db, admin, family.main_project_id), approve(),
        release_the_resync_once_the_approval_waits())

    # then the resync changed nothing and reported the orphan (hours that copy no source are never deleted),
    # and the approval, which waited for the resync's lock on the source, approved the orphan and the mirror
    assert resynced.changes == []
    assert [(n.reason, n.discrepancy.mirror_id) for n in resynced.not_repaired] == [
        (reconciliation.NotRepairedReason.NO_SOURCE, orphan)]
    assert [r.id for r in approved] == [orphan, mirror]
    async with db.read() as session:
        rows = dict((await session.execute(select(m.TimeRecord.id, m.TimeRecord.status))).all())
    assert rows == {orphan: m.HourStatus.APPROVED, source: m.HourStatus.NOT_APPROVED, mirror: m.HourStatus.APPROVED}
