"""Customer and its contact persons."""
import datetime as dt
from typing import Annotated

import strawberry
from strawberry import relay

from domain import model as m
from gql.context import Info
from gql.pagination import MAX_PAGE, PageRequest
from gql.schema.common import Connection, RowNode, child_connection, node_type
from gql.schema.companies.types import Company

CustomerStatus = strawberry.enum(m.CustomerStatus)
StorageLocation = strawberry.enum(m.StorageLocation)
ProjectRef = Annotated["Project", strawberry.lazy("gql.schema.projects.types")]
FileRef = Annotated["File", strawberry.lazy("gql.schema.files.types")]
SyncRunRef = Annotated["SharePointSyncRun", strawberry.lazy("gql.schema.sharepoint.sync")]


def _file(row: m.File):
    return node_type("File").from_row(row)


def _sync_run(row):
    return node_type("SharePointSyncRun").from_row(row)


def _project(row: m.Project):
    return node_type("Project").from_row(row)


@strawberry.type(description="A contact person at a customer. Hidden from external co-workers.")
class Contact(RowNode):
    loader = "contact_by_id"
    id: relay.NodeID[int]
    name: str
    email: str | None
    phone: str | None
    customer_id: strawberry.Private[int]

    @strawberry.field
    async def customer(self, info: Info) -> "Customer":
        return await Customer.load(info, self.customer_id)


@strawberry.federation.type(keys=["id"])
class Customer(RowNode):
    loader = "customer_by_id"
    id: relay.NodeID[int]
    number: int
    name: str
    organisation_number: str | None
    status: CustomerStatus
    storage_location: StorageLocation
    created_at: dt.datetime
    company_id: strawberry.Private[int]

    @strawberry.field
    async def company(self, info: Info) -> Company:
        return await Company.load(info, self.company_id)

    @strawberry.field(description=f"Contact persons, the first {MAX_PAGE}; always empty for external co-workers.")
    async def contacts(self, info: Info) -> list[Contact]:
        page = await info.context.loaders.contacts_by_customer.pages.load(((self.id,), PageRequest(MAX_PAGE, None), ()))
        return [Contact.from_row(row) for row in page.rows]

    @strawberry.field(description="The customer's projects that you may see.")
    async def projects(self, info: Info, first: int | None = None, after: str | None = None) -> Connection[ProjectRef]:
        return await child_connection(info.context.loaders.projects_by_customer, (self.id,), first, after, _project)

    @strawberry.field(description="The customer's own files (not its projects'), newest first; admins and project leaders only.")
    async def files(self, info: Info, first: int | None = None, after: str | None = None) -> Connection[FileRef]:
        return await child_connection(info.context.loaders.files_by_customer, (self.id,), first, after, _file)

    @strawberry.field(description="Files (its own and those below it) that belong in SharePoint and are not "
                      "there yet: pending, failed, or uploaded before the storage location changed.")
    async def pending_transfer_count(self, info: Info) -> int:
        return await info.context.loaders.pending_transfers_by_customer.load(self.id)

    @strawberry.field(description="This customer's SharePoint syncs (its projects' included), newest first; admins only.")
    async def share_point_sync_runs(self, info: Info, first: int | None = None,
                                    after: str | None = None) -> Connection[SyncRunRef]:
        return await child_connection(info.context.loaders.sharepoint_sync_runs_by_customer, (self.id,), first, after,
                                      _sync_run)
