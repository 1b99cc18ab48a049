"""The `sharepoint.rename` job handler: a renamed project, activity, task or series gets its folder renamed.

The folder is PATCHed by its remembered Graph item id, so it is found wherever someone moved it. The name
is computed when the job runs, from the entity's current name, by the same layout rules a transfer uses
(domain.sharepoint.layout), so a later transfer aims at the folder under the name it now has. A clash with
another item in the parent gets a numbered suffix, like a file's (SPEC §6); the folder id on our row stays.
"""
import logging
from dataclasses import dataclass

from sqlalchemy import select, update

from domain.platform import jobs
from domain.platform.db import Database
from domain.sharepoint.folder_renames import RENAME_JOB, refresh_web_urls_below, stores_in_sharepoint
from domain.model import Activity, Customer, Project, SharePointConfiguration, Task
from domain.sharepoint.layout import ActivityRef, TaskRef, customer_library_name, placement
from domain.files.transfers import FOLDER_MODELS
from integrations.sharepoint.errors import SharePointError
from integrations.sharepoint.transfer import rename_item
from integrations.sharepoint.transfer_job import (
    GraphFactory, connection_for, default_graph, job_failure, other_customers,
)

log = logging.getLogger("partnergraph.sharepoint")


@dataclass(frozen=True)
class FolderRename:
    folder_id: str
    drive_id: str
    name: str
    configuration: SharePointConfiguration | None


async def _activity_ref(session, activity_id: int | None) -> ActivityRef | None:
    activity = await session.get(Activity, activity_id) if activity_id else None
    return ActivityRef(activity.id, activity.name, activity.number) if activity is not None else None


async def folder_rename(session, kind: str, entity_id: int, task_id: int | None = None) -> FolderRename | None:
    """What the job has to do, read from the current rows: None when there is nothing (the entity is gone, its
    folder is not known, or its files no longer go to SharePoint)."""
    row = await session.get(FOLDER_MODELS[kind], entity_id)
    if row is None or not row.sharepoint_folder_id:
        return None
    activity = task = None
    if kind == "project":
        project_id = row.id
    elif kind == "activity":
        project_id, activity = row.project_id, ActivityRef(row.id, row.name, row.number)
    else:
        one_task = row if kind == "task" else await session.get(Task, task_id)
        if one_task is None:
            return None
        project_id, activity = one_task.project_id, await _activity_ref(session, one_task.activity_id)
        series = row if kind == "series" else None
        task = TaskRef(one_task.id, one_task.number, one_task.name, series_id=series.id if series else None,
                       series_name=series.name if series else None)
    if not await stores_in_sharepoint(session, project_id):
        return None
    project = await session.get(Project, project_id)
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


async def run_rename(db: Database, job: jobs.ClaimedJob, *, graph_for: GraphFactory = default_graph) -> None:
    kind, entity_id = job.payload["kind"], job.payload["id"]
    async with db.read() as session:
        todo = await folder_rename(session, kind, entity_id, job.payload.get("task_id"))
    if todo is None:
        return
    connection = connection_for(db, todo.configuration)
    try:
        async with graph_for(connection) as graph:
            given = await rename_item(graph, todo.drive_id, todo.folder_id, todo.name)
            folder = await graph.item(todo.drive_id, todo.folder_id) if given is not None else None
    except SharePointError as error:
        raise job_failure(error) from None
    if folder is not None and folder.web_url:
        # The files below have new webUrls (their `url`): rewritten, not read back one by one.
        async with db.transaction() as session:
            await refresh_web_urls_below(session, kind, entity_id, drive_id=todo.drive_id, folder_url=folder.web_url)
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


def rename_job_kind(graph_for: GraphFactory = default_graph) -> jobs.JobKind:
    async def run(db: Database, job: jobs.ClaimedJob) -> None:
        await run_rename(db, job, graph_for=graph_for)

    return jobs.JobKind(RENAME_JOB, run)
