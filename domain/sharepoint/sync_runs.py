"""SharePoint sync use cases (SPEC §6): ask for a sync of a customer or project, the runs and their records,
the to-SharePoint direction, and the daily syncs.

A sync is a `sharepoint.sync` job and a SharePointSyncRun row, made in one transaction. FROM_SHAREPOINT is run
by domain.sharepoint.sync (through Graph). TO_SHAREPOINT needs no Graph of its own: it hands
every file of the scope that belongs in SharePoint and is not there (pending, failed, or local since before
the storage location changed) to the transfer queue, and a `sharepoint.sync_settle` job closes the run once
those transfers have ended, with how many arrived (created) and how many failed.
"""
import datetime as dt
from collections.abc import Iterable

from sqlalchemy import or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from domain.events import log as events
from domain.platform import jobs
from domain.files import transfers
from domain.platform.db import Database
from domain.platform.errors import DomainError, Forbidden, InvalidInput
from domain.files.placement import files_under, storage_locations
from domain.files.rules import EntityKind
from domain.model import (
    Customer, File, FileTransferState, Job, JobState, Project, ProjectStorage, Role, SharePointConfiguration,
    SharePointDailySync,
    SharePointSyncRun, StorageLocation, SyncDirection, SyncStatus, SyncTrigger, utcnow,
)
from domain.access.policy import may_manage_project, require_company_role
from domain.access.viewer import Viewer
from domain.access.lookup import load_visible

SYNC_JOB = "sharepoint.sync"
SETTLE_JOB = "sharepoint.sync_settle"
# A TO_SHAREPOINT run looks at its transfers after 2 s, then less and less often, at least once a minute.
SETTLE_FIRST_SECONDS, SETTLE_MAX_SECONDS = 2.0, 60.0


def settle_delay(round_: int) -> dt.timedelta:
    return dt.timedelta(seconds=min(SETTLE_MAX_SECONDS, SETTLE_FIRST_SECONDS * 1.5 ** round_))
MAX_ERRORS = 20


class NothingPending(DomainError):
    """TO_SHAREPOINT is offered only where files wait to go to SharePoint (SPEC §6)."""

    code = "NOTHING_PENDING"


class NotInSharePoint(DomainError):
    """The customer or project stores its files in cloud storage: there is nothing to sync."""

    code = "NOT_IN_SHAREPOINT"


class SharePointNotConfigured(DomainError):
    code = "SHAREPOINT_NOT_CONFIGURED"


class SyncInProgress(DomainError):
    """A sync of the same scope in the same direction is queued or running; its run is named in the message."""

    code = "SYNC_IN_PROGRESS"


# --- asking for a sync -------------------------------------------------------


async def _scope(session: AsyncSession, viewer: Viewer, *, customer_id: int | None,
                 project_id: int | None) -> tuple[Customer, Project | None]:
    if (customer_id is None) == (project_id is None):
        raise InvalidInput("Give either customerId or projectId.", field="customerId")
    if project_id is not None:
        project = await load_visible(session, viewer, Project, project_id, field="projectId", noun="project")
        if not may_manage_project(viewer, project):
            raise Forbidden("Only an admin or the project's leader can sync the project.", field="projectId")
        customer = await session.get(Customer, project.customer_id)
        if customer.storage_location is not StorageLocation.SHAREPOINT or project.storage is ProjectStorage.CLOUD:
            raise NotInSharePoint("The project stores its files in cloud storage.", field="projectId")
        return customer, project
    customer = await load_visible(session, viewer, Customer, customer_id, field="customerId", noun="customer")
    require_company_role(viewer, customer.company_id, [Role.ADMIN], field="customerId")
    if customer.storage_location is not StorageLocation.SHAREPOINT:
        raise NotInSharePoint("The customer stores its files in cloud storage.", field="customerId")
    return customer, None


async def pending_files(session: AsyncSession, customer_id: int, project_id: int | None) -> list[File]:
    """The files of the scope (its own and those below it) that belong in SharePoint and are not there."""
    kind, pk = (EntityKind.PROJECT, project_id) if project_id is not None else (EntityKind.CUSTOMER, customer_id)
    rows = list(await session.scalars(select(File).where(
        files_under(kind, pk, descendants=True), File.transfer_state != FileTransferState.TRANSFERRED)
        .order_by(File.id)))
    locations = await storage_locations(session, [row.id for row in rows])
    return [row for row in rows if locations.get(row.id) is StorageLocation.SHAREPOINT]


