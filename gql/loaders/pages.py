"""PageByParentLoader: one page of child rows for many parents in one query (keyset + window)."""
from collections import defaultdict
from collections.abc import Sequence

from aiodataloader import DataLoader
from sqlalchemy import ColumnElement, func, select, tuple_
from sqlalchemy.orm import InstrumentedAttribute, aliased

from domain.db import Database
from domain.policy import Viewer, visible
from gql.pagination import Order, Page, PageRequest, decode_cursor, to_page

Parent = tuple
Key = tuple[Parent, PageRequest]
Result = Page


class PageByParentLoader(DataLoader[Key, Result]):
    """Key: (parent column values, page request). Parents sharing a request share one statement."""

    def __init__(
        self,
        db: Database,
        viewer: Viewer,
        model: type,
        *,
        parent: Sequence[InstrumentedAttribute],
        order: Order,
        where: Sequence[ColumnElement[bool]] = (),
    ) -> None:
        super().__init__()
        self.db, self.viewer, self.model = db, viewer, model
        self.parent, self.order, self.where = tuple(parent), order, tuple(where)

    async def batch_load_fn(self, keys: list[Key]) -> list[Result]:
        by_request: dict[PageRequest, set[Parent]] = defaultdict(set)
        for parent, request in keys:
            by_request[request].add(parent)
        pages: dict[Key, Page] = {}
        async with self.db.read() as session:
            for request, parents in by_request.items():
                rows = await self._load(session, request, parents)
                grouped: dict[Parent, list] = defaultdict(list)
                for row in rows:
                    grouped[tuple(getattr(row, c.key) for c in self.parent)].append(row)
                for parent in parents:
                    pages[(parent, request)] = to_page(grouped.get(parent, []), self.order, request)
        return [pages[key] for key in keys]

    async def _load(self, session, request: PageRequest, parents: set[Parent]) -> list:
        columns = self.parent
        parent_in = (
            columns[0].in_([p[0] for p in parents]) if len(columns) == 1 else tuple_(*columns).in_(list(parents))
        )
        ordering = [c.desc() if desc else c.asc() for c, desc in self.order.columns]
        position = func.row_number().over(partition_by=list(columns), order_by=ordering).label("position")
        inner = select(self.model, position).where(parent_in, visible(self.viewer, self.model), *self.where)
        values = decode_cursor(request.after, self.order)
        if values is not None:
            inner = inner.where(self.order.after(values))
        ranked = inner.subquery()
        entity = aliased(self.model, ranked)
        query = select(entity).where(ranked.c.position <= request.first + 1).order_by(ranked.c.position)
        return list(await session.scalars(query))
