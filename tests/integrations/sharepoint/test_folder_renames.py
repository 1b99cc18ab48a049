"""Renaming in partnergraph renames the SharePoint folder (issue 7, item 7): through the API, the job queue and
the Graph emulator over HTTP; the folder keeps its Graph id, and later files go into it."""
import asyncio
import datetime as dt

from sqlalchemy import select, update

from domain import model as m
from domain.sharepoint.folder_renames import RENAME_JOB, renamed_url, renames_folder
from domain.platform.job_worker import Worker
from domain.platform.jobs import Policy, Registry
from domain.projects import members
from domain.sharepoint.folder_renames import rename_job_kind
from domain.sharepoint.transfer import transfer_job_kind
from integrations.sharepoint.client import graph_opener
from tests.factories import gid
from tests.graph_emulator.state import Item
from tests.integrations.sharepoint.test_transfer_job import (  # noqa: F401
    FILE, a_sharepoint_project, file_row, graph_for, graphql_as, sharepoint_db, upload_to,
)
from tests.partner_fixtures import shared_project_setup
from tests.partner_seeds import admin_viewer

UPDATE_PROJECT = """
mutation Rename($input: ProjectUpdateInput!) {
  projectUpdate(input: $input) { project { id name } userErrors { field message code } }
}
"""
UPDATE_ACTIVITY = """
mutation Rename($input: ActivityUpdateInput!) {
  activityUpdate(input: $input) { activity { id name number } userErrors { field message code } }
}
"""
UPDATE_TASK = """
mutation Rename($input: TaskUpdateInput!) {
  taskUpdate(input: $input) { task { id name } userErrors { field message code } }
}
"""


def a_worker(db, *, max_attempts: int = 3) -> Worker:
    registry = Registry()
    registry.register(transfer_job_kind(graph_opener(graph_for)))
    registry.register(rename_job_kind(graph_opener(graph_for)))
    return Worker(db, registry, Policy(max_attempts=max_attempts, backoff_seconds=0.01))


async def work_off(db, *, max_attempts: int = 3) -> None:
    """Runs jobs until none is due or waiting for a retry."""
    worker = a_worker(db, max_attempts=max_attempts)
    for _ in range(100):
        if await worker.run_one() is None:
            async with db.read() as session:
                if not await session.scalar(select(m.Job.id).where(m.Job.state == m.JobState.QUEUED).limit(1)):
                    return
            await asyncio.sleep(0.02)
    raise AssertionError("jobs kept coming")


async def rename_jobs(db) -> list[dict]:
    async with db.read() as session:
        return [job.payload for job in await session.scalars(
            select(m.Job).where(m.Job.kind == RENAME_JOB).order_by(m.Job.id))]


async def a_transferred_file(db, acme, entity_gid: str, filename: str = "offer.pdf") -> str:
    file_id = await upload_to(db, acme, entity_gid, b"%PDF " + filename.encode(), filename=filename)
    await work_off(db)
    return file_id


async def folder_of(db, model, pk: int) -> str:
    async with db.read() as session:
        return (await session.get(model, pk)).sharepoint_folder_id


async def activity_of(db, project_id: int) -> m.Activity:
    async with db.read() as session:
        return await session.scalar(select(m.Activity).where(m.Activity.project_id == project_id)
                                    .order_by(m.Activity.id).limit(1))


def test_every_worker_of_this_build_runs_folder_renames():
    from partnergraph.composition import registry

    assert RENAME_JOB in registry().names()


def test_a_files_url_follows_the_rename_of_a_folder_above_it():
    folder = "https://x.sharepoint.com/sites/s/Lib/Pier%202"
    assert renamed_url("https://x.sharepoint.com/sites/s/Lib/Pier/7.1%20Design/a.pdf", folder) == \
        "https://x.sharepoint.com/sites/s/Lib/Pier%202/7.1%20Design/a.pdf"
    assert renamed_url("https://x.sharepoint.com/sites/s/Other/Pier/a.pdf", folder) is None  # moved away
    assert renamed_url("https://x.sharepoint.com/sites/s/Lib/Pier", folder) is None  # the folder itself


def test_only_the_fields_a_folder_is_named_after_rename_it():
    assert renames_folder("activity", {"number"}) and renames_folder("activity", {"name"})
    assert not renames_folder("activity", {"active", "hourly_rate"})
    assert renames_folder("project", {"name"}) and not renames_folder("project", {"status"})


