"""Project expenses (and their clones in a main project)."""
import datetime as dt
from decimal import Decimal

import strawberry
from strawberry import relay

from gql.context import Info
from gql.schema.common import RowNode
from gql.schema.hours.types import HourStatus
from gql.schema.companies.types import Company, CoWorker
from gql.schema.projects.types import Project


@strawberry.type(description="An expense one co-worker registered on a project (travel, material), to be re-invoiced.")
class Expense(RowNode):
    loader = "expense_by_id"
    id: relay.NodeID[int]
    date: dt.date
    amount: Decimal
    currency: str = strawberry.field(description="ISO 4217 code, such as NOK.")
    description: str | None
    status: HourStatus
    created_at: dt.datetime
    company_id: strawberry.Private[int]
    project_id: strawberry.Private[int]
    co_worker_id: strawberry.Private[int]
    source_expense_id: strawberry.Private[int | None]

    @strawberry.field(description="True for a main project's clone of an expense registered in a partner company.")
    def is_clone(self) -> bool:
        return self.source_expense_id is not None

    @strawberry.field
    async def company(self, info: Info) -> Company:
        return await Company.load(info, self.company_id)

    @strawberry.field
    async def co_worker(self, info: Info) -> CoWorker:
        return await CoWorker.load(info, self.co_worker_id)

    @strawberry.field(description="Null when you can no longer see the project (no longer a member).")
    async def project(self, info: Info) -> Project | None:
        return await Project.load(info, self.project_id)