async def _queue_run(session: AsyncSession, customer: Customer, project: Project | None, direction: SyncDirection,
                     trigger: SyncTrigger, requested_by_id: int | None) -> SharePointSyncRun:
    run = SharePointSyncRun(company_id=customer.company_id, customer_id=customer.id,
                            project_id=project.id if project is not None else None, direction=direction,
                            trigger=trigger, status=SyncStatus.QUEUED, requested_by_id=requested_by_id, errors=[])
    session.add(run)
    await session.flush()
    jobs.enqueue(session, SYNC_JOB, {"run_id": run.id})
    return run


async def request_sync(db: Database, viewer: Viewer, *, customer_id: int | None = None,
                       project_id: int | None = None, direction: SyncDirection) -> SharePointSyncRun:
    """A manual sync of one customer (admins) or project (admins and its leader), run by a worker."""
    field = "projectId" if project_id is not None else "customerId"
    async with db.transaction() as session:
        customer, project = await _scope(session, viewer, customer_id=customer_id, project_id=project_id)
        configured = await session.scalar(select(SharePointConfiguration.id).where(
            SharePointConfiguration.company_id == customer.company_id))
        if configured is None:
            raise SharePointNotConfigured("SharePoint is not configured for this company.", field=field)
        busy = await session.scalar(select(SharePointSyncRun.id).where(
            SharePointSyncRun.customer_id == customer.id, SharePointSyncRun.direction == direction,
            SharePointSyncRun.project_id.is_(None) if project is None else SharePointSyncRun.project_id == project.id,
            SharePointSyncRun.status.in_([SyncStatus.QUEUED, SyncStatus.RUNNING])))
        if busy is not None:
            raise SyncInProgress(f"A sync of this {field[:-2]} in that direction is already under way (run {busy}).",
                                 field=field)
        if direction is SyncDirection.TO_SHAREPOINT and not await pending_files(session, customer.id,
                                                                                 project.id if project else None):
            raise NothingPending("No file here waits to go to SharePoint.", field=field)
        return await _queue_run(session, customer, project, direction, SyncTrigger.MANUAL,
                                viewer.membership(customer.company_id).co_worker_id)


# --- running -----------------------------------------------------------------


async def start_run(db: Database, run_id: int) -> SharePointSyncRun | None:
    """Marks the run RUNNING (a rerun after a crash keeps its first start); None when it has ended already."""
    async with db.transaction() as session:
        run = await session.get(SharePointSyncRun, run_id)
        if run is None or run.status in (SyncStatus.DONE, SyncStatus.FAILED):
            return None
        run.status = SyncStatus.RUNNING
        run.started_at = run.started_at or utcnow()
        return run


async def finish_run(db: Database, run_id: int, *, created: int = 0, updated: int = 0, moved: int = 0,
                     deleted: int = 0, failed: int = 0, errors: Iterable[str] = ()) -> None:
    async with db.transaction() as session:
        run = await session.get(SharePointSyncRun, run_id)
        if run is None:
            return
        run.created_count, run.updated_count, run.moved_count = created, updated, moved
        run.deleted_count, run.failed_count = deleted, failed
        run.errors = list(errors)[:MAX_ERRORS]
        run.status, run.finished_at = SyncStatus.DONE, utcnow()


async def run_failed(session: AsyncSession, job: jobs.ClaimedJob, error: str) -> None:
    """The on_dead hook of sync jobs: the run ends FAILED with the error."""
    run = await session.get(SharePointSyncRun, job.payload.get("run_id"))
    if run is None or run.status in (SyncStatus.DONE, SyncStatus.FAILED):
        return
    run.status, run.finished_at = SyncStatus.FAILED, utcnow()
    run.started_at = run.started_at or run.finished_at
    run.errors = [*(run.errors or []), error[:2000]][:MAX_ERRORS]


async def _active_transfer_file_ids(session: AsyncSession) -> set[int]:
    payloads = await session.scalars(select(Job.payload).where(
        Job.kind == transfers.TRANSFER_JOB, Job.state.in_([JobState.QUEUED, JobState.RUNNING])))
    return {p.get("file_id") for p in payloads if isinstance(p, dict)}


