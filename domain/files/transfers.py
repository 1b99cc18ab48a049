"""The domain side of SharePoint transfers (SPEC §5, §6): which files must go, their transfer state, the job.

domain/ decides *that* a file goes to SharePoint: when it is uploaded to, or moved into, an entity whose
effective storage location is SHAREPOINT, the file becomes PENDING and a `sharepoint.transfer` job is
enqueued in the same transaction. The handler that does the transfer belongs to integrations/sharepoint/
(registered in partnergraph/composition.py); it reports back through `mark_transferred`, and a job that
finally fails makes the file FAILED through `transfer_failed`, from where `retry_transfer` (domain.files.service)
sends it again.
"""
import asyncio
import datetime as dt
from collections.abc import Mapping

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.events import log as events
from domain.platform import jobs
from domain.files.content_store import ContentStore
from domain.platform.db import Database
from domain.platform.errors import DomainError
from domain.files.placement import owner_joins, storage_locations
from domain.model import (
    Activity, Customer, File, FileTransferState, Project, ProjectStorage, RecurringTaskSeries, SharePointDeletedItem,
    StorageLocation, Task, utcnow,
)
from domain.access.policy import visible
from domain.access.viewer import Viewer

TRANSFER_JOB = "sharepoint.transfer"
# A change made here to a file already in SharePoint (rename, retag, move), carried there by item id, and the
# deletion of a file's item (into SharePoint's recycle bin): domain.sharepoint.file_changes runs them.
CHANGE_JOB = "sharepoint.file_change"
ITEM_DELETE_JOB = "sharepoint.item_delete"


class TransferNotFailed(DomainError):
    """Only a file whose transfer failed can be sent again (a pending one is on its way, a local one stays)."""

    code = "TRANSFER_NOT_FAILED"


def transfer_needed(location: StorageLocation, state: FileTransferState) -> bool:
    """Whether a file, given where its entity stores files and its transfer state, must be (re)queued."""
    return location is StorageLocation.SHAREPOINT and state in (FileTransferState.LOCAL, FileTransferState.FAILED)


def enqueue(session: AsyncSession, file: File) -> None:
    file.transfer_state = FileTransferState.PENDING
    file.transfer_error = None
    jobs.enqueue(session, TRANSFER_JOB, {"file_id": file.id})


async def schedule_transfer(session: AsyncSession, file: File) -> bool:
    """After an upload or a move (flushed): queue the transfer when the file now belongs in SharePoint.
    A file still waiting whose new place is in cloud storage stays local (its queued job then finds
    nothing to do). Returns whether a job was queued."""
    location = (await storage_locations(session, [file.id])).get(file.id, StorageLocation.CLOUD)
    if transfer_needed(location, file.transfer_state):
        enqueue(session, file)
        return True
    if location is StorageLocation.CLOUD and file.transfer_state is FileTransferState.PENDING:
        file.transfer_state = FileTransferState.LOCAL
    return False


async def file_to_transfer(session: AsyncSession, file_id: int) -> File | None:
    """The file a transfer job is for, when it still waits to go to SharePoint (else the job has nothing to do)."""
    file = await session.get(File, file_id)
    if file is None or file.transfer_state is not FileTransferState.PENDING:
        return None
    location = (await storage_locations(session, [file.id])).get(file.id, StorageLocation.CLOUD)
    return file if location is StorageLocation.SHAREPOINT else None


def in_sharepoint(file: File) -> bool:
    """Whether the file is an item in SharePoint (transferred, or found there by a sync)."""
    return file.transfer_state is FileTransferState.TRANSFERRED and bool(file.sharepoint_item_id)


def schedule_change(session: AsyncSession, file: File) -> None:
    """In the use case's transaction that renamed, retagged or moved a file already in SharePoint: the change is
    carried there by a queued job, and the file counts it as pending until the job is done (or dead)."""
    file.sharepoint_changes_queued = (file.sharepoint_changes_queued or 0) + 1
    jobs.enqueue(session, CHANGE_JOB, {"file_id": file.id})


async def change_settled(session: AsyncSession, file_id: int) -> File | None:
    """A change job is over (done or dead): one less pending on its file (which may be gone meanwhile)."""
    file = await session.get(File, file_id)
    if file is not None and file.sharepoint_changes_queued:
        file.sharepoint_changes_queued -= 1
    return file


async def schedule_item_delete(session: AsyncSession, *, company_id: int, drive_id: str, item_id: str) -> None:
    """A file's SharePoint item must go (the file was deleted here, or its contents moved to another library):
    its tombstone, which keeps a sync from bringing the file back, and the job that sends the item to the
    recycle bin, both in the caller's transaction."""
    known = await session.scalar(select(SharePointDeletedItem).where(
        SharePointDeletedItem.drive_id == drive_id, SharePointDeletedItem.item_id == item_id))
    if known is None:
        session.add(SharePointDeletedItem(company_id=company_id, drive_id=drive_id, item_id=item_id))
    jobs.enqueue(session, ITEM_DELETE_JOB, {"company_id": company_id, "drive_id": drive_id, "item_id": item_id})


FOLDER_MODELS = {"project": Project, "activity": Activity, "task": Task, "series": RecurringTaskSeries}


