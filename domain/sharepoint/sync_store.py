"""What a sync from SharePoint reads and writes here (SPEC §6): a library's delta link and folder tree, the
entity folders, the files already known by Graph id, and the changes applied to them.

Each function works in the caller's transaction. Applying the same changes twice changes nothing the second
time, so a sync cut short (a killed worker, a network error) is simply run again from the last stored link.
"""
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.events import log as events
from domain.files.rules import EntityKind, owner_columns, owner_of
from domain.files.service import set_tags
from domain.model import (
    Activity, Customer, File, FileTransferState, Project, RecurringTaskSeries, SharePointDeletedItem, SharePointFolder,
    SharePointLibrarySync, Tag, Task, file_tags, utcnow,
)
from domain.sharepoint.sync_rules import DriveChange, FileDecision, KnownFile, Outcome, Owner, content_type

CHUNK = 500


def chunks(values: list, size: int = CHUNK) -> Iterable[list]:
    for start in range(0, len(values), size):
        yield values[start: start + size]


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    moved: int = 0
    deleted: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)

    def add(self, outcome: Outcome) -> None:
        if outcome is Outcome.CREATED:
            self.created += 1
        elif outcome is Outcome.UPDATED:
            self.updated += 1
        elif outcome is Outcome.MOVED:
            self.moved += 1
        elif outcome is Outcome.DELETED:
            self.deleted += 1


@dataclass(frozen=True)
class LibraryState:
    customer_id: int
    company_id: int
    customer_name: str
    library_id: str | None
    drive_id: str | None
    root_id: str | None
    delta_link: str | None


async def library_state(session: AsyncSession, customer_id: int) -> LibraryState:
    customer = await session.get(Customer, customer_id)
    sync = await session.scalar(select(SharePointLibrarySync).where(SharePointLibrarySync.customer_id == customer_id))
    # A link into another drive (the library was replaced) is worthless: start afresh.
    same_drive = sync is not None and sync.drive_id == customer.sharepoint_drive_id
    return LibraryState(customer.id, customer.company_id, customer.name, customer.sharepoint_library_id,
                        customer.sharepoint_drive_id, sync.root_id if same_drive else None,
                        sync.delta_link if same_drive else None)


async def remember_library(session: AsyncSession, customer_id: int, library_id: str, drive_id: str) -> None:
    """The library found by name (nothing was transferred yet): its ids on the customer, as a transfer does."""
    customer = await session.get(Customer, customer_id)
    if (customer.sharepoint_library_id, customer.sharepoint_drive_id) != (library_id, drive_id):
        customer.sharepoint_library_id, customer.sharepoint_drive_id = library_id, drive_id


async def entity_folders(session: AsyncSession, customer_id: int) -> dict[str, Owner]:
    """The Graph ids of the customer's project, activity, task and recurring-series folders, and whose they are.
    A series folder is shared by the whole series: a file added there belongs to its latest task."""
    projects = select(Project.id).where(Project.customer_id == customer_id)
    found: dict[str, Owner] = {}
    for pk, folder in await session.execute(
            select(Project.id, Project.sharepoint_folder_id).where(Project.customer_id == customer_id,
                                                                   Project.sharepoint_folder_id.is_not(None))):
        found[folder] = (EntityKind.PROJECT, pk)
    for pk, folder in await session.execute(
            select(Activity.id, Activity.sharepoint_folder_id).where(Activity.project_id.in_(projects),
                                                                     Activity.sharepoint_folder_id.is_not(None))):
        found[folder] = (EntityKind.ACTIVITY, pk)
    tasks_of_customer = or_(Task.project_id.in_(projects),
                            Task.activity_id.in_(select(Activity.id).where(Activity.project_id.in_(projects))))
    for pk, folder in await session.execute(
            select(Task.id, Task.sharepoint_folder_id)
            .where(tasks_of_customer, Task.sharepoint_folder_id.is_not(None))):
        found[folder] = (EntityKind.TASK, pk)
    rows = await session.execute(
        select(RecurringTaskSeries.sharepoint_folder_id, Task.id)
        .join(Task, Task.series_id == RecurringTaskSeries.id)
        .where(tasks_of_customer, RecurringTaskSeries.sharepoint_folder_id.is_not(None))
        .order_by(func.coalesce(Task.period_start, Task.due_date), Task.number)
    )
    for folder, task_id in rows:
        found[folder] = (EntityKind.TASK, task_id)  # in period order: the latest task wins
    return found