async def send_to_sharepoint(db: Database, run_id: int) -> None:
    """TO_SHAREPOINT: every file of the scope still to go is queued for transfer (a failed one reset as
    fileTransferRetry does; a pending one whose job is still queued is left to it), all in one transaction."""
    async with db.transaction() as session:
        run = await session.get(SharePointSyncRun, run_id)
        if run is None or run.status is not SyncStatus.RUNNING or run.file_ids is not None:
            return  # ended, or queued its transfers already before a crash
        files = await pending_files(session, run.customer_id, run.project_id)
        active = await _active_transfer_file_ids(session)
        for file in files:
            if file.transfer_state is FileTransferState.PENDING and file.id in active:
                continue
            file.transfer_state, file.transfer_error = FileTransferState.PENDING, None
            jobs.enqueue(session, transfers.TRANSFER_JOB, {"file_id": file.id})
            await session.flush()
            events.record(session, events.FileAction.UPDATED, file)
        run.file_ids = [file.id for file in files]
        jobs.enqueue(session, SETTLE_JOB, {"run_id": run.id})


async def settle(db: Database, run_id: int, *, round_: int = 0, now: dt.datetime | None = None) -> bool:
    """Closes a TO_SHAREPOINT run once none of its files is on its way any more (arrived: created; failed:
    failed, with their errors); else looks again a little later. Returns whether the run is closed."""
    async with db.transaction() as session:
        run = await session.get(SharePointSyncRun, run_id)
        if run is None or run.status is not SyncStatus.RUNNING:
            return True
        rows = list(await session.execute(select(File.id, File.name, File.transfer_state, File.transfer_error)
                                          .where(File.id.in_(run.file_ids or []))))
        if any(state is FileTransferState.PENDING for _, _, state, _ in rows):
            jobs.enqueue(session, SETTLE_JOB, {"run_id": run.id, "round": round_ + 1},
                         not_before=(now or utcnow()) + settle_delay(round_))
            return False
        failed = [(name, error) for _, name, state, error in rows if state is FileTransferState.FAILED]
        run.created_count = sum(1 for _, _, state, _ in rows if state is FileTransferState.TRANSFERRED)
        run.failed_count = len(failed)
        run.errors = [f"{name}: {error}"[:500] for name, error in failed][:MAX_ERRORS]
        run.status, run.finished_at = SyncStatus.DONE, utcnow()
        return True


# --- the daily sync ----------------------------------------------------------


async def queue_daily_syncs(db: Database, *, now: dt.datetime | None = None) -> int:
    """For each company whose daily sync time has come today (UTC) and has not run today: one sync per
    SharePoint customer in each direction its configuration enables (TO_SHAREPOINT only where something is
    pending). The (company, day) row makes this happen once however many workers ask. Returns runs queued."""
    now = now or utcnow()
    queued = 0
    async with db.read() as session:
        due = list(await session.scalars(select(SharePointConfiguration).where(
            SharePointConfiguration.daily_sync_time.is_not(None),
            or_(SharePointConfiguration.sync_to_sharepoint, SharePointConfiguration.sync_from_sharepoint))))
        done_today = set(await session.scalars(select(SharePointDailySync.company_id).where(
            SharePointDailySync.day == now.date())))
    for config in due:
        if config.company_id in done_today or now.time().replace(tzinfo=None) < config.daily_sync_time:
            continue
        async with db.transaction() as session:
            dialect = postgresql if session.bind.dialect.name == "postgresql" else sqlite
            claimed = await session.execute(dialect.insert(SharePointDailySync).values(
                company_id=config.company_id, day=now.date(), queued_at=now).on_conflict_do_nothing())
            if claimed.rowcount != 1:
                continue  # another worker queued today's sync
            customers = list(await session.scalars(select(Customer).where(
                Customer.company_id == config.company_id, Customer.storage_location == StorageLocation.SHAREPOINT)
                .order_by(Customer.id)))
            for customer in customers:
                if config.sync_from_sharepoint:
                    await _queue_run(session, customer, None, SyncDirection.FROM_SHAREPOINT, SyncTrigger.DAILY, None)
                    queued += 1
                if config.sync_to_sharepoint and await pending_files(session, customer.id, None):
                    await _queue_run(session, customer, None, SyncDirection.TO_SHAREPOINT, SyncTrigger.DAILY, None)
                    queued += 1
    return queued
