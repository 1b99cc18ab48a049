"""Creating, changing and stopping a recurring task series, and making the task of each of its periods.

Who may create a series on a project is who may create a task on it (domain.projects.tasks): a member of the
project's company who sees the project, an employee or external co-worker for themself only. Who may change or
stop it is who may change its tasks: the company's admins and project leaders, or the series' assignee.
"""
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.access.lookup import load_visible
from domain.access.people import active_co_worker
from domain.access.policy import MANAGERS, require_company_role
from domain.access.viewer import Viewer
from domain.model import Project, ProjectStatus, Recurrence, RecurringTaskSeries, Role, Task, utcnow
from domain.platform.db import Database
from domain.platform.errors import Forbidden, InvalidInput, ProjectClosed
from domain.platform.validation import clean_name, not_null
from domain.projects.tasks import assignee_refusal, next_task_number, rename_series, task_placement
from domain.task_series.periods import Period, due_periods, following, period_start

# The most tasks one series may owe at once: a first period further back would make that many tasks in one go.
MAX_CATCH_UP = 100


@dataclass
class SeriesDraft:
    name: str
    project_id: int
    recurrence: Recurrence
    first_period: dt.date  # any day of the first period
    last_period: dt.date | None = None  # any day of the last period that gets a task; None: until stopped
    activity_id: int | None = None
    assignee_id: int | None = None  # None: a manager's series is unassigned, anyone else's is their own
    make_tasks: bool = True  # make the tasks due up to today at once, not only with the next daily run


def today() -> dt.date:
    return utcnow().date()


def check_periods(recurrence: Recurrence, first: dt.date, last: dt.date | None, *, on: dt.date,
                  last_field: str = "lastPeriod") -> tuple[dt.date, dt.date | None]:
    """The first and last periods' first days (pure); the last not before the first, and no more than
    MAX_CATCH_UP tasks due at once."""
    first = period_start(recurrence, first)
    last = None if last is None else period_start(recurrence, last)
    if last is not None and last < first:
        raise InvalidInput("The last period is before the first period.", field=last_field)
    if len(due_periods(recurrence, first, last, on)) > MAX_CATCH_UP:
        raise InvalidInput(f"The first period is so far back that more than {MAX_CATCH_UP} tasks would be due at "
                           "once; start the series later.", field="firstPeriod")
    return first, last


def may_change(viewer: Viewer, series: RecurringTaskSeries) -> bool:
    membership = viewer.membership(series.company_id)
    return membership is not None and (membership.role in MANAGERS or series.assignee_id == membership.co_worker_id)


def check_open(project: Project | None) -> None:
    if project is not None and project.status == ProjectStatus.CLOSED:
        raise ProjectClosed("The project is closed: it gets no more recurring tasks.", field="projectId")


async def create_series(db: Database, viewer: Viewer, draft: SeriesDraft) -> RecurringTaskSeries:
    name = clean_name(draft.name)
    first, last = check_periods(draft.recurrence, draft.first_period, draft.last_period, on=today())
    async with db.transaction() as session:
        project = await load_visible(session, viewer, Project, draft.project_id, field="projectId", noun="project")
        membership = require_company_role(viewer, project.company_id, tuple(Role), field="projectId")
        check_open(project)
        assignee_id = draft.assignee_id
        if assignee_id is None and membership.role not in MANAGERS:
            assignee_id = membership.co_worker_id
        if (refusal := assignee_refusal(membership, current=None, wanted=assignee_id)) is not None:
            raise refusal
        if assignee_id is not None:
            await active_co_worker(session, project.company_id, assignee_id, field="assigneeId")
        project_id, activity_id = await task_placement(session, viewer, project.company_id, project.id,
                                                       draft.activity_id)
        series = RecurringTaskSeries(
            company_id=project.company_id, name=name, recurrence=draft.recurrence, project_id=project_id,
            activity_id=activity_id, assignee_id=assignee_id, first_period=first, last_period=last,
        )
        session.add(series)
        await session.flush()
        if draft.make_tasks:
            await make_due_tasks_in(session, series, on=today())
    return series


