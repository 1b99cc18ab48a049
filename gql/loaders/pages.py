"""PageByParentLoader: one page of child rows for many parents in one statement (window + keyset)."""
from collections import defaultdict

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from domain.platform.db import Reads
from domain.platform.errors import DomainError
from domain.access.viewer import Viewer
from gql.loaders.base import Loader
from gql.loaders.by_id import MAX_BATCH
from gql.loaders.relation import Criteria, Parent, Relation
from gql.pagination import Page, PageRequest, decode_cursor, to_page

Key = tuple[Parent, PageRequest, Criteria]
Result = Page


class PageByParentLoader(Loader[Key, Result]):
    """Parents asking for the same page (first, after, criteria) share one statement."""

    def __init__(self, db: Reads, viewer: Viewer, relation: Relation) -> None:
        super().__init__(max_batch_size=MAX_BATCH)
        self.db, self.viewer, self.relation = db, viewer, relation

    async def batch_load_fn(self, keys: list[Key]) -> list[Result | Exception]:
        by_request: dict[tuple[PageRequest, Criteria], set[Parent]] = defaultdict(set)
        for parent, request, criteria in keys:
            by_request[(request, criteria)].add(parent)
        pages: dict[Key, Page | Exception] = {}
        async with self.db.read() as session:
            for (request, criteria), parents in by_request.items():
                try:
                    rows = await session.scalars(self._query(request, criteria, parents))
                except DomainError as error:  # a bad cursor fails the parents that sent it, not the batch
                    pages.update({(p, request, criteria): error for p in parents})
                    continue
                grouped: dict[Parent, list] = defaultdict(list)
                for row in rows:
                    grouped[self.relation.parent_of(row)].append(row)
                for parent in parents:
                    pages[(parent, request, criteria)] = to_page(grouped[parent], self.relation.order, request)
        return [pages[key] for key in keys]

    def _query(self, request: PageRequest, criteria: Criteria, parents: set[Parent]):
        relation = self.relation
        position = func.row_number().over(partition_by=list(relation.parent), order_by=relation.order.clauses)
        inner = select(relation.model, position.label("position")).where(
            *relation.conditions(self.viewer, parents, criteria)
        )
        values = decode_cursor(request.after, relation.order)
        if values is not None:
            inner = inner.where(relation.order.after(values))
        ranked = inner.subquery()
        # The model mapped onto the ranked rows: loads whole instances (joined relationships too).
        entity = aliased(relation.model, ranked)
        return select(entity).where(ranked.c.position <= request.first + 1).order_by(ranked.c.position)
