"""The `sharepoint.sync` and `sharepoint.sync_settle` job handlers (SPEC §6): one sync run, either direction.

FROM_SHAREPOINT reads the customer's library delta with no transaction open and applies it
(integrations.sharepoint.sync); a project's sync brings its customer's whole library up to date, since the
delta link is per library and a change left unapplied would be lost. TO_SHAREPOINT hands the scope's files to
the transfer queue (domain.sharepoint.sync_runs). A transient Graph failure is retried by the queue from
the stored delta link; a job that finally fails leaves its run FAILED with the error.
"""
from sqlalchemy import select

from domain.platform import jobs
from domain.platform.db import Database
from domain.model import SharePointConfiguration, SyncDirection
from domain.sharepoint import sync_runs as service
from integrations.sharepoint.errors import SharePointError
from integrations.sharepoint.sync import PageHook, sync_library
from integrations.sharepoint.transfer_job import GraphFactory, connection_for, default_graph, job_failure


async def run_sync(db: Database, job: jobs.ClaimedJob, *, graph_for: GraphFactory = default_graph,
                   on_page: PageHook | None = None) -> None:
    run_id = job.payload.get("run_id")
    run = await service.start_run(db, run_id)
    if run is None:
        return  # ended already (a rerun after the commit that closed it)
    if run.direction is SyncDirection.TO_SHAREPOINT:
        await service.send_to_sharepoint(db, run_id)
        return
    async with db.read() as session:
        configuration = await session.scalar(select(SharePointConfiguration).where(
            SharePointConfiguration.company_id == run.company_id))
    connection = connection_for(db, configuration)
    try:
        async with graph_for(connection) as graph:
            counts = await sync_library(db, graph, run.customer_id, on_page=on_page)
    except SharePointError as error:
        # Transient: again later from the stored delta link (not before a Retry-After); others end the run.
        raise job_failure(error) from None
    await service.finish_run(db, run_id, created=counts.created, updated=counts.updated, moved=counts.moved,
                             deleted=counts.deleted, failed=counts.failed, errors=counts.errors)


def sync_job_kind(graph_for: GraphFactory = default_graph) -> jobs.JobKind:
    async def run(db: Database, job: jobs.ClaimedJob) -> None:
        await run_sync(db, job, graph_for=graph_for)

    return jobs.JobKind(service.SYNC_JOB, run, on_dead=service.run_failed)


def settle_job_kind() -> jobs.JobKind:
    async def run(db: Database, job: jobs.ClaimedJob) -> None:
        await service.settle(db, job.payload.get("run_id"), round_=int(job.payload.get("round") or 0))

    return jobs.JobKind(service.SETTLE_JOB, run, on_dead=service.run_failed)

