"""The companies and co-workers you may see."""
import strawberry

from gql.context import Info
from gql.resolvers import lists
from gql.schema.common import Connection, list_connection
from gql.schema.companies.types import Company, CoWorker, Role


@strawberry.type
class CompanyQueries:
    @strawberry.field(description="Companies you are a co-worker of (operators: every company, but nothing in them).")
    async def companies(self, info: Info, first: int | None = None, after: str | None = None) -> Connection[Company]:
        return await list_connection(info, lists.companies(info.context.viewer), first, after, Company.from_row)

    @strawberry.field(description="Co-workers you may see. `search` matches name or email; `external` the home company.")
    async def co_workers(
        self, info: Info, first: int | None = None, after: str | None = None,
        company_id: strawberry.ID | None = None, role: Role | None = None, active: bool | None = None,
        external: bool | None = None, search: str | None = None,
    ) -> Connection[CoWorker]:
        listing = lists.co_workers(
            info.context.viewer, company_id=company_id, role=role, active=active, external=external, search=search
        )
        return await list_connection(info, listing, first, after, CoWorker.from_row)
