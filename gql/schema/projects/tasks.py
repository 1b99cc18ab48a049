"""Tasks, as the task board shows them."""
import datetime as dt

import strawberry
from strawberry import relay

from domain import model as m
from gql.context import Info
from gql.schema.common import RowNode
from gql.schema.companies.types import Company, CoWorker
from gql.schema.projects.types import Activity, Project

TaskStatus = strawberry.enum(m.TaskStatus)


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
