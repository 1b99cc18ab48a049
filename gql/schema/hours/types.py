"""Time records."""
import datetime as dt
from decimal import Decimal

import strawberry
from strawberry import relay

from domain import model as m
from gql.context import Info
from gql.schema.common import RowNode
from gql.schema.companies.types import Company, CoWorker
from gql.schema.projects.types import Activity, Project

HourStatus = strawberry.enum(m.HourStatus)


@strawberry.federation.type(keys=["id"], description="Hours one co-worker registered on one day, project and activity.")
class TimeRecord(RowNode):
    loader = "time_record_by_id"
    id: relay.NodeID[int]
    date: dt.date
    hours: Decimal
    description: str | None
    status: HourStatus
    created_at: dt.datetime
    updated_at: dt.datetime
    company_id: strawberry.Private[int]
    project_id: strawberry.Private[int]
    activity_id: strawberry.Private[int]
    co_worker_id: strawberry.Private[int]
    source_record_id: strawberry.Private[int | None]

    @strawberry.field(description="True for a mirror of hours registered in a partner company.")
    def is_mirror(self) -> bool:
        return self.source_record_id is not None

    @strawberry.field
    async def company(self, info: Info) -> Company:
        return await Company.load(info, self.company_id)

    # Not `async`: when the page's resolver prefetched them (gql.schema.common.prefetch_time_record_relations), these complete at once.
    @strawberry.field
    def co_worker(self, info: Info) -> CoWorker:
        return CoWorker.load_ready(info, self.co_worker_id)  # type: ignore[return-value]

    @strawberry.field(description="Null when you can no longer see the project (no longer a member).")
    def project(self, info: Info) -> Project | None:
        return Project.load_ready(info, self.project_id)  # type: ignore[return-value]

    @strawberry.field(description="Null when you can no longer see the project (no longer a member).")
    def activity(self, info: Info) -> Activity | None:
        return Activity.load_ready(info, self.activity_id)  # type: ignore[return-value]
