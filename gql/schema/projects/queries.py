"""The projects you may see."""
import strawberry

from gql.context import Info
from gql.resolvers import lists
from gql.schema.common import Connection, list_connection
from gql.schema.projects.types import Project, ProjectStatus


@strawberry.type
class ProjectQueries:
    @strawberry.field(description="Projects you may see. `memberId` gives the projects a co-worker is a member of.")
    async def projects(
        self, info: Info, first: int | None = None, after: str | None = None,
        company_id: strawberry.ID | None = None, customer_id: strawberry.ID | None = None,
        status: ProjectStatus | None = None, leader_id: strawberry.ID | None = None,
        member_id: strawberry.ID | None = None, search: str | None = None,
    ) -> Connection[Project]:
        listing = lists.projects(
            info.context.viewer, company_id=company_id, customer_id=customer_id, status=status,
            leader_id=leader_id, member_id=member_id, search=search,
        )
        return await list_connection(info, listing, first, after, Project.from_row)
