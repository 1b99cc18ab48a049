"""Every worker, in-process or `partnergraph worker`, queues the daily SharePoint syncs on its own clock."""
import datetime as dt

from sqlalchemy import select, update

from domain import model as m
from domain.platform.job_worker import Worker
from domain.platform.jobs import Policy
from partnergraph.composition import registry
from tests.integrations.sharepoint.sync_seeds import a_library, sharepoint_db  # noqa: F401


async def test_every_worker_queues_the_daily_syncs_on_its_own_clock(sharepoint_db, graph_emulator):
    db = sharepoint_db
    library = await a_library(db, graph_emulator)
    async with db.transaction() as session:
        await session.execute(update(m.SharePointConfiguration).values(daily_sync_time=dt.time(0, 0)))
    kinds = registry()
    assert {"sharepoint.sync", "sharepoint.sync_settle"} <= set(kinds.names())

    await Worker(db, kinds, Policy()).run_periodic()
    await Worker(db, kinds, Policy()).run_periodic()  # a second worker: today's sync is queued already

    async with db.read() as session:
        runs = list(await session.scalars(select(m.SharePointSyncRun)))
    assert [(r.customer_id, r.trigger, r.direction) for r in runs] == \
        [(library.customer_id, m.SyncTrigger.DAILY, m.SyncDirection.FROM_SHAREPOINT)]
