"""File metadata."""
import datetime as dt

import strawberry
from strawberry import relay

from gql.context import Info
from gql.schema.common import RowNode
from gql.schema.organisation import Company, CoWorker


@strawberry.federation.type(keys=["id"], description="A file's metadata; it belongs to one customer, project, activity or task.")
class File(RowNode):
    loader = "file_by_id"
    id: relay.NodeID[int]
    name: str
    size: int
    content_type: str
    sha256: str
    uploaded_at: dt.datetime
    company_id: strawberry.Private[int]
    uploaded_by_id: strawberry.Private[int | None]

    @strawberry.field
    async def company(self, info: Info) -> Company:
        return await Company.load(info, self.company_id)

    @strawberry.field
    async def uploaded_by(self, info: Info) -> CoWorker | None:
        return await CoWorker.load(info, self.uploaded_by_id)
