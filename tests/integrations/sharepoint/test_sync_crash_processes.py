"""A `partnergraph worker` PROCESS killed (SIGKILL) between two delta pages of a sync from SharePoint, and another
one started after the lease ran out: the sync is run again from the stored delta link and converges."""
import asyncio
import signal
import time

from sqlalchemy import select

from domain import model as m
from domain.access.viewer import Membership, Viewer
from domain.sharepoint import sync_runs as service
from tests.graph_emulator.delta import book
from tests.integrations.sharepoint.sync_seeds import a_library, file_rows, sharepoint_db, sync  # noqa: F401
from tests.integrations.sharepoint.test_transfer_crash_processes import a_worker_process, reached


async def run_done(db, run_id: int, log, *, timeout: float = 60) -> m.SharePointSyncRun:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        async with db.read() as session:
            run = await session.get(m.SharePointSyncRun, run_id, populate_existing=True)
            if run.status in (m.SyncStatus.DONE, m.SyncStatus.FAILED):
                return run
        await asyncio.sleep(0.1)
    raise AssertionError("the restarted worker did not finish the sync:\n" + log.read_text()[-3000:])


async def test_a_worker_process_killed_between_delta_pages_leaves_the_sync_to_the_next_worker(
    sharepoint_db, graph_emulator, tmp_path
):
    db = sharepoint_db
    log = tmp_path / "workers.log"
    # given a library followed since a first sync, with five files added in SharePoint since
    library = await a_library(db, graph_emulator)
    await sync(db, graph_emulator, library)
    for n in range(5):
        library.user.add_file(library.folder("Harbour"), f"added {n}.txt")
    book(graph_emulator.state).page_size = 2  # three delta pages
    admin = library.acme["admin"]
    viewer = Viewer(user_id=admin.user_id, memberships=(Membership(library.acme.id, admin.co_worker_id, admin.role),))
    run = await service.request_sync(db, viewer, customer_id=library.customer_id,
                                     direction=m.SyncDirection.FROM_SHAREPOINT)
    hold = graph_emulator.hold("delta", after=1)  # the second page

    # when the worker reading it is killed outright between the first and the second page
    with a_worker_process(db, log) as doomed:
        await reached(hold, log)
        doomed.send_signal(signal.SIGKILL)
        doomed.wait()
    hold.released.set()
    assert sorted(await file_rows(db)) == ["offer.pdf", "plan.pdf"]
    async with db.read() as session:
        assert (await session.get(m.SharePointSyncRun, run.id)).status is m.SyncStatus.RUNNING

    # and another worker takes the job once the lease has run out
    with a_worker_process(db, log):
        done = await run_done(db, run.id, log)

    # then the sync read the changes again from the stored link and applied each once
    assert (done.status, done.created_count, done.failed_count) == (m.SyncStatus.DONE, 5, 0)
    assert sorted(await file_rows(db)) == sorted(["offer.pdf", "plan.pdf", *(f"added {n}.txt" for n in range(5))])
    async with db.read() as session:
        assert len(list(await session.scalars(select(m.File)))) == 7
        job = await session.scalar(select(m.Job).where(m.Job.kind == service.SYNC_JOB))
    assert (job.state, job.attempts) == (m.JobState.DONE, 2)