async def test_renaming_a_project_renames_its_folder_by_id_and_later_files_go_into_it(sharepoint_db, graph_emulator):
    db = sharepoint_db
    acme, _, project_id = await a_sharepoint_project(db)
    file_id = await a_transferred_file(db, acme, gid("Project", project_id))
    folder_id = await folder_of(db, m.Project, project_id)

    # when the project is renamed through the API
    body = await graphql_as(db, acme, UPDATE_PROJECT, {"input": {"id": gid("Project", project_id),
                                                                 "name": "Harbour: phase 2"}})
    assert body["projectUpdate"]["userErrors"] == []
    # then the rename job came with the rename's own commit
    assert await rename_jobs(db) == [{"kind": "project", "id": project_id}]
    await work_off(db)

    folder = graph_emulator.state.items[folder_id]
    assert folder.name == "Harbour_ phase 2"  # made valid by the name rules
    assert await folder_of(db, m.Project, project_id) == folder_id
    # and the file's url is its webUrl under the new name
    (item,) = graph_emulator.state.files()
    assert (await graphql_as(db, acme, FILE, {"id": file_id}))["node"]["url"] == graph_emulator.state.web_url(item)
    assert "Harbour_%20phase%202" in graph_emulator.state.web_url(item)
    # and a later file goes into the same, renamed folder
    await a_transferred_file(db, acme, gid("Project", project_id), "minutes.docx")
    names = sorted(graph_emulator.state.path_of(item) for item in graph_emulator.state.files())
    assert names == [["Harbour_ phase 2", "minutes.docx"], ["Harbour_ phase 2", "offer.pdf"]]


async def test_renaming_an_activitys_name_or_number_renames_its_folder(sharepoint_db, graph_emulator):
    db = sharepoint_db
    acme, _, project_id = await a_sharepoint_project(db)
    activity = await activity_of(db, project_id)
    file_id = await a_transferred_file(db, acme, gid("Activity", activity.id))
    folder_id = await folder_of(db, m.Activity, activity.id)
    assert graph_emulator.state.items[folder_id].name == f"{activity.number} {activity.name}"

    await graphql_as(db, acme, UPDATE_ACTIVITY, {"input": {"id": gid("Activity", activity.id), "name": "Design"}})
    await work_off(db)
    assert graph_emulator.state.items[folder_id].name == f"{activity.number} Design"

    await graphql_as(db, acme, UPDATE_ACTIVITY, {"input": {"id": gid("Activity", activity.id), "number": "7.1"}})
    await work_off(db)
    assert graph_emulator.state.items[folder_id].name == "7.1 Design"
    (item,) = graph_emulator.state.files()
    assert (await file_row(db, file_id)).sharepoint_web_url == graph_emulator.state.web_url(item)
    assert await folder_of(db, m.Activity, activity.id) == folder_id

    # and a change that does not name the folder queues nothing
    jobs_before = len(await rename_jobs(db))
    await graphql_as(db, acme, UPDATE_ACTIVITY, {"input": {"id": gid("Activity", activity.id), "active": False}})
    assert len(await rename_jobs(db)) == jobs_before


async def a_task(db, acme, project_id: int, *, series: m.RecurringTaskSeries | None = None, number: int = 1) -> int:
    async with db.transaction() as session:
        if series is not None:
            session.add(series)
            await session.flush()
        task = m.Task(company_id=acme.id, number=number, name=series.name if series else "Check drawings",
                      project_id=project_id, series_id=series.id if series else None,
                      period_start=dt.date(2026, number, 1) if series else None)
        session.add(task)
        await session.flush()
        return task.id


async def test_renaming_a_task_renames_its_folder(sharepoint_db, graph_emulator):
    db = sharepoint_db
    acme, _, project_id = await a_sharepoint_project(db)
    task_id = await a_task(db, acme, project_id)
    await a_transferred_file(db, acme, gid("Task", task_id))
    folder_id = await folder_of(db, m.Task, task_id)
    assert graph_emulator.state.items[folder_id].name == "#1 Check drawings"

    await graphql_as(db, acme, UPDATE_TASK, {"input": {"id": gid("Task", task_id), "name": "Check the drawings?"}})
    await work_off(db)

    assert graph_emulator.state.items[folder_id].name == "#1 Check the drawings_"


async def test_renaming_a_recurring_task_renames_the_folder_its_whole_series_shares(sharepoint_db, graph_emulator):
    db = sharepoint_db
    acme, _, project_id = await a_sharepoint_project(db)
    series = m.RecurringTaskSeries(company_id=acme.id, name="VAT return", recurrence=m.Recurrence.MONTHLY,
                                   first_period=dt.date(2026, 1, 1))
    january = await a_task(db, acme, project_id, series=series, number=1)
    await a_transferred_file(db, acme, gid("Task", january))
    folder_id = await folder_of(db, m.RecurringTaskSeries, series.id)
    assert graph_emulator.state.items[folder_id].name == "VAT return"

    await graphql_as(db, acme, UPDATE_TASK, {"input": {"id": gid("Task", january), "name": "VAT report"}})
    await work_off(db)

    assert graph_emulator.state.items[folder_id].name == "VAT report"
    # a later task of the series puts its files into that same folder
    february = await a_task(db, acme, project_id, series=None, number=2)
    async with db.transaction() as session:
        await session.execute(update(m.Task).where(m.Task.id == february)
                              .values(series_id=series.id, name="VAT report", period_start=dt.date(2026, 2, 1)))
    await a_transferred_file(db, acme, gid("Task", february), "february.pdf")
    assert {graph_emulator.state.items[f.parent_id].id for f in graph_emulator.state.files()} == {folder_id}