async def _series_to_change(session: AsyncSession, viewer: Viewer, series_id: int) -> RecurringTaskSeries:
    series = await load_visible(session, viewer, RecurringTaskSeries, series_id, field="id", noun="series")
    if not may_change(viewer, series):
        raise Forbidden("Only an admin, a project leader or the series' assignee changes a series.", field="id")
    return series


async def update_series(db: Database, viewer: Viewer, series_id: int, changes: Mapping[str, Any]) -> RecurringTaskSeries:
    """`changes` holds only the fields given: name, last_period (None: no end) and assignee_id (None: unassigned).
    A new name renames the series' tasks and its shared SharePoint folder; a new assignee gets the tasks still
    to come."""
    name = clean_name(changes["name"]) if "name" in changes else None
    async with db.transaction() as session:
        series = await _series_to_change(session, viewer, series_id)
        membership = viewer.membership(series.company_id)
        if "last_period" in changes:
            _, series.last_period = check_periods(series.recurrence, series.first_period, changes["last_period"],
                                                  on=today())
        if "assignee_id" in changes:
            wanted = changes["assignee_id"]
            if (refusal := assignee_refusal(membership, current=series.assignee_id, wanted=wanted)) is not None:
                raise refusal
            if wanted is not None:
                await active_co_worker(session, series.company_id, wanted, field="assigneeId")
            series.assignee_id = wanted
        if name is not None and name != series.name:
            await rename_series(session, series, name)
    return series


async def stop_series(db: Database, viewer: Viewer, series_id: int, *, after: dt.date | None) -> RecurringTaskSeries:
    """No task after the period of `after` (default: the current period). Tasks already made stay."""
    async with db.transaction() as session:
        series = await _series_to_change(session, viewer, series_id)
        last = period_start(series.recurrence, after or today())
        if last < series.first_period:
            raise InvalidInput(f"The series starts with {Period(series.recurrence, series.first_period).label}; "
                               "it cannot stop before its first period.", field="after")
        if series.last_period is None or last < series.last_period:
            series.last_period = last
    return series


async def make_tasks_now(db: Database, viewer: Viewer, series_id: int) -> RecurringTaskSeries:
    """On demand: the tasks due up to today that the daily job has not made yet."""
    async with db.transaction() as session:
        series = await _series_to_change(session, viewer, series_id)
        check_open(await session.get(Project, series.project_id) if series.project_id is not None else None)
        await make_due_tasks_in(session, series, on=today())
    return series


async def make_due_tasks_in(session: AsyncSession, series: RecurringTaskSeries, *, on: dt.date) -> list[Task]:
    """Makes the task of each due period that has none, numbered as every task of the company; returns them.
    The series row's lock (PostgreSQL; SQLite has one writer) and the (series, period) unique constraint keep
    two workers from making one period's task twice."""
    await session.execute(select(RecurringTaskSeries.id).where(RecurringTaskSeries.id == series.id)
                          .with_for_update())
    due = due_periods(series.recurrence, series.first_period, series.last_period, on)
    made = set(await session.scalars(select(Task.period_start).where(Task.series_id == series.id)))
    tasks = []
    for start in (start for start in due if start not in made):
        task = Task(
            company_id=series.company_id, number=await next_task_number(session, series.company_id),
            name=series.name, project_id=series.project_id, activity_id=series.activity_id,
            assignee_id=series.assignee_id, series_id=series.id, period_start=start,
            due_date=following(series.recurrence, start) - dt.timedelta(days=1),
        )
        session.add(task)
        await session.flush()
        tasks.append(task)
    return tasks


async def make_company_tasks(db: Database, company_id: int, *, on: dt.date | None = None) -> int:
    """The daily job's work for one company: every series of an open project gets its due tasks. Returns how
    many tasks were made."""
    on = on or today()
    made = 0
    async with db.transaction() as session:
        series_list = list(await session.scalars(
            select(RecurringTaskSeries).join(Project, Project.id == RecurringTaskSeries.project_id).where(
                RecurringTaskSeries.company_id == company_id, RecurringTaskSeries.first_period <= on,
                Project.status != ProjectStatus.CLOSED).order_by(RecurringTaskSeries.id)))
        for series in series_list:
            made += len(await make_due_tasks_in(session, series, on=on))
    return made

