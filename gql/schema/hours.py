"""Time records."""
import asyncio
import datetime as dt
from decimal import Decimal

import strawberry
from strawberry import relay

from domain import model as m
from gql.context import Info
from gql.schema.common import RowNode, selected_node_fields
from gql.schema.organisation import Company, CoWorker
from gql.schema.projects import Activity, Project

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

    # Not `async`: when the page's resolver prefetched them (prefetch_relations), these complete at once.
    @strawberry.field
    def co_worker(self, info: Info) -> CoWorker:
        return CoWorker.load_ready(info, self.co_worker_id)  # type: ignore[return-value]

    @strawberry.field(description="Null when you can no longer see the project (no longer a member).")
    def project(self, info: Info) -> Project | None:
        return Project.load_ready(info, self.project_id)  # type: ignore[return-value]

    @strawberry.field(description="Null when you can no longer see the project (no longer a member).")
    def activity(self, info: Info) -> Activity | None:
        return Activity.load_ready(info, self.activity_id)  # type: ignore[return-value]


RELATIONS = {"coWorker": ("co_worker_by_id", "co_worker_id"), "project": ("project_by_id", "project_id"),
             "activity": ("activity_by_id", "activity_id")}


async def prefetch_relations(info: Info, rows: list) -> None:
    """Loads, through this request's loaders (one batch each, as the fields would), the co-workers, projects and
    activities the query selects of a page of time records, so their fields complete without awaiting."""
    loaders = info.context.loaders
    pending = [getattr(loaders, RELATIONS[name][0]).load_many({getattr(r, RELATIONS[name][1]) for r in rows})
               for name in selected_node_fields(info) & RELATIONS.keys()]
    if pending:
        await asyncio.gather(*pending)
