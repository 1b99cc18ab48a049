"""File metadata."""
import datetime as dt
from typing import Annotated

import strawberry
from strawberry import relay

from domain import model as m
from domain.files.rules import owner_of, sharepoint_url
from gql.context import Info
from gql.ids import to_global_id
from gql.schema.common import RowNode, node_type
from gql.schema.customers.types import Customer, StorageLocation
from gql.schema.companies.types import Company, CoWorker
from gql.schema.projects.types import Activity, Project

FileTransferState = strawberry.enum(m.FileTransferState, name="FileTransferState")


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
    customer_id: strawberry.Private[int | None]
    project_id: strawberry.Private[int | None]
    activity_id: strawberry.Private[int | None]
    task_id: strawberry.Private[int | None]
    transfer_state: FileTransferState = strawberry.field(
        description="LOCAL: in cloud storage only; PENDING: on its way to SharePoint; TRANSFERRED: in SharePoint "
                    "(`url` is its webUrl); FAILED: see `transferError`, and retry with fileTransferRetry."
    )
    transfer_error: str | None = strawberry.field(description="Why the last transfer failed (FAILED only).")
    sharepoint_web_url: strawberry.Private[str | None]
    sharepoint_changes_queued: strawberry.Private[int]

    @strawberry.field(
        name="sharePointChangePending",
        description="True while a rename, retag or move made here to a file already in SharePoint waits to be "
                    "carried there by the job queue; until then a sync from SharePoint does not overwrite it.")
    def sharepoint_change_pending(self) -> bool:
        return bool(self.sharepoint_changes_queued)

    @strawberry.field(description="The global id of what the file belongs to: a Customer, Project, Activity or Task.")
    def entity_id(self) -> strawberry.ID:
        kind, pk = owner_of(self)
        return strawberry.ID(to_global_id(kind.value, pk))

    @strawberry.field(description="The file's tags, alphabetically.")
    async def tags(self, info: Info) -> list[str]:
        return await info.context.loaders.tags_by_file.load(self.id)

    @strawberry.field(description="Where the contents are downloaded: `GET` with the same bearer token as the API; "
                      "once transferred, the file's SharePoint webUrl (SharePoint decides who may open it).")
    def url(self, info: Info) -> str:
        return sharepoint_url(self) or f"{info.context.settings.public_url.rstrip('/')}/files/{to_global_id('File', self.id)}/content"

    @strawberry.field(
        description="Where the file's entity stores files: its customer's location, unless its project is set to CLOUD."
    )
    async def effective_storage_location(self, info: Info) -> StorageLocation:
        return await info.context.loaders.storage_location_by_file.load(self.id)

    @strawberry.field
    async def company(self, info: Info) -> Company:
        return await Company.load(info, self.company_id)

    @strawberry.field(description="Null when the uploader is gone or hidden from you (e.g. a partner's co-worker).")
    async def uploaded_by(self, info: Info) -> CoWorker | None:
        return await CoWorker.load(info, self.uploaded_by_id)

    @strawberry.field(description="The customer the file belongs to; null when it belongs to something else.")
    async def customer(self, info: Info) -> Customer | None:
        return await Customer.load(info, self.customer_id)

    @strawberry.field(description="The project the file belongs to; null when it belongs to something else.")
    async def project(self, info: Info) -> Project | None:
        return await Project.load(info, self.project_id)

    @strawberry.field(description="The activity the file belongs to; null when it belongs to something else.")
    async def activity(self, info: Info) -> Activity | None:
        return await Activity.load(info, self.activity_id)

    @strawberry.field(description="The task the file belongs to; null when it belongs to something else.")
    async def task(self, info: Info) -> Annotated["Task", strawberry.lazy("gql.schema.projects.tasks")] | None:
        return await node_type("Task").load(info, self.task_id)
