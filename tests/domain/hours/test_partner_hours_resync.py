"""The resync's use case (domain.hours.reconciliation) where the GraphQL tests cannot reach: a pair locked
between the diff and the repair."""
import datetime as dt

from sqlalchemy import select, update

from domain import model as m
from domain.hours import reconciliation
from tests.partner_hours_seeds import insert_mirror, insert_source, project_family
from tests.partner_seeds import admin_viewer


async def test_a_mirror_approved_after_the_diff_was_read_is_reported_locked_and_left_as_it_is(db, monkeypatch):
    # given a mirror whose hours differ from its source's
    family = await project_family(db)
    guest = family.guests[0]
    source = await insert_source(db, family, guest, date=dt.date(2026, 3, 2), hours="3")
    mirror = await insert_mirror(db, family, guest, source, date=dt.date(2026, 3, 2), hours="2")

    # when the main company approves the mirror just after the resync has read the diff
    read_diff = reconciliation._reconcile

    async def diff_then_approval(session, main, date_from, date_to):
        found = await read_diff(session, main, date_from, date_to)
        await session.execute(update(m.TimeRecord).where(m.TimeRecord.id == mirror)
                              .values(status=m.HourStatus.APPROVED))
        return found

    monkeypatch.setattr(reconciliation, "_reconcile", diff_then_approval)
    result = await reconciliation.resync_partner_hours(db, admin_viewer(family.main), family.main_project_id)

    # then the pair is reported as locked, not repaired, and the resync did not fail
    assert result.changes == []
    assert [(n.reason, n.discrepancy.kind, n.discrepancy.locked) for n in result.not_repaired] == [
        (reconciliation.NotRepairedReason.LOCKED, "HOURS_DIFFER", True)]
    async with db.read() as session:
        assert await session.scalar(select(m.TimeRecord.hours).where(m.TimeRecord.id == mirror)) == 2
