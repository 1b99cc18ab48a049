"""CountByParentLoader: how many child rows each of many parents has, in one grouped COUNT."""
from collections import defaultdict

from sqlalchemy import func, select

from domain.platform.db import Reads
from domain.access.viewer import Viewer
from gql.loaders.base import Loader
from gql.loaders.by_id import MAX_BATCH
from gql.loaders.relation import Criteria, Parent, Relation

Key = tuple[Parent, Criteria]
Result = int


class CountByParentLoader(Loader[Key, Result]):
    def __init__(self, db: Reads, viewer: Viewer, relation: Relation) -> None:
        super().__init__(max_batch_size=MAX_BATCH)
        self.db, self.viewer, self.relation = db, viewer, relation

    async def batch_load_fn(self, keys: list[Key]) -> list[Result]:
        by_criteria: dict[Criteria, set[Parent]] = defaultdict(set)
        for parent, criteria in keys:
            by_criteria[criteria].add(parent)
        counts: dict[Key, int] = {}
        columns = self.relation.parent
        async with self.db.read() as session:
            for criteria, parents in by_criteria.items():
                query = (
                    select(*columns, func.count())
                    .where(*self.relation.conditions(self.viewer, parents, criteria))
                    .group_by(*columns)
                )
                for *parent, count in await session.execute(query):
                    counts[(tuple(parent), criteria)] = count
        return [counts.get(key, 0) for key in keys]
