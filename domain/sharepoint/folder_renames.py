"""Renaming a project, activity, task or recurring series renames its SharePoint folder (SPEC §6, issue 7 item 7).

The folder is known by its Graph item id (remembered on the row by the first transfer into it), so the
rename is a PATCH of that item by id, wherever it sits now. domain/ decides *that* a folder must be
renamed: the use case that renames the entity calls `schedule_folder_rename` in its own transaction, which
enqueues a `sharepoint.rename` job when the entity stores in SharePoint and its folder is known. The job
(integrations/sharepoint/rename_job.py) reads the entity's *current* name when it runs, so several
renames in a row end with the last one, and a rename that waited out an outage still lands right. Once the
folder has its new name, the `url` (webUrl) of each transferred file below it is rewritten to match
(`refresh_web_urls_below`), with no Graph request per file.

A folder not made yet needs nothing: the next transfer creates it under the new name. A customer's rename
leaves its library alone: the library is remembered by id and keeps the name it was made with (a
SharePoint admin may rename it there); see README "SharePoint".
"""
from typing import Literal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.platform import jobs
from domain.files.placement import files_under
from domain.files.rules import EntityKind, effective_storage_location
from domain.model import Customer, File, FileTransferState, Project, StorageLocation, Task

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