async def complete_transfer(
    session: AsyncSession, job: jobs.ClaimedJob, *, file_id: int, customer_id: int, library_id: str, drive_id: str,
    item_id: str, web_url: str, name: str | None = None, folder_ids: Mapping[tuple[str, int], str] = {},
    read_at: dt.datetime | None = None,
) -> bool:
    """What a transfer handler commits once the file is in SharePoint, all in the caller's one transaction:
    the Graph ids of the library and of each folder on their rows, the file TRANSFERRED with its event, and
    the job DONE. A crash before this commit leaves the file PENDING and the job to run again (the handler
    then finds its own upload instead of making a second one). False when the file no longer waits (deleted,
    moved back to cloud storage, or done by an earlier run): nothing is changed but the job."""
    query = select(File).where(File.id == file_id)
    if session.bind.dialect.name == "postgresql":
        query = query.with_for_update()
    file = await session.scalar(query)
    if file is None or file.transfer_state is not FileTransferState.PENDING:
        await jobs.finish_in(session, job)
        return False
    await remember_ids(session, customer_id=customer_id, library_id=library_id, drive_id=drive_id,
                       folder_ids=folder_ids)
    # Renamed, retagged or moved after the handler read where it goes (`read_at`): the item is where the file
    # was, so the change follows it by a change job, and the name a clash gave the old one is not kept.
    changed_meanwhile = read_at is not None and file.changed_at is not None and file.changed_at >= read_at
    mark_transferred(session, file, drive_id=drive_id, item_id=item_id, web_url=web_url,
                     name=None if changed_meanwhile else name)
    if changed_meanwhile:
        schedule_change(session, file)
    await session.flush()
    await jobs.finish_in(session, job)
    return True


async def remember_ids(session: AsyncSession, *, customer_id: int, library_id: str, drive_id: str,
                       folder_ids: Mapping[tuple[str, int], str]) -> None:
    """The Graph ids of a customer's library and of its entities' folders, as a transfer or a move found them."""
    customer = await session.get(Customer, customer_id)
    # Only when they changed: these rows are versioned, and a needless write would clash with a user's edit.
    if customer is not None and (customer.sharepoint_library_id, customer.sharepoint_drive_id) != (library_id, drive_id):
        customer.sharepoint_library_id, customer.sharepoint_drive_id = library_id, drive_id
    for (kind, pk), folder_id in folder_ids.items():
        row = await session.get(FOLDER_MODELS[kind], pk)
        if row is not None and row.sharepoint_folder_id != folder_id:
            row.sharepoint_folder_id = folder_id


async def lock_blob(session: AsyncSession, sha256: str) -> None:
    """Serialises the transactions that add or drop references to one blob (see the module docstring)."""
    if session.bind.dialect.name == "postgresql":
        key = int.from_bytes(bytes.fromhex(sha256[:16]), "big", signed=True)
        await session.execute(select(func.pg_advisory_xact_lock(key)))
    # SQLite: write transactions start with BEGIN IMMEDIATE and so already run one at a time.


async def release_local_copy(db: Database, store: ContentStore, sha256: str) -> bool:
    """After a commit of complete_transfer: removes the local contents unless another file with the same bytes
    still needs them here (not transferred yet, or in cloud storage). Returns whether they were removed."""
    aside = None
    async with db.transaction() as session:
        await lock_blob(session, sha256)
        needed = await session.scalar(select(func.count(File.id)).where(
            File.sha256 == sha256, File.transfer_state != FileTransferState.TRANSFERRED))
        if not needed:
            aside = await asyncio.to_thread(store.set_aside, sha256)
    if aside is None:
        return False
    await asyncio.to_thread(store.purge, aside)
    return True


def mark_transferred(session: AsyncSession, file: File, *, drive_id: str, item_id: str, web_url: str,
                     name: str | None = None) -> None:
    """Records where the file went (and the name SharePoint gave it after a clash), with its event."""
    file.transfer_state, file.transfer_error = FileTransferState.TRANSFERRED, None
    file.sharepoint_drive_id, file.sharepoint_item_id, file.sharepoint_web_url = drive_id, item_id, web_url
    file.transferred_at = utcnow()
    if name is not None:
        file.name = name
    events.record(session, events.FileAction.TRANSFERRED, file)


async def transfer_failed(session: AsyncSession, job: jobs.ClaimedJob, error: str) -> None:
    """The on_dead hook of transfer jobs: the file shows the error, with its event, and can be retried."""
    file = await session.get(File, job.payload.get("file_id"))
    if file is None or file.transfer_state is not FileTransferState.PENDING:
        return
    file.transfer_state, file.transfer_error = FileTransferState.FAILED, error
    await session.flush()
    events.record(session, events.FileAction.TRANSFER_FAILED, file)


async def pending_transfer_counts(session: AsyncSession, viewer: Viewer, level: str, ids: set[int]) -> dict[int, int]:
    """For customers (level "customer") or projects ("project"): how many of their files, their projects',
    activities' and tasks' included, belong in SharePoint and are not there yet, of those the viewer may see;
    one grouped statement."""
    owners = owner_joins()
    parent = owners.customer_id if level == "customer" else owners.project_id
    query = (
        owners.applied_to(select(parent, func.count(File.id)))
        .where(
            parent.in_(ids),
            owners.customer.storage_location == StorageLocation.SHAREPOINT,
            or_(owners.project.storage.is_(None), owners.project.storage != ProjectStorage.CLOUD),
            File.transfer_state != FileTransferState.TRANSFERRED,
            visible(viewer, File),
        )
        .group_by(parent)
    )
    return {pk: count for pk, count in await session.execute(query)}
