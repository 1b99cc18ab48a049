"""The customers you may see."""
import strawberry

from gql.context import Info
from gql.resolvers import lists
from gql.schema.common import Connection, list_connection
from gql.schema.customers.types import Customer, CustomerStatus


@strawberry.type
class CustomerQueries:
    @strawberry.field(description="Customers you may see. `search` matches the name, or the organisation number exactly.")
    async def customers(
        self, info: Info, first: int | None = None, after: str | None = None,
        company_id: strawberry.ID | None = None, status: CustomerStatus | None = None, search: str | None = None,
    ) -> Connection[Customer]:
        listing = lists.customers(info.context.viewer, company_id=company_id, status=status, search=search)
        return await list_connection(info, listing, first, after, Customer.from_row)