async def test_a_rename_onto_a_name_taken_in_sharepoint_gets_a_numbered_suffix_and_keeps_the_folder(
    sharepoint_db, graph_emulator
):
    db = sharepoint_db
    acme, _, project_id = await a_sharepoint_project(db)
    await a_transferred_file(db, acme, gid("Project", project_id))
    folder_id = await folder_of(db, m.Project, project_id)
    state = graph_emulator.state
    with state.lock:  # someone made a folder "Archive" next to it in SharePoint directly
        folder = state.items[folder_id]
        state.items["someone-elses"] = Item("someone-elses", folder.drive_id, "Archive", folder.parent_id, True)

    await graphql_as(db, acme, UPDATE_PROJECT, {"input": {"id": gid("Project", project_id), "name": "Archive"}})
    await work_off(db)

    assert state.items[folder_id].name == "Archive (1)"
    assert state.items["someone-elses"].name == "Archive"
    assert await folder_of(db, m.Project, project_id) == folder_id


async def test_a_rename_while_sharepoint_is_down_is_retried_and_lands(sharepoint_db, graph_emulator):
    db = sharepoint_db
    acme, _, project_id = await a_sharepoint_project(db)
    await a_transferred_file(db, acme, gid("Project", project_id))
    folder_id = await folder_of(db, m.Project, project_id)
    # SharePoint answers every rename with 503 for longer than one attempt keeps trying
    graph_emulator.inject("patch_item", "unavailable", times=12, retry_after=0)

    await graphql_as(db, acme, UPDATE_PROJECT, {"input": {"id": gid("Project", project_id), "name": "Quay"}})
    await work_off(db, max_attempts=5)

    assert graph_emulator.state.items[folder_id].name == "Quay"
    async with db.read() as session:
        job = await session.scalar(select(m.Job).where(m.Job.kind == RENAME_JOB))
    assert job.state is m.JobState.DONE and job.attempts >= 2
    assert len(graph_emulator.calls("patch_item")) == 13


async def test_a_project_whose_folder_is_not_made_yet_is_renamed_without_a_job_and_its_folder_gets_the_new_name(
    sharepoint_db, graph_emulator
):
    db = sharepoint_db
    acme, _, project_id = await a_sharepoint_project(db)

    await graphql_as(db, acme, UPDATE_PROJECT, {"input": {"id": gid("Project", project_id), "name": "Pier"}})
    assert await rename_jobs(db) == []

    await a_transferred_file(db, acme, gid("Project", project_id))
    (item,) = graph_emulator.state.files()
    assert graph_emulator.state.path_of(item) == ["Pier", "offer.pdf"]


async def test_a_project_set_back_to_cloud_storage_queues_no_folder_rename(sharepoint_db, graph_emulator):
    db = sharepoint_db
    acme, _, project_id = await a_sharepoint_project(db)
    await a_transferred_file(db, acme, gid("Project", project_id))
    async with db.transaction() as session:
        await session.execute(update(m.Project).where(m.Project.id == project_id)
                              .values(storage=m.ProjectStorage.CLOUD))

    await graphql_as(db, acme, UPDATE_PROJECT, {"input": {"id": gid("Project", project_id), "name": "Pier"}})

    assert await rename_jobs(db) == []


async def test_renaming_a_main_project_queues_a_rename_for_each_secondary_with_a_known_folder(db):
    # given a main project whose partner's secondary stores in SharePoint and has its folder already
    shared = await shared_project_setup(db)
    await members.add_project_member(db, admin_viewer(shared.main), shared.main_project_id, shared.guest.co_worker_id)
    async with db.transaction() as session:
        secondary = await session.scalar(select(m.Project).where(m.Project.main_project_id == shared.main_project_id))
        secondary.sharepoint_folder_id = "01SECONDARY"
        copy = await session.scalar(select(m.Activity).where(m.Activity.project_id == secondary.id).limit(1))
        copy.sharepoint_folder_id = "01COPY"
        await session.execute(update(m.Customer).where(m.Customer.id == shared.partner_customer_id)
                              .values(storage_location=m.StorageLocation.SHAREPOINT))
        secondary_id, copy_id, source_id = secondary.id, copy.id, copy.source_activity_id

    # when the main project and the activity are renamed
    await graphql_as(db, shared.main, UPDATE_PROJECT, {"input": {"id": shared.main_gid, "name": "Dam survey"}})
    await graphql_as(db, shared.main, UPDATE_ACTIVITY, {"input": {"id": gid("Activity", source_id), "name": "Divers"}})

    # then the secondary's folders get their renames (the main company's customer stores in the cloud)
    assert await rename_jobs(db) == [{"kind": "project", "id": secondary_id}, {"kind": "activity", "id": copy_id}]
