"""Shared GraphQL shapes: user errors, connections, and the Node plumbing over domain rows."""
import dataclasses
from collections.abc import Iterable
from typing import Any, ClassVar, Generic, Self, TypeVar

import strawberry
from strawberry import relay

from domain.errors import DomainError
from gql.context import Info
from gql.ids import parse_global_id
from gql.pagination import Page

T = TypeVar("T")


@strawberry.type(description="A business rule or input problem; `field` names the input field at fault.")
class UserError:
    field: str | None
    message: str
    code: str

    @classmethod
    def of(cls, error: DomainError) -> "UserError":
        return cls(field=error.field, message=error.message, code=error.code)


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type
class Edge(Generic[T]):
    cursor: str
    node: T


@strawberry.type(description="A page of results; ask for the next with `after: pageInfo.endCursor`.")
class Connection(Generic[T]):
    edges: list[Edge[T]]
    page_info: PageInfo

    @strawberry.field(description="The nodes of this page, without their cursors.")
    def nodes(self) -> list[T]:
        return [edge.node for edge in self.edges]

    @classmethod
    def of(cls, page: Page, convert) -> Self:
        edges = [Edge(cursor=page.cursor(row), node=convert(row)) for row in page.rows]
        return cls(
            edges=edges,
            page_info=PageInfo(
                has_next_page=page.has_next,
                has_previous_page=page.has_previous,
                start_cursor=edges[0].cursor if edges else None,
                end_cursor=edges[-1].cursor if edges else None,
            ),
        )


class RowNode(relay.Node):
    """A Node built from a domain row: the type's dataclass fields are copied from the row by name."""

    loader: ClassVar[str]  # the Loaders attribute that loads this type by primary key

    @classmethod
    def from_row(cls, row: Any) -> Self:
        return cls(**{f.name: getattr(row, f.name) for f in dataclasses.fields(cls) if f.init})

    @classmethod
    def from_optional(cls, row: Any | None) -> Self | None:
        return None if row is None else cls.from_row(row)

    @classmethod
    async def load(cls, info: Info, pk: int | None) -> Self | None:
        if pk is None:
            return None
        return cls.from_optional(await getattr(info.context.loaders, cls.loader).load(pk))

    @classmethod
    async def resolve_nodes(cls, *, info: Info, node_ids: Iterable[str], required: bool = False) -> list[Self | None]:
        loader = getattr(info.context.loaders, cls.loader)
        rows = await loader.load_many([int(pk) if pk.isdigit() else 0 for pk in node_ids])
        return [cls.from_optional(row) for row in rows]

    @classmethod
    async def resolve_reference(cls, info: Info, id: strawberry.ID) -> Self | None:
        """Federation `_entities`: the same loader and the same access rules as `node`."""
        parsed = parse_global_id(id)
        if parsed is None or parsed[0] != cls.__name__:
            return None
        return await cls.load(info, parsed[1])
