"""taskCreate, taskUpdate."""
import datetime as dt

import strawberry

from domain.projects import tasks as service
from gql.context import Info
from gql.ids import decode_id
from gql.resolvers.mutation import decode_optional_id, given, payload
from gql.schema.common import UserError
from gql.schema.projects.tasks import Task, TaskStatus


@strawberry.input(description="An employee or external co-worker creates tasks for themself; an activity alone brings "
                  "its project.")
class TaskCreateInput:
    company_id: strawberry.ID
    name: str
    project_id: strawberry.ID | None = None
    activity_id: strawberry.ID | None = None
    assignee_id: strawberry.ID | None = strawberry.field(
        default=None, description="Default: unassigned for admins and project leaders, yourself for anyone else."
    )
    due_date: dt.date | None = None
    status: TaskStatus = TaskStatus.OPEN


@strawberry.input(description="Only the fields given change; null clears a field that may be empty. A new project "
                  "without an activity clears the activity.")
class TaskUpdateInput:
    id: strawberry.ID
    name: str | None = strawberry.UNSET
    project_id: strawberry.ID | None = strawberry.UNSET
    activity_id: strawberry.ID | None = strawberry.UNSET
    assignee_id: strawberry.ID | None = strawberry.UNSET
    due_date: dt.date | None = strawberry.UNSET
    status: TaskStatus | None = strawberry.UNSET


@strawberry.type
class TaskCreatePayload:
    user_errors: list[UserError]
    task: Task | None = None


@strawberry.type
class TaskUpdatePayload:
    user_errors: list[UserError]
    task: Task | None = None


REFERENCES = {"project_id": ("Project", "projectId"), "activity_id": ("Activity", "activityId"),
              "assignee_id": ("CoWorker", "assigneeId")}


@strawberry.type
class TaskMutations:
    @strawberry.mutation
    async def task_create(self, info: Info, input: TaskCreateInput) -> TaskCreatePayload:
        async def call():
            draft = service.TaskDraft(
                company_id=decode_id(input.company_id, "Company", field="companyId"), name=input.name,
                project_id=decode_optional_id(input.project_id, "Project", field="projectId"),
                activity_id=decode_optional_id(input.activity_id, "Activity", field="activityId"),
                assignee_id=decode_optional_id(input.assignee_id, "CoWorker", field="assigneeId"),
                due_date=input.due_date, status=input.status,
            )
            return {"task": Task.from_row(await service.create_task(info.context.db, info.context.viewer, draft))}

        return await payload(TaskCreatePayload, call)

    @strawberry.mutation(description="Admins and project leaders change any task; others the tasks assigned to them.")
    async def task_update(self, info: Info, input: TaskUpdateInput) -> TaskUpdatePayload:
        async def call():
            task_id = decode_id(input.id, "Task", field="id")
            changes = given(input, "name", "project_id", "activity_id", "assignee_id", "due_date", "status")
            for key, (type_name, field) in REFERENCES.items():
                if key in changes:
                    changes[key] = decode_optional_id(changes[key], type_name, field=field)
            row = await service.update_task(info.context.db, info.context.viewer, task_id, changes)
            return {"task": Task.from_row(row)}

        return await payload(TaskUpdatePayload, call)
