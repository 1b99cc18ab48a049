"""The time records you may see."""
import datetime as dt

import strawberry

from gql.context import Info
from gql.resolvers import lists
from gql.schema.common import Connection, list_connection
from gql.schema.hours.types import HourStatus, TimeRecord


@strawberry.type
class TimeRecordQueries:
    @strawberry.field(description="Time records you may see, newest first; `dateFrom` and `dateTo` are inclusive.")
    async def time_records(
        self, info: Info, first: int | None = None, after: str | None = None,
        company_id: strawberry.ID | None = None, project_id: strawberry.ID | None = None,
        activity_id: strawberry.ID | None = None, co_worker_id: strawberry.ID | None = None,
        date_from: dt.date | None = None, date_to: dt.date | None = None, status: HourStatus | None = None,
    ) -> Connection[TimeRecord]:
        listing = lists.time_records(
            info.context.viewer, company_id=company_id, project_id=project_id, activity_id=activity_id,
            co_worker_id=co_worker_id, date_from=date_from, date_to=date_to, status=status,
        )
        return await list_connection(info, listing, first, after, TimeRecord.from_row)
