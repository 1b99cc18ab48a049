"""Shared GraphQL shapes: user errors, connections, and the Node plumbing over domain rows."""
import asyncio
import dataclasses
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, ClassVar, Generic, Self, TypeVar

import strawberry
from strawberry import relay
from strawberry.types.nodes import SelectedField

from domain.platform.errors import DomainError, InputWarning
from gql.context import Info
from gql.ids import parse_global_id, to_global_id
from gql.loaders import Children
from gql.loaders.relation import Criteria
from gql.pagination import Page, PageRequest
from gql.resolvers import lists

T = TypeVar("T")


@strawberry.type(description="A business rule or input problem; `field` names the input field at fault.")
class UserError:
    field: str | None
    message: str
    code: str

    @classmethod
    def of(cls, error: DomainError) -> "UserError":
        return cls(field=error.field, message=error.message, code=error.code)


@strawberry.type(name="Warning", description="Input that was taken, perhaps made acceptable, with something "
                 "you should know (a file name shortened, or without an extension); `field` names the input field.")
class PayloadWarning:
    field: str | None
    message: str
    code: str

    @classmethod
    def of(cls, warning: InputWarning) -> "PayloadWarning":
        return cls(field=warning.field, message=warning.message, code=warning.code)


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


@strawberry.type(
    description="A page of results (`first` from 0 to 100, default 20); ask for the next with `after: pageInfo.endCursor`."
)
class Connection(Generic[T]):
    edges: list[Edge[T]]
    page_info: PageInfo
    counter: strawberry.Private[Callable[[], Awaitable[int]]]

    @strawberry.field(description="The nodes of this page, without their cursors.")
    def nodes(self) -> list[T]:
        return [edge.node for edge in self.edges]

    @strawberry.field(description="How many items the whole list holds (every page), of those you may see.")
    async def total_count(self) -> int:
        return await self.counter()

    @classmethod
    def of(cls, page: Page, convert: Callable[[Any], Any], *, count: Callable[[], Awaitable[int]]) -> Self:
        edges = [Edge(cursor=page.cursor(row), node=convert(row)) for row in page.rows]
        return cls(
            edges=edges,
            page_info=PageInfo(
                has_next_page=page.has_next,
                has_previous_page=page.has_previous,
                start_cursor=edges[0].cursor if edges else None,
                end_cursor=edges[-1].cursor if edges else None,
            ),
            counter=count,
        )


async def child_connection(
    children: Children, parent: tuple, first: int | None, after: str | None, convert: Callable[[Any], Any],
    *, criteria: Criteria = (), prefetch: Callable[[list], Awaitable[None]] | None = None,
) -> Connection:
    """A connection over a parent's child rows: the page through one loader, the count through another.
    `prefetch(rows)` may load what the rows' relation fields will ask for (see RowNode.load_ready)."""
    request = PageRequest.of(first, after)
    page = await children.pages.load((parent, request, criteria))
    if prefetch is not None and page.rows:
        await prefetch(page.rows)
    return Connection.of(page, convert, count=lambda: children.counts.load((parent, criteria)))


def selected_node_fields(info: Info) -> set[str]:
    """The fields the query selects on the nodes of the current connection field (`nodes { … }` and
    `edges { node { … } }`, fragments included)."""
    found: set[str] = set()

    def names(selections) -> Iterable:
        for selection in selections:
            if isinstance(selection, SelectedField):
                yield selection
            else:  # an inline fragment or a fragment spread: its fields count
                yield from names(selection.selections)

    for field in info.selected_fields:
        for child in names(field.selections):
            if child.name == "nodes":
                found |= {grandchild.name for grandchild in names(child.selections)}
            elif child.name == "edges":
                for node in (c for c in names(child.selections) if c.name == "node"):
                    found |= {grandchild.name for grandchild in names(node.selections)}
    return found


_INIT_FIELDS: dict[type, tuple[str, ...]] = {}
_NODE_TYPES: dict[str, type["RowNode"]] = {}


