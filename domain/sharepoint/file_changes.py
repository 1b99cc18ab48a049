"""Changes made here to a file already in SharePoint reach SharePoint (SPEC §6, issue 18 items 1 and 2).

fileUpdate (rename, retag, move) of a transferred file queues a `sharepoint.file_change` job in its own
transaction and counts it on the file (`File.sharePointChangePending`); fileDelete leaves a tombstone of the
file's Graph item and queues `sharepoint.item_delete` (domain.files.transfers). The worker runs them here, by
Graph item id, with no transaction open while Graph is called:

- `sharepoint.file_change` reads the file's *current* name, tags and entity when it runs (several changes in a
  row end with the last one), makes its place exist and puts the item there: in the same library a PATCH of
  name and parentReference (the item keeps its id); into another customer's library, where Graph moves
  nothing, a copy of its contents made there, after which the old item is deleted like a deleted file's. Its
  columns follow (momentActivity, momentYear, momentPeriod emptied when the new entity has none; momentTags).
  Then the file's url, item id and folder id are recorded with the job's end, in one commit. Run again after
  a crash it finds its own copy (same contents) instead of making a second one.
- `sharepoint.item_delete` deletes the item (into the site's recycle bin); gone already is done too.

Transient Graph failures are retried by the queue as transfers are; a change job that finally fails shows its
error on the file (`transferError`) and no longer counts as pending.
"""
import datetime as dt
import logging
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.events import log as events
from domain.files import transfers
from domain.model import File, SharePointConfiguration, SharePointDeletedItem, utcnow
from domain.platform import jobs
from domain.platform.db import Database
from domain.sharepoint.client import OpenSharePoint, TransferResult, TransferTarget, job_failure, site_of
from domain.sharepoint.errors import SharePointError
from domain.sharepoint.transfer import target_of, whereabouts

log = logging.getLogger("partnergraph.sharepoint")


@dataclass(frozen=True)
class FileChange:
    """What a change job has to do, read from the current rows."""

    file_id: int
    company_id: int
    customer_id: int
    drive_id: str
    item_id: str
    changed_at: dt.datetime | None
    target: TransferTarget
    configuration: SharePointConfiguration | None


async def file_change(session: AsyncSession, file_id: int) -> FileChange | None:
    """None when there is nothing to carry: the file is gone, or is no item in SharePoint (any more)."""
    file = await session.get(File, file_id)
    if file is None or not transfers.in_sharepoint(file) or not file.sharepoint_drive_id:
        return None
    where = await whereabouts(session, file)
    return FileChange(file.id, file.company_id, where.customer.id, file.sharepoint_drive_id, file.sharepoint_item_id,
                      file.changed_at, target_of(where, clear_missing=True), where.configuration)


async def complete_change(session: AsyncSession, job: jobs.ClaimedJob, todo: FileChange,
                          result: TransferResult | None) -> None:
    """In one transaction: the job done, one change less pending, and, unless the file changed again since the
    job read it (that change's own job records where it ends), where the item is now. An item left behind in
    another library is deleted like a deleted file's, with its tombstone."""
    if not await jobs.finish_in(session, job):
        return  # the claim was lost: whoever holds it now finishes it
    file = await transfers.change_settled(session, todo.file_id)
    moved_away = result is not None and (result.drive_id, result.item_id) != (todo.drive_id, todo.item_id)
    if file is None:
        if moved_away:  # deleted here while its contents were being copied: the copy goes too
            await transfers.schedule_item_delete(session, company_id=todo.company_id, drive_id=result.drive_id,
                                                 item_id=result.item_id)
        return
    if result is None:
        # Deleted in SharePoint meanwhile: the next sync from SharePoint deletes the file here too.
        log.info("file %s: its SharePoint item %s is gone; nothing to change", file.id, todo.item_id)
        return
    if file.changed_at != todo.changed_at or (file.sharepoint_drive_id, file.sharepoint_item_id) != (
            todo.drive_id, todo.item_id):
        return
    await transfers.remember_ids(session, customer_id=todo.customer_id, library_id=result.library_id,
                                 drive_id=result.drive_id, folder_ids=result.folder_ids)
    if moved_away:
        await transfers.schedule_item_delete(session, company_id=file.company_id, drive_id=todo.drive_id,
                                             item_id=todo.item_id)
    file.sharepoint_drive_id, file.sharepoint_item_id = result.drive_id, result.item_id
    file.sharepoint_web_url, file.sharepoint_parent_id = result.web_url, result.parent_id
    file.transfer_error = None
    if result.name != file.name:
        file.name = result.name  # a clash in the new folder gave it a numbered suffix
    await session.flush()
    events.record(session, events.FileAction.TRANSFERRED, file)


async def run_file_change(db: Database, job: jobs.ClaimedJob, open_sharepoint: OpenSharePoint) -> None:
    file_id = job.payload.get("file_id")
    async with db.read() as session:
        todo = await file_change(session, file_id)
    if todo is None:
        async with db.transaction() as session:
            if await jobs.finish_in(session, job):
                await transfers.change_settled(session, file_id)
        return
    site = site_of(db.settings, todo.configuration)
    try:
        async with open_sharepoint(db.settings, site) as sharepoint:
            result = await sharepoint.move_file(todo.drive_id, todo.item_id, todo.target)
    except SharePointError as error:
        raise job_failure(error) from None
    async with db.transaction() as session:
        await complete_change(session, job, todo, result)


async def change_failed(session: AsyncSession, job: jobs.ClaimedJob, error: str) -> None:
    """The on_dead hook of change jobs: no longer pending, and the file shows why, with its event."""
    file = await transfers.change_settled(session, job.payload.get("file_id"))
    if file is None:
        return
    file.transfer_error = f"A change could not be carried to SharePoint: {error}"[:4000]
    await session.flush()
    events.record(session, events.FileAction.TRANSFER_FAILED, file)


async def run_item_delete(db: Database, job: jobs.ClaimedJob, open_sharepoint: OpenSharePoint) -> None:
    payload = job.payload
    async with db.read() as session:
        configuration = await session.scalar(select(SharePointConfiguration).where(
            SharePointConfiguration.company_id == payload.get("company_id")))
    site = site_of(db.settings, configuration)
    try:
        async with open_sharepoint(db.settings, site) as sharepoint:
            await sharepoint.delete_item(payload["drive_id"], payload["item_id"])
    except SharePointError as error:
        raise job_failure(error) from None
    async with db.transaction() as session:
        # The tombstone stays: a delta may still list the item's last edit, which must not bring the file back.
        await session.execute(update(SharePointDeletedItem).where(
            SharePointDeletedItem.drive_id == payload["drive_id"], SharePointDeletedItem.item_id == payload["item_id"],
            SharePointDeletedItem.removed_at.is_(None)).values(removed_at=utcnow()))
        await jobs.finish_in(session, job)


def file_change_job_kind(open_sharepoint: OpenSharePoint) -> jobs.JobKind:
    async def run(db: Database, job: jobs.ClaimedJob) -> None:
        await run_file_change(db, job, open_sharepoint)

    return jobs.JobKind(transfers.CHANGE_JOB, run, on_dead=change_failed)


def item_delete_job_kind(open_sharepoint: OpenSharePoint) -> jobs.JobKind:
    async def run(db: Database, job: jobs.ClaimedJob) -> None:
        await run_item_delete(db, job, open_sharepoint)

    return jobs.JobKind(transfers.ITEM_DELETE_JOB, run)
