"""Customer and its contact persons."""
import datetime as dt
from typing import Annotated

import strawberry
from strawberry import relay

from domain import model as m
from gql.context import Info
from gql.ids import to_global_id
from gql.pagination import PageRequest
from gql.schema.common import Connection, RowNode
from gql.schema.organisation import Company

CustomerStatus = strawberry.enum(m.CustomerStatus)
StorageLocation = strawberry.enum(m.StorageLocation)
ProjectRef = Annotated["Project", strawberry.lazy("gql.schema.projects")]


@strawberry.type(description="A contact person at a customer. Hidden from external co-workers.")
class Contact:
    id: strawberry.ID
    name: str
    email: str | None
    phone: str | None

    @classmethod
    def from_row(cls, row: m.Contact) -> "Contact":
        return cls(id=strawberry.ID(to_global_id("Contact", row.id)), name=row.name, email=row.email, phone=row.phone)


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

    @strawberry.field(description="Contact persons (at most 100); empty for external co-workers.")
    async def contacts(self, info: Info) -> list[Contact]:
        page = await info.context.loaders.contacts_by_customer.load(((self.id,), PageRequest(100, None)))
        return [Contact.from_row(row) for row in page.rows]

    @strawberry.field
    async def projects(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[ProjectRef]:
        from gql.schema.projects import Project

        page = await info.context.loaders.projects_by_customer.load(((self.id,), PageRequest.of(first, after)))
        return Connection.of(page, Project.from_row)
