"""The Query root: the viewer and Relay `node`/`nodes`; each area adds its lists (gql/schema/<area>/queries.py)."""
import asyncio

import strawberry
from strawberry import relay

from domain.platform.errors import InvalidInput
from gql.context import Info
from gql.ids import parse_global_id
from gql.pagination import MAX_PAGE
from gql.schema.common import RowNode
from gql.schema.customers.types import Contact, Customer
from gql.schema.files.types import File
from gql.schema.hours.types import TimeRecord
from gql.schema.companies.types import Company, CoWorker, Viewer
from gql.schema.partners.types import PartnerGroup, PartnerLink
from gql.schema.projects.types import Activity, Milestone, Project
from gql.schema.projects.tasks import Task
from gql.schema.sharepoint.sync import SharePointSyncRun

NODE_TYPES: dict[str, type[RowNode]] = {
    t.__name__: t for t in (Company, CoWorker, Customer, Contact, Project, Activity, Milestone, TimeRecord, File)
}
NODE_TYPES.update({t.__name__: t for t in (PartnerGroup, PartnerLink, Task)})  # partner companies (SPEC §2)
NODE_TYPES["SharePointSyncRun"] = SharePointSyncRun  # SharePoint syncs (SPEC §6)


async def node_by_global_id(info: Info, value: str) -> RowNode | None:
    """The node a global id names, or None when it is malformed, of no node type, missing or hidden."""
    parsed = parse_global_id(value)
    node_type = NODE_TYPES.get(parsed[0]) if parsed else None
    if parsed is None or node_type is None:
        return None
    return await node_type.load(info, parsed[1])


@strawberry.type
class Query:
    @strawberry.field(
        description="Any object by its global id. Null when the id is malformed, names no object, or names one "
        "you may not see: the three cannot be told apart."
    )
    async def node(self, info: Info, id: strawberry.ID) -> relay.Node | None:
        return await node_by_global_id(info, id)

    @strawberry.field(
        description=f"Objects by global id (at most {MAX_PAGE}), in the order asked; null for each id that is "
        "malformed, names no object, or names one you may not see."
    )
    async def nodes(self, info: Info, ids: list[strawberry.ID]) -> list[relay.Node | None]:
        if len(ids) > MAX_PAGE:
            raise InvalidInput(f"At most {MAX_PAGE} ids at once; {len(ids)} were given.", field="ids")
        # Gathered, so the loads of each type meet in one batch.
        return list(await asyncio.gather(*(node_by_global_id(info, value) for value in ids)))

    @strawberry.field(description="Who you are; every field is null or empty when you are not signed in.")
    def viewer(self, info: Info) -> Viewer:
        v = info.context.viewer
        return Viewer(email=v.email, name=v.name, is_operator=v.is_operator, co_worker_ids=v.co_worker_ids)
