"""taskSeriesCreate, taskSeriesUpdate, taskSeriesStop, taskSeriesMakeTasks."""
import datetime as dt

import strawberry

from domain.task_series import service
from gql.context import Info
from gql.ids import decode_id
from gql.resolvers.mutation import decode_optional_id, given, payload
from gql.schema.common import UserError
from gql.schema.projects.tasks import RecurringTaskSeries, TaskSeriesFrequency

PERIOD_DAY = "Any day of that period (a week starts on Monday)."


@strawberry.input(description="Whoever may create a task on the project may create a series on it: an employee or "
                  "external co-worker for themself. An activity must be the project's.")
class TaskSeriesCreateInput:
    name: str
    project_id: strawberry.ID
    frequency: TaskSeriesFrequency
    first_period: dt.date = strawberry.field(description=f"The first period that gets a task. {PERIOD_DAY}")
    last_period: dt.date | None = strawberry.field(
        default=None, description=f"The last period that gets a task; none: until stopped. {PERIOD_DAY}")
    activity_id: strawberry.ID | None = None
    assignee_id: strawberry.ID | None = strawberry.field(
        default=None, description="Default: unassigned for admins and project leaders, yourself for anyone else.")
    make_tasks: bool = strawberry.field(
        default=True, description="Make the tasks of the periods begun up to today at once (else the next daily "
        "run makes them).")


@strawberry.input(description="Only the fields given change; null clears lastPeriod (no end) or the assignee. A new "
                  "name renames the series' tasks and their shared SharePoint folder.")
class TaskSeriesUpdateInput:
    id: strawberry.ID
    name: str | None = strawberry.UNSET
    last_period: dt.date | None = strawberry.field(default=strawberry.UNSET, description=PERIOD_DAY)
    assignee_id: strawberry.ID | None = strawberry.UNSET


@strawberry.input
class TaskSeriesStopInput:
    id: strawberry.ID
    after: dt.date | None = strawberry.field(
        default=None, description="No task after the period of this day; default: after the current period. "
        "Tasks already made stay.")


@strawberry.input
class TaskSeriesMakeTasksInput:
    id: strawberry.ID


@strawberry.type
class TaskSeriesPayload:
    user_errors: list[UserError]
    series: RecurringTaskSeries | None = None


@strawberry.type
class TaskSeriesMutations:
    @strawberry.mutation(description="A recurring task series; its tasks are numbered as every task of the company.")
    async def task_series_create(self, info: Info, input: TaskSeriesCreateInput) -> TaskSeriesPayload:
        async def call():
            draft = service.SeriesDraft(
                name=input.name, project_id=decode_id(input.project_id, "Project", field="projectId"),
                recurrence=input.frequency, first_period=input.first_period, last_period=input.last_period,
                activity_id=decode_optional_id(input.activity_id, "Activity", field="activityId"),
                assignee_id=decode_optional_id(input.assignee_id, "CoWorker", field="assigneeId"),
                make_tasks=input.make_tasks,
            )
            row = await service.create_series(info.context.db, info.context.viewer, draft)
            return {"series": RecurringTaskSeries.from_row(row)}

        return await payload(TaskSeriesPayload, call)

    @strawberry.mutation(description="Admins and project leaders change any series; others the series assigned to "
                         "them.")
    async def task_series_update(self, info: Info, input: TaskSeriesUpdateInput) -> TaskSeriesPayload:
        async def call():
            series_id = decode_id(input.id, "RecurringTaskSeries", field="id")
            changes = given(input, "name", "last_period", "assignee_id")
            if "assignee_id" in changes:
                changes["assignee_id"] = decode_optional_id(changes["assignee_id"], "CoWorker", field="assigneeId")
            row = await service.update_series(info.context.db, info.context.viewer, series_id, changes)
            return {"series": RecurringTaskSeries.from_row(row)}

        return await payload(TaskSeriesPayload, call)

    @strawberry.mutation(description="Ends a series: no task after the given period (default: the current one).")
    async def task_series_stop(self, info: Info, input: TaskSeriesStopInput) -> TaskSeriesPayload:
        async def call():
            series_id = decode_id(input.id, "RecurringTaskSeries", field="id")
            row = await service.stop_series(info.context.db, info.context.viewer, series_id, after=input.after)
            return {"series": RecurringTaskSeries.from_row(row)}

        return await payload(TaskSeriesPayload, call)

    @strawberry.mutation(description="Makes now the tasks of the periods begun up to today that the daily job has not "
                         "made yet (a period's task is made once).")
    async def task_series_make_tasks(self, info: Info, input: TaskSeriesMakeTasksInput) -> TaskSeriesPayload:
        async def call():
            series_id = decode_id(input.id, "RecurringTaskSeries", field="id")
            row = await service.make_tasks_now(info.context.db, info.context.viewer, series_id)
            return {"series": RecurringTaskSeries.from_row(row)}

        return await payload(TaskSeriesPayload, call)