def node_type(name: str) -> type["RowNode"]:
    """The node type of that name, for the fields by which types of two modules refer to each other (a project's
    files, a file's project): the lower module names the higher one's type (with `strawberry.lazy` for the
    annotation), so no module imports another that imports it back. Every type is registered once gql.schema is
    built, before any resolver runs."""
    return _NODE_TYPES[name]


class RowNode(relay.Node):
    """A Node built from a domain row: the type's dataclass fields are copied from the row by name."""

    loader: ClassVar[str]  # the Loaders attribute that loads this type by primary key

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        _NODE_TYPES[cls.__name__] = cls

    @classmethod
    def from_row(cls, row: Any) -> Self:
        names = _INIT_FIELDS.get(cls)
        if names is None:  # dataclasses.fields is slow, and a page of 100 records with relations calls this 300 times
            names = _INIT_FIELDS[cls] = tuple(f.name for f in dataclasses.fields(cls) if f.init)
        return cls(**{name: getattr(row, name) for name in names})

    @classmethod
    def from_optional(cls, row: Any | None) -> Self | None:
        return None if row is None else cls.from_row(row)

    @classmethod
    async def load(cls, info: Info, pk: int | None) -> Self | None:
        """The node with this primary key, or None when it is missing or hidden from the viewer."""
        if pk is None:
            return None
        return cls.from_optional(await getattr(info.context.loaders, cls.loader).load(pk))

    @classmethod
    def load_ready(cls, info: Info, pk: int | None) -> "Self | None | Awaitable[Self | None]":
        """The node at once when this request's loader already holds its row (a page's resolver prefetched it),
        else an awaitable of it. A page of 100 records whose relations are ready completes without 200
        coroutines and their tasks, which cost more CPU than everything else in such a read."""
        if pk is None:
            return None
        ready, row = getattr(info.context.loaders, cls.loader).loaded(pk)
        return cls.from_optional(row) if ready else cls.load(info, pk)

    @classmethod
    async def resolve_nodes(cls, *, info: Info, node_ids: Iterable[str], required: bool = False) -> list[Self | None]:
        loader = getattr(info.context.loaders, cls.loader)
        ids = [parse_global_id(to_global_id(cls.__name__, pk)) for pk in node_ids]  # type: ignore[arg-type]
        rows = await loader.load_many([parsed[1] if parsed else 0 for parsed in ids])
        return [cls.from_optional(row) for row in rows]

    @classmethod
    async def resolve_reference(cls, info: Info, id: strawberry.ID) -> Self | None:
        """Federation `_entities`: the same loader and the same access rules as `node`."""
        parsed = parse_global_id(id)
        if parsed is None or parsed[0] != cls.__name__:
            return None
        return await cls.load(info, parsed[1])


# A time record's relations, by the GraphQL field that selects them: (the loader, the row's key).
TIME_RECORD_RELATIONS = {"coWorker": ("co_worker_by_id", "co_worker_id"), "project": ("project_by_id", "project_id"),
                         "activity": ("activity_by_id", "activity_id")}


async def prefetch_time_record_relations(info: Info, rows: list) -> None:
    """Loads, through this request's loaders (one batch each, as the fields would), the co-workers, projects and
    activities the query selects of a page of time records, so their fields complete without awaiting."""
    loaders = info.context.loaders
    relations = TIME_RECORD_RELATIONS
    pending = [getattr(loaders, relations[name][0]).load_many({getattr(r, relations[name][1]) for r in rows})
               for name in selected_node_fields(info) & relations.keys()]
    if pending:
        await asyncio.gather(*pending)


async def list_connection(info: Info, listing: lists.Listing, first, after, convert: Callable[[Any], Any]) -> Connection:
    """A top-level list as a connection: a page of the listing, and its count when asked for."""
    page = await lists.page_of(info, listing, first, after)
    return Connection.of(page, convert, count=lambda: lists.count_of(info, listing))
