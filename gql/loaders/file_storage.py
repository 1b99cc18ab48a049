"""StorageLocationByFileLoader: each file's effective storage location (customer, project override), batched."""
from domain.platform.db import Reads
from domain.files.placement import storage_locations
from domain.model import StorageLocation
from gql.loaders.base import Loader
from gql.loaders.by_id import MAX_BATCH

Key = int  # a file id; asked only for files already loaded through the policy
Result = StorageLocation


class StorageLocationByFileLoader(Loader[Key, Result]):
    def __init__(self, db: Reads) -> None:
        super().__init__(max_batch_size=MAX_BATCH)
        self.db = db

    async def batch_load_fn(self, keys: list[Key]) -> list[Result]:
        async with self.db.read() as session:
            found = await storage_locations(session, keys)
        return [found.get(key, StorageLocation.CLOUD) for key in keys]
