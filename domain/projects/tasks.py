"""Tasks: creating and changing them (numbered per company), for the task board (SPEC §2.7).

Admins and project leaders manage every task of their company. Employees and external co-workers
create tasks for themselves and change the tasks assigned to them, without handing them to others.
"""
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.sharepoint import folder_renames
from domain.platform.db import Database
from domain.platform.errors import Forbidden, InvalidInput, NotFound
from domain.model import Activity, CoWorker, Company, Project, RecurringTaskSeries, Role, Task, TaskStatus
from domain.access.policy import MANAGERS, require_company_role
from domain.access.viewer import Membership, Viewer
from domain.access.lookup import load_visible
from domain.access.people import active_co_worker
from domain.platform.validation import clean_name, not_null


@dataclass
class TaskDraft:
    company_id: int
    name: str
    project_id: int | None = None
    activity_id: int | None = None
    assignee_id: int | None = None  # None: a manager's task is unassigned, anyone else's is their own
    due_date: dt.date | None = None
    status: TaskStatus = TaskStatus.OPEN


def assignee_refusal(membership: Membership, *, current: int | None, wanted: int | None) -> Forbidden | None:
    """Why this co-worker may not give the task to `wanted` (pure): only managers assign others' tasks."""
    if membership.role in MANAGERS or wanted == membership.co_worker_id:
        return None
    if current == wanted:
        return None
    return Forbidden("Only an admin or a project leader assigns tasks to others.", field="assigneeId")


def task_values(changes: Mapping[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if "name" in changes:
        values["name"] = clean_name(changes["name"])
    if "due_date" in changes:
        values["due_date"] = changes["due_date"]
    if "status" in changes:
        values["status"] = not_null(changes["status"], field="status")
    return values


async def _assignee(session: AsyncSession, company_id: int, co_worker_id: int) -> CoWorker:
    return await active_co_worker(session, company_id, co_worker_id, field="assigneeId")


async def task_placement(
    session: AsyncSession, viewer: Viewer, company_id: int, project_id: int | None, activity_id: int | None
) -> tuple[int | None, int | None]:
    """The task's project and activity, both of the company and visible to the viewer; an activity alone
    brings its project."""
    if activity_id is not None:
        activity = await load_visible(session, viewer, Activity, activity_id, field="activityId", noun="activity")
        if project_id is not None and activity.project_id != project_id:
            raise InvalidInput("The activity belongs to another project.", field="activityId")
        project_id = activity.project_id
    if project_id is not None:
        project = await load_visible(session, viewer, Project, project_id, field="projectId", noun="project")
        if project.company_id != company_id:
            raise NotFound("No such project.", field="projectId")
    return project_id, activity_id


async def next_task_number(session: AsyncSession, company_id: int) -> int:
    # The company row's lock (PostgreSQL; SQLite has one writer) keeps two new tasks from one number.
    await session.execute(select(Company.id).where(Company.id == company_id).with_for_update())
    highest = await session.scalar(select(func.max(Task.number)).where(Task.company_id == company_id))
    return (highest or 0) + 1


async def create_task_in(session: AsyncSession, viewer: Viewer, draft: TaskDraft) -> Task:
    membership = require_company_role(viewer, draft.company_id, tuple(Role), field="companyId")
    values = task_values({"name": draft.name, "due_date": draft.due_date, "status": draft.status})
    assignee_id = draft.assignee_id
    if assignee_id is None and membership.role not in MANAGERS:
        assignee_id = membership.co_worker_id
    if (refusal := assignee_refusal(membership, current=None, wanted=assignee_id)) is not None:
        raise refusal
    if assignee_id is not None:
        await _assignee(session, draft.company_id, assignee_id)
    project_id, activity_id = await task_placement(session, viewer, draft.company_id, draft.project_id, draft.activity_id)
    task = Task(
        company_id=draft.company_id, number=await next_task_number(session, draft.company_id),
        project_id=project_id, activity_id=activity_id, assignee_id=assignee_id, **values,
    )
    session.add(task)
    await session.flush()
    return task


async def create_task(db: Database, viewer: Viewer, draft: TaskDraft) -> Task:
    async with db.transaction() as session:
        return await create_task_in(session, viewer, draft)


async def update_task(db: Database, viewer: Viewer, task_id: int, changes: Mapping[str, Any]) -> Task:
    """`changes` holds only the fields given; None clears the assignee, project, activity or due date. A new
    project without an activity clears the activity."""
    values = task_values(changes)
    async with db.transaction() as session:
        task = await load_visible(session, viewer, Task, task_id, field="id", noun="task")
        membership = viewer.membership(task.company_id)
        # A task shared from another group company is seen on the board but changed in its own company.
        if membership is None or (membership.role not in MANAGERS and task.assignee_id != membership.co_worker_id):
            raise Forbidden("You can change only the tasks assigned to you.", field="id")
        if "assignee_id" in changes:
            wanted = changes["assignee_id"]
            if (refusal := assignee_refusal(membership, current=task.assignee_id, wanted=wanted)) is not None:
                raise refusal
            if wanted is not None:
                await _assignee(session, task.company_id, wanted)
            values["assignee_id"] = wanted
        if "activity_id" in changes:
            activity_id = changes["activity_id"]
            # An activity given alone brings its project; clearing it keeps the project.
            project_id = changes.get("project_id", None if activity_id is not None else task.project_id)
        elif "project_id" in changes:
            project_id, activity_id = changes["project_id"], None  # the old activity stays with the old project
        if "project_id" in changes or "activity_id" in changes:
            values["project_id"], values["activity_id"] = await task_placement(
                session, viewer, task.company_id, project_id, activity_id
            )
        old_name = task.name
        for key, value in values.items():
            setattr(task, key, value)
        if task.name != old_name:
            await _rename_folder(session, task)
    return task


async def _rename_folder(session: AsyncSession, task: Task) -> None:
    """A task's SharePoint folder follows its name. A recurring task's files share the series' folder, named
    with the task name (SPEC §6): renaming one of its tasks renames the series, its other tasks and that folder."""
    if task.series_id is None:
        await folder_renames.schedule_folder_rename(
            session, "task", task.id, folder_id=task.sharepoint_folder_id, project_id=task.project_id)
        return
    await rename_series(session, await session.get(RecurringTaskSeries, task.series_id), task.name)


async def rename_series(session: AsyncSession, series: RecurringTaskSeries, name: str) -> None:
    """A series' tasks carry its name, and so does the one SharePoint folder they share (SPEC §6), placed by its
    latest task."""
    series.name = name
    tasks = list(await session.scalars(select(Task).where(Task.series_id == series.id).order_by(Task.period_start)))
    for task in tasks:
        task.name = name
    if tasks:
        await folder_renames.schedule_folder_rename(
            session, "series", series.id, folder_id=series.sharepoint_folder_id, project_id=tasks[-1].project_id,
            task_id=tasks[-1].id)
