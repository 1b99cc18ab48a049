"""Tasks, as the task board shows them, and the recurring series some of them belong to."""
import datetime as dt

import strawberry
from strawberry import relay

from domain import model as m
from domain.task_series.periods import Period
from gql.context import Info
from gql.schema.common import Connection, RowNode, child_connection
from gql.schema.companies.types import Company, CoWorker
from gql.schema.projects.types import Activity, Project

TaskStatus = strawberry.enum(m.TaskStatus)
TaskSeriesFrequency = strawberry.enum(m.Recurrence, name="TaskSeriesFrequency",
                                      description="How often a recurring series gets a task: each ISO week "
                                      "(from Monday), month, quarter or year.")


@strawberry.type(description="A period of a recurring series.")
class TaskPeriod:
    year: int = strawberry.field(description="The year it is counted in (for a week, its ISO year).")
    period: int = strawberry.field(description="Which period of the year: the ISO week, month or quarter; 1 for a year.")
    label: str = strawberry.field(description='"2026-W05", "2026-03", "2026-Q1" or "2026".')
    start: dt.date = strawberry.field(description="Its first day.")
    end: dt.date = strawberry.field(description="Its last day.")

    @classmethod
    def of(cls, recurrence: m.Recurrence, start: dt.date | None) -> "TaskPeriod | None":
        if start is None:
            return None
        period = Period(recurrence, start)
        return cls(year=period.year, period=period.number, label=period.label, start=period.start, end=period.end)


@strawberry.type(description="A task, numbered per company; it may belong to a project and one of its activities.")
class Task(RowNode):
    loader = "task_by_id"
    id: relay.NodeID[int]
    number: int
    name: str
    due_date: dt.date | None
    status: TaskStatus
    period_start: dt.date | None = strawberry.field(
        description="For a task of a recurring series: the first day of the period it is for."
    )
    created_at: dt.datetime
    company_id: strawberry.Private[int]
    project_id: strawberry.Private[int | None]
    activity_id: strawberry.Private[int | None]
    assignee_id: strawberry.Private[int | None]
    series_id: strawberry.Private[int | None]

    @strawberry.field(description="The company the task belongs to (on the board: which group company).")
    async def company(self, info: Info) -> Company:
        return await Company.load(info, self.company_id)

    @strawberry.field(description="Null when the task has no project or you cannot see it (a partner company's).")
    async def project(self, info: Info) -> Project | None:
        return await Project.load(info, self.project_id)

    @strawberry.field(description="Null when the task has no activity or you cannot see it.")
    async def activity(self, info: Info) -> Activity | None:
        return await Activity.load(info, self.activity_id)

    @strawberry.field(description="Null when the task is unassigned or you cannot see the co-worker.")
    async def assignee(self, info: Info) -> CoWorker | None:
        return await CoWorker.load(info, self.assignee_id)

    @strawberry.field(description="The recurring series the task is one period of; null for a one-off task.")
    async def series(self, info: Info) -> "RecurringTaskSeries | None":
        return await RecurringTaskSeries.load(info, self.series_id)

    @strawberry.field(description="For a task of a recurring series: the period it is for.")
    async def period(self, info: Info) -> TaskPeriod | None:
        series = await RecurringTaskSeries.load(info, self.series_id)
        return None if series is None else TaskPeriod.of(series.recurrence, self.period_start)


@strawberry.type(description="A task that comes back every week, month, quarter or year: the daily job makes the "
                 "task of each period that has begun, from the first period to the last. Its tasks share one "
                 "SharePoint folder, named with the series' name.")
class RecurringTaskSeries(RowNode):
    loader = "task_series_by_id"
    id: relay.NodeID[int]
    name: str
    created_at: dt.datetime
    recurrence: strawberry.Private[m.Recurrence]
    first_period_start: strawberry.Private[dt.date]
    last_period_start: strawberry.Private[dt.date | None]
    company_id: strawberry.Private[int]
    project_id: strawberry.Private[int | None]
    activity_id: strawberry.Private[int | None]
    assignee_id: strawberry.Private[int | None]

    @classmethod
    def from_row(cls, row) -> "RecurringTaskSeries":
        return cls(id=row.id, name=row.name, created_at=row.created_at, recurrence=row.recurrence,
                   first_period_start=row.first_period, last_period_start=row.last_period,
                   company_id=row.company_id, project_id=row.project_id, activity_id=row.activity_id,
                   assignee_id=row.assignee_id)

    @strawberry.field
    def frequency(self) -> TaskSeriesFrequency:
        return self.recurrence

    @strawberry.field(description="The period of its first task.")
    def first_period(self) -> TaskPeriod:
        return TaskPeriod.of(self.recurrence, self.first_period_start)

    @strawberry.field(description="The period of its last task; null while it has no end.")
    def last_period(self) -> TaskPeriod | None:
        return TaskPeriod.of(self.recurrence, self.last_period_start)

    @strawberry.field
    async def company(self, info: Info) -> Company:
        return await Company.load(info, self.company_id)

    @strawberry.field(description="The project its tasks are made in; null when you cannot see it.")
    async def project(self, info: Info) -> Project | None:
        return await Project.load(info, self.project_id)

    @strawberry.field(description="The activity its tasks are made under, if any.")
    async def activity(self, info: Info) -> Activity | None:
        return await Activity.load(info, self.activity_id)

    @strawberry.field(description="Who gets its tasks; null when unassigned or you cannot see the co-worker.")
    async def assignee(self, info: Info) -> CoWorker | None:
        return await CoWorker.load(info, self.assignee_id)

    @strawberry.field(description="Its tasks made so far that you may see, by period, the first first.")
    async def tasks(self, info: Info, first: int | None = None, after: str | None = None) -> Connection[Task]:
        return await child_connection(info.context.loaders.tasks_by_series, (self.id,), first, after, Task.from_row)
