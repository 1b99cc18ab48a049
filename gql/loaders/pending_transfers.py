"""PendingTransferCountLoader: per customer or project, its files still to go to SharePoint, in one grouped COUNT."""
from typing import Literal

from domain.platform.db import Reads
from domain.access.viewer import Viewer
from domain.files.transfers import pending_transfer_counts
from gql.loaders.base import Loader
from gql.loaders.by_id import MAX_BATCH

Key = int  # a customer's or a project's id
Result = int


class PendingTransferCountLoader(Loader[Key, Result]):
    def __init__(self, db: Reads, viewer: Viewer, level: Literal["customer", "project"]) -> None:
        super().__init__(max_batch_size=MAX_BATCH)
        self.db, self.viewer, self.level = db, viewer, level

    async def batch_load_fn(self, keys: list[Key]) -> list[Result]:
        async with self.db.read() as session:
            counts = await pending_transfer_counts(session, self.viewer, self.level, set(keys))
        return [counts.get(key, 0) for key in keys]
