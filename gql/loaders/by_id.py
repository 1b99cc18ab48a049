"""RowByIdLoader: rows of one model by primary key, limited to what the viewer may read."""
import asyncio

from sqlalchemy import select

from domain.platform.db import Reads
from domain.access.policy import visible
from domain.access.viewer import Viewer
from gql.loaders.base import Loader

# Bounds the IN list (both databases cap bound parameters near 32,767); 1,000 keys is one statement
# for any page the API serves, and a huge `_entities` call costs a few statements instead of failing.
MAX_BATCH = 1000

Key = int
Result = object | None


class RowByIdLoader(Loader[Key, Result]):
    def __init__(self, db: Reads, viewer: Viewer, model: type) -> None:
        self._futures: dict[Key, asyncio.Future[Result]] = {}  # the loader's cache, handed to it below
        super().__init__(max_batch_size=MAX_BATCH, cache_map=self._futures)
        self.db, self.viewer, self.model = db, viewer, model

    def loaded(self, key: Key) -> tuple[bool, Result]:
        """(True, row or None) when this request has already loaded `key`, else (False, None): lets a field
        answer at once from rows a page prefetched, without a coroutine."""
        future = self._futures.get(key)
        if future is None or not future.done() or future.cancelled() or future.exception() is not None:
            return False, None
        return True, future.result()

    async def batch_load_fn(self, keys: list[Key]) -> list[Result]:
        async with self.db.read() as session:
            rows = await session.scalars(
                select(self.model).where(self.model.id.in_(set(keys)), visible(self.viewer, self.model))
            )
            found = {row.id: row for row in rows}
        return [found.get(key) for key in keys]
