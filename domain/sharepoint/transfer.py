"""The `sharepoint.transfer` job: one PENDING file from cloud storage into SharePoint (SPEC §5, §6).

Three steps, none holding a transaction open while Graph is called: read what the file needs (its place,
the configuration, the Graph ids remembered), transfer it (SharePoint.transfer_file, which finds an earlier
run's upload instead of duplicating it), then record the outcome and the ids in one transaction and let go of
the local copy. A crash anywhere leaves the job to run again and reach the same single item.
"""
import logging
from dataclasses import dataclass

from sqlalchemy import select

from domain.files import transfers
from domain.files.content_store import ContentStore
from domain.files.placement import ENTITY_MODELS, owners_of
from domain.files.rules import owner_of
from domain.model import (
    Activity, Customer, File, Project, RecurringTaskSeries, SharePointConfiguration, Tag, Task, file_tags, utcnow,
)
from domain.platform import jobs
from domain.platform.db import Database
from domain.sharepoint.client import OpenSharePoint, TransferTarget, job_failure, site_of
from domain.sharepoint.errors import SharePointError
from domain.sharepoint.layout import ActivityRef, TaskRef, content_type_values, customer_library_name, placement

log = logging.getLogger("partnergraph.sharepoint")


@dataclass
class Whereabouts:
    file: File
    customer: Customer
    project: Project | None
    activity: Activity | None
    task: Task | None
    series: RecurringTaskSeries | None
    configuration: SharePointConfiguration | None
    tags: list[str]
    # The company's other customers: (number, name, remembered library id), for a library of its own.
    other_customers: list[tuple[int, str, str | None]]


async def whereabouts(session, file: File) -> Whereabouts:
    kind, pk = owner_of(file)
    owners = await owners_of(session, kind, await session.get(ENTITY_MODELS[kind], pk))
    project, activity, task = owners.project, owners.activity, owners.task
    customer = await session.get(Customer, file.customer_id or project.customer_id)
    series = await session.get(RecurringTaskSeries, task.series_id) if task is not None and task.series_id else None
    configuration = await session.scalar(
        select(SharePointConfiguration).where(SharePointConfiguration.company_id == file.company_id))
    tags = list(await session.scalars(
        select(Tag.name).join(file_tags, file_tags.c.tag_id == Tag.id).where(file_tags.c.file_id == file.id)
        .order_by(Tag.name)))
    return Whereabouts(file, customer, project, activity, task, series, configuration, tags,
                       await other_customers(session, customer))


async def other_customers(session, customer: Customer) -> list[tuple[int, str, str | None]]:
    """The company's other customers: (number, name, remembered library id)."""
    return [tuple(row) for row in await session.execute(
        select(Customer.number, Customer.name, Customer.sharepoint_library_id)
        .where(Customer.company_id == customer.company_id, Customer.id != customer.id))]


def target_of(where: Whereabouts, *, clear_missing: bool = False) -> TransferTarget:
    """Where the file goes and its columns; `clear_missing` empties the columns it has no value for (a file moved
    away from an activity or a recurring task loses momentActivity, momentYear and momentPeriod)."""
    activity = (ActivityRef(where.activity.id, where.activity.name, where.activity.number)
                if where.activity is not None else None)
    task = None
    if where.task is not None:
        task = TaskRef(where.task.id, where.task.number, where.task.name, series_id=where.task.series_id,
                       series_name=where.series.name if where.series else None, period_start=where.task.period_start)
    known: dict[tuple[str, int], str] = {}
    for kind, row in (("project", where.project), ("activity", where.activity), ("task", where.task),
                      ("series", where.series)):
        if row is not None and row.sharepoint_folder_id:
            known[(kind, row.id)] = row.sharepoint_folder_id
    spot = placement(
        where.customer.name, where.file.name,
        project=(where.project.id, where.project.name) if where.project is not None else None,
        activity=activity, task=task, known_ids=known,
        library=customer_library_name(where.customer.name, where.customer.number,
                                      others=[(number, name) for number, name, _ in where.other_customers]),
    )
    taken = frozenset(library_id for _, _, library_id in where.other_customers if library_id)
    return TransferTarget(spot, where.file.size, library_id=where.customer.sharepoint_library_id,
                          drive_id=where.customer.sharepoint_drive_id,
                          fields=content_type_values(activity=activity, task=task, tags=where.tags).as_fields(
                              clear_missing=clear_missing),
                          taken_library_ids=taken)


async def run_transfer(db: Database, job: jobs.ClaimedJob, open_sharepoint: OpenSharePoint) -> None:
    file_id = job.payload.get("file_id")
    read_at = utcnow()
    async with db.read() as session:
        file = await transfers.file_to_transfer(session, file_id)
        if file is None:
            return  # deleted, moved back to cloud storage, or transferred already
        where = await whereabouts(session, file)
        target = target_of(where)
    site = site_of(db.settings, where.configuration)
    store = ContentStore.from_settings(db.settings)
    local = store.path_of(file.sha256)
    if not local.exists():
        raise jobs.PermanentFailure("The file's contents are missing from cloud storage.")
    try:
        async with open_sharepoint(db.settings, site) as sharepoint:
            result = await sharepoint.transfer_file(target, local)
    except SharePointError as error:
        raise job_failure(error) from None
    async with db.transaction() as session:
        # The ids on our rows, the file TRANSFERRED and the job DONE: one commit (domain.files.transfers).
        done = await transfers.complete_transfer(
            session, job, file_id=file_id, customer_id=where.customer.id, library_id=result.library_id,
            drive_id=result.drive_id, item_id=result.item_id, web_url=result.web_url,
            name=result.name if result.name != where.file.name else None, folder_ids=result.folder_ids,
            read_at=read_at,
        )
    if not done:
        # Changed while we were away (deleted, or its entity now stores in the cloud). The item stays in
        # SharePoint, where a person may decide about it.
        log.warning("file %s no longer waits for SharePoint; item %s left in place", file_id, result.item_id)
        return
    await transfers.release_local_copy(db, store, where.file.sha256)


def transfer_job_kind(open_sharepoint: OpenSharePoint) -> jobs.JobKind:
    async def run(db: Database, job: jobs.ClaimedJob) -> None:
        await run_transfer(db, job, open_sharepoint)

    return jobs.JobKind(transfers.TRANSFER_JOB, run, on_dead=transfers.transfer_failed)
