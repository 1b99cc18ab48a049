"""Renaming a project, activity, task or recurring series renames its SharePoint folder (SPEC §6, issue 7 item 7).

The folder is known by its Graph item id (remembered on the row by the first transfer into it), so the
rename is a PATCH of that item by id, wherever it sits now. domain/ decides *that* a folder must be
renamed: the use case that renames the entity calls `schedule_folder_rename` in its own transaction, which
enqueues a `sharepoint.rename` job when the entity stores in SharePoint and its folder is known. The job
(`run_rename`, below) reads the entity's *current* name when it runs, so several
renames in a row end with the last one, and a rename that waited out an outage still lands right. Once the
folder has its new name, the `url` (webUrl) of each transferred file below it is rewritten to match
(`refresh_web_urls_below`), with no Graph request per file.

A folder not made yet needs nothing: the next transfer creates it under the new name. A customer's rename
leaves its library alone: the library is remembered by id and keeps the name it was made with (a
SharePoint admin may rename it there); see README "SharePoint".
"""
import logging
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.files.placement import files_under, owners_of
from domain.files.rules import EntityKind, effective_storage_location
from domain.files.transfers import FOLDER_MODELS
from domain.model import (
    Activity, Customer, File, FileTransferState, Project, SharePointConfiguration, StorageLocation, Task,
)
from domain.platform import jobs
from domain.platform.db import Database
from domain.sharepoint.client import OpenSharePoint, job_failure, site_of
from domain.sharepoint.errors import SharePointError
from domain.sharepoint.layout import ActivityRef, TaskRef, customer_library_name, placement
from domain.sharepoint.transfer import other_customers

log = logging.getLogger("partnergraph.sharepoint")

RENAME_JOB = "sharepoint.rename"
FolderKind = Literal["project", "activity", "task", "series"]
# What a folder's name is made of (domain.sharepoint.layout): a change of any of these renames it.
NAMING_FIELDS: dict[str, tuple[str, ...]] = {
    "project": ("name",), "activity": ("name", "number"), "task": ("name",), "series": ("name",),
}


def renames_folder(kind: FolderKind, changed: set[str] | frozenset[str]) -> bool:
    """Whether changing these fields of an entity of this kind changes its folder's name (pure)."""
    return bool(set(NAMING_FIELDS[kind]) & set(changed))


async def stores_in_sharepoint(session: AsyncSession, project_id: int | None) -> bool:
    """Whether a project's files (and so its activities' and tasks') go to SharePoint."""
    if project_id is None:
        return False
    row = (await session.execute(
        select(Customer.storage_location, Project.storage).join(Customer, Customer.id == Project.customer_id)
        .where(Project.id == project_id)
    )).first()
    return row is not None and effective_storage_location(*row) is StorageLocation.SHAREPOINT


async def schedule_folder_rename(session: AsyncSession, kind: FolderKind, entity_id: int, *,
                                 folder_id: str | None, project_id: int | None,
                                 task_id: int | None = None) -> bool:
    """In the renaming use case's transaction: queues the rename of the entity's folder when there is one to
    rename. `project_id` is the project the entity's files belong to; a series also names one of its
    tasks (`task_id`), whose project and activity place the shared folder. Returns whether a job was queued."""
    if not folder_id or not await stores_in_sharepoint(session, project_id):
        return False
    payload: dict[str, object] = {"kind": kind, "id": entity_id}
    if task_id is not None:
        payload["task_id"] = task_id
    jobs.enqueue(session, RENAME_JOB, payload)
    return True


def renamed_url(file_url: str, folder_url: str) -> str | None:
    """A file's webUrl once a folder above it was renamed, its new webUrl being `folder_url` (pure): a rename
    changes one path segment, at the folder's depth. None for a file not below the folder's parent (moved
    elsewhere in SharePoint meanwhile; the sync follows those)."""
    head = folder_url.rstrip("/").split("/")
    parts = file_url.split("/")
    if len(parts) <= len(head) or parts[:len(head) - 1] != head[:-1]:
        return None
    return "/".join(head + parts[len(head):])


def _files_below(kind: FolderKind, entity_id: int):
    if kind == "series":
        return File.task_id.in_(select(Task.id).where(Task.series_id == entity_id))
    entity = {"project": EntityKind.PROJECT, "activity": EntityKind.ACTIVITY, "task": EntityKind.TASK}[kind]
    return files_under(entity, entity_id, descendants=True)


