"""The top-level `files` query (merged into Query by gql/schema/__init__.py)."""
import datetime as dt

import strawberry

from gql.context import Info
from gql.resolvers import files as file_lists
from gql.resolvers import lists
from gql.schema.common import Connection
from gql.schema.files.types import File


@strawberry.type
class FileQueries:
    @strawberry.field(
        description="Files you may see, newest first. `entityId` (a Customer, Project, Activity or Task) gives its "
        "own files, and with `includeDescendants` also those of what is below it (a customer's projects, their "
        "activities and tasks). `tags`: files with every tag given (case-insensitive). `search` matches the name. "
        "`uploadedFrom` and `uploadedTo` are inclusive UTC dates."
    )
    async def files(
        self, info: Info, first: int | None = None, after: str | None = None,
        company_id: strawberry.ID | None = None, entity_id: strawberry.ID | None = None,
        include_descendants: bool = False, tags: list[str] | None = None, search: str | None = None,
        uploaded_by_id: strawberry.ID | None = None, uploaded_from: dt.date | None = None,
        uploaded_to: dt.date | None = None,
    ) -> Connection[File]:
        listing = file_lists.files(
            info.context.viewer, company_id=company_id, entity_id=entity_id, include_descendants=include_descendants,
            tags=tags, search=search, uploaded_by_id=uploaded_by_id, uploaded_from=uploaded_from,
            uploaded_to=uploaded_to,
        )
        page = await lists.page_of(info, listing, first, after)
        return Connection.of(page, File.from_row, count=lambda: lists.count_of(info, listing))
