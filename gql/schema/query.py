"""The Query root: the viewer and Relay `node`/`nodes`; each area adds its lists (gql/schema/<area>/queries.py)."""
import asyncio

import strawberry
from strawberry import relay

from domain.platform.errors import InvalidInput
from gql.context import Info
from gql.ids import parse_global_id
from gql.pagination import MAX_PAGE
from gql.schema.common import RowNode, node_type
from gql.schema.companies.types import Viewer


async def node_by_global_id(info: Info, value: str) -> RowNode | None:
    """The node a global id names, or None when it is malformed, of no node type, missing or hidden. Every
    RowNode is registered by its name (gql.schema.common), and loads through its by-id loader, which reads
    only what the access policy lets the viewer see."""
    parsed = parse_global_id(value)
    try:
        found = node_type(parsed[0]) if parsed else None
    except KeyError:
        return None
    return None if found is None else await found.load(info, parsed[1])


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