async def refresh_web_urls_below(session: AsyncSession, kind: FolderKind, entity_id: int, *, drive_id: str,
                                 folder_url: str) -> int:
    """After the entity's folder was renamed (its webUrl now `folder_url`): the `url` of each transferred file
    below it follows. Idempotent, so a rename job run again after a crash puts right what it missed.
    Returns how many files changed."""
    changed = 0
    rows = await session.scalars(select(File).where(
        _files_below(kind, entity_id), File.sharepoint_drive_id == drive_id,
        File.transfer_state == FileTransferState.TRANSFERRED))
    for row in rows:
        url = renamed_url(row.sharepoint_web_url or "", folder_url)
        if url is not None and url != row.sharepoint_web_url:
            row.sharepoint_web_url = url
            changed += 1
    return changed


@dataclass(frozen=True)
class FolderRename:
    folder_id: str
    drive_id: str
    name: str
    configuration: SharePointConfiguration | None


async def folder_rename(session, kind: str, entity_id: int, task_id: int | None = None) -> FolderRename | None:
    """What the job has to do, read from the current rows: None when there is nothing (the entity is gone, its
    folder is not known, or its files no longer go to SharePoint)."""
    row = await session.get(FOLDER_MODELS[kind], entity_id)
    if row is None or not row.sharepoint_folder_id:
        return None
    task = None
    if kind in ("task", "series"):
        one_task = row if kind == "task" else await session.get(Task, task_id)
        if one_task is None:
            return None
        owners = await owners_of(session, EntityKind.TASK, one_task)
        series = row if kind == "series" else None
        task = TaskRef(one_task.id, one_task.number, one_task.name, series_id=series.id if series else None,
                       series_name=series.name if series else None)
    else:
        owners = await owners_of(session, EntityKind[kind.upper()], row)
    project = owners.project
    activity = owners.activity and ActivityRef(owners.activity.id, owners.activity.name, owners.activity.number)
    if project is None or not await stores_in_sharepoint(session, project.id):
        return None
    customer = await session.get(Customer, project.customer_id)
    if not customer.sharepoint_drive_id:
        return None
    # Named as a transfer names it, so the folder's name fits the path the same way (domain.sharepoint.layout).
    others = [(number, name) for number, name, _ in await other_customers(session, customer)]
    library = customer_library_name(customer.name, customer.number, others=others)
    spot = placement(customer.name, "-", project=(project.id, project.name), activity=activity, task=task,
                     library=library)
    configuration = await session.scalar(
        select(SharePointConfiguration).where(SharePointConfiguration.company_id == customer.company_id))
    return FolderRename(row.sharepoint_folder_id, customer.sharepoint_drive_id, spot.folders[-1].name, configuration)


async def run_rename(db: Database, job: jobs.ClaimedJob, open_sharepoint: OpenSharePoint) -> None:
    kind, entity_id = job.payload["kind"], job.payload["id"]
    async with db.read() as session:
        todo = await folder_rename(session, kind, entity_id, job.payload.get("task_id"))
    if todo is None:
        return
    site = site_of(db.settings, todo.configuration)
    try:
        async with open_sharepoint(db.settings, site) as sharepoint:
            given = await sharepoint.rename_item(todo.drive_id, todo.folder_id, todo.name)
            folder_url = await sharepoint.web_url(todo.drive_id, todo.folder_id) if given is not None else None
    except SharePointError as error:
        raise job_failure(error) from None
    if folder_url:
        # The files below have new webUrls (their `url`): rewritten, not read back one by one.
        async with db.transaction() as session:
            await refresh_web_urls_below(session, kind, entity_id, drive_id=todo.drive_id, folder_url=folder_url)
    if given is None:
        # Deleted in SharePoint: forget it, so the next transfer makes the folder again under its name.
        model = FOLDER_MODELS[kind]
        async with db.transaction() as session:
            await session.execute(update(model).where(model.id == entity_id,
                                                      model.sharepoint_folder_id == todo.folder_id)
                                  .values(sharepoint_folder_id=None))
        log.info("%s %s: its SharePoint folder %s is gone; the next transfer makes a new one",
                 kind, entity_id, todo.folder_id)
    elif given != todo.name:
        log.info("%s %s: folder renamed to %r (%r was taken)", kind, entity_id, given, todo.name)


def rename_job_kind(open_sharepoint: OpenSharePoint) -> jobs.JobKind:
    async def run(db: Database, job: jobs.ClaimedJob) -> None:
        await run_rename(db, job, open_sharepoint)

    return jobs.JobKind(RENAME_JOB, run)