async def folder_parents(session: AsyncSession, drive_id: str) -> dict[str, str | None]:
    rows = await session.execute(select(SharePointFolder.item_id, SharePointFolder.parent_id)
                                 .where(SharePointFolder.drive_id == drive_id))
    return {item_id: parent_id for item_id, parent_id in rows}


async def store_folders(session: AsyncSession, drive_id: str, changes: list[DriveChange], *, full: bool) -> None:
    """The folder tree after a change set: changed folders written, deleted ones removed; after a full
    enumeration it is exactly the folders seen. An entity whose folder was deleted forgets its id, so its next
    file makes the folder again."""
    folders = [c for c in changes if c.is_folder and not c.deleted and not c.is_root]
    gone = [c.item_id for c in changes if c.deleted]
    if full:
        seen = {c.item_id for c in folders}
        gone += [i for i in (await folder_parents(session, drive_id)) if i not in seen]
        await session.execute(delete(SharePointFolder).where(SharePointFolder.drive_id == drive_id))
    else:
        for part in chunks([c.item_id for c in folders] + gone):
            await session.execute(delete(SharePointFolder).where(SharePointFolder.drive_id == drive_id,
                                                                 SharePointFolder.item_id.in_(part)))
    if folders:
        session.add_all(SharePointFolder(drive_id=drive_id, item_id=c.item_id, parent_id=c.parent_id,
                                         name=(c.name or "")[:400]) for c in folders)
    for part in chunks(gone):
        for model in (Project, Activity, Task, RecurringTaskSeries):
            for row in await session.scalars(select(model).where(model.sharepoint_folder_id.in_(part))):
                row.sharepoint_folder_id = None
    await session.flush()


async def known_files(session: AsyncSession, company_id: int, drive_id: str, item_ids: list[str]) -> dict[str, File]:
    found: dict[str, File] = {}
    for part in chunks(item_ids):
        for row in await session.scalars(select(File).where(
                File.company_id == company_id, File.sharepoint_drive_id == drive_id,
                File.sharepoint_item_id.in_(part))):
            found[row.sharepoint_item_id] = row
    return found


async def tags_of(session: AsyncSession, file_ids: list[int]) -> dict[int, tuple[str, ...]]:
    tags: dict[int, list[str]] = {pk: [] for pk in file_ids}
    for part in chunks(file_ids):
        rows = await session.execute(select(file_tags.c.file_id, Tag.name).join(Tag, Tag.id == file_tags.c.tag_id)
                                     .where(file_tags.c.file_id.in_(part)).order_by(Tag.name))
        for pk, name in rows:
            tags[pk].append(name)
    return {pk: tuple(names) for pk, names in tags.items()}


def as_known(row: File, tags: tuple[str, ...]) -> KnownFile:
    return KnownFile(row.id, row.name, owner_of(row), tags, row.sharepoint_etag, row.sharepoint_web_url,
                     row.sharepoint_parent_id, change_queued=bool(row.sharepoint_changes_queued),
                     changed_at=row.changed_at)


async def deleted_here(session: AsyncSession, drive_id: str, item_ids: list[str]) -> set[str]:
    """Of these items, those whose files were deleted here (their tombstones): never brought back by a sync."""
    found: set[str] = set()
    for part in chunks(item_ids):
        found.update(await session.scalars(select(SharePointDeletedItem.item_id).where(
            SharePointDeletedItem.drive_id == drive_id, SharePointDeletedItem.item_id.in_(part))))
    return found


async def folder_tree(session: AsyncSession, drive_id: str) -> dict[str, tuple[str | None, str]]:
    rows = await session.execute(select(SharePointFolder.item_id, SharePointFolder.parent_id, SharePointFolder.name)
                                 .where(SharePointFolder.drive_id == drive_id))
    return {item_id: (parent_id, name) for item_id, parent_id, name in rows}


async def files_in_folders(session: AsyncSession, company_id: int, drive_id: str, folder_ids: set[str]) -> list[File]:
    found: list[File] = []
    for part in chunks(sorted(folder_ids)):
        found += list(await session.scalars(select(File).where(
            File.company_id == company_id, File.sharepoint_drive_id == drive_id,
            File.sharepoint_parent_id.in_(part))))
    return found


async def refresh_web_urls(session: AsyncSession, urls: dict[int, str]) -> None:
    """New webUrls of files whose folder was renamed or moved (nothing else about them changed)."""
    for pk, url in urls.items():
        row = await session.get(File, pk)
        if row is not None and row.sharepoint_web_url != url:
            row.sharepoint_web_url = url
    await session.flush()


async def waiting_uploads(session: AsyncSession, company_id: int, names: list[str]) -> set[tuple[Owner, str, int]]:
    """(owner, name, size) of files of ours waiting to go to SharePoint under one of these names: an item with
    that name and size in that entity's folder is their upload, seen before its transfer recorded it (or their
    copy into another library by a move still queued)."""
    waiting: set[tuple[Owner, str, int]] = set()
    for part in chunks(sorted(set(names))):
        for row in await session.scalars(select(File).where(
                File.company_id == company_id, File.name.in_(part),
                or_(File.transfer_state == FileTransferState.PENDING, File.sharepoint_changes_queued > 0))):
            waiting.add((owner_of(row), row.name, row.size))
    return waiting


async def apply_file(session: AsyncSession, state: LibraryState, change: DriveChange, row: File | None,
                     decision: FileDecision) -> None:
    """Writes one decision (domain.sharepoint.sync_rules.decide) with its event."""
    outcome = decision.outcome
    if outcome in (Outcome.UNCHANGED, Outcome.SKIPPED):
        return
    if outcome is Outcome.DELETED:
        assert row is not None
        events.record(session, events.FileAction.DELETED, row)
        await session.delete(row)
        await session.flush()
        return
    if outcome is Outcome.CREATED:
        assert decision.owner is not None
        row = File(company_id=state.company_id, name=decision.name, size=change.size, content_type=content_type(change),
                   # The contents never passed through partnergraph: no SHA-256 is known for them.
                   sha256="", uploaded_by_id=None, **owner_columns(*decision.owner),
                   transfer_state=FileTransferState.TRANSFERRED, sharepoint_drive_id=state.drive_id,
                   sharepoint_item_id=change.item_id, sharepoint_web_url=change.web_url,
                   sharepoint_etag=change.etag, sharepoint_parent_id=change.parent_id, transferred_at=utcnow())
        if change.created_at is not None:
            row.uploaded_at = change.created_at
        session.add(row)
        await session.flush()
        if decision.tags:
            await set_tags(session, row, list(decision.tags))
        events.record(session, events.FileAction.SYNCED, row)
        return
    assert row is not None
    row.sharepoint_etag, row.sharepoint_parent_id = change.etag, change.parent_id
    if change.web_url:
        row.sharepoint_web_url = change.web_url
    if outcome is Outcome.REFRESHED:
        await session.flush()
        return
    row.name = decision.name or row.name
    row.size = change.size
    if decision.owner is not None and decision.owner != owner_of(row):
        for column, value in owner_columns(*decision.owner).items():
            setattr(row, column, value)
    if decision.tags is not None:
        await set_tags(session, row, list(decision.tags))
    await session.flush()
    events.record(session, events.FileAction.SYNCED, row)


async def delete_vanished(session: AsyncSession, company_id: int, drive_id: str, seen: set[str]) -> int:
    """After a full enumeration: our files in this drive whose items were not seen were deleted in SharePoint;
    they are deleted here too, with their events. Returns how many."""
    rows = await session.scalars(select(File).where(
        File.company_id == company_id, File.sharepoint_drive_id == drive_id, File.sharepoint_item_id.is_not(None),
        File.transfer_state == FileTransferState.TRANSFERRED))
    gone = [row for row in rows if row.sharepoint_item_id not in seen]
    for row in gone:
        events.record(session, events.FileAction.DELETED, row)
        await session.delete(row)
    await session.flush()
    return len(gone)


async def store_delta_link(session: AsyncSession, state: LibraryState, *, root_id: str | None, delta_link: str,
                           now: dt.datetime | None = None) -> None:
    """The link the next sync starts from: stored last, once every change it follows is applied."""
    sync = await session.scalar(select(SharePointLibrarySync).where(
        SharePointLibrarySync.customer_id == state.customer_id))
    if sync is None:
        sync = SharePointLibrarySync(customer_id=state.customer_id, drive_id=state.drive_id)
        session.add(sync)
    sync.drive_id, sync.root_id, sync.delta_link, sync.synced_at = state.drive_id, root_id, delta_link, now or utcnow()
    await session.flush()

