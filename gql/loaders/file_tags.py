"""TagNamesByFileLoader: each file's tag names, for many files in one statement."""
from collections import defaultdict

from sqlalchemy import select

from domain.platform.db import Reads
from domain.model import Tag, file_tags
from gql.loaders.base import Loader
from gql.loaders.by_id import MAX_BATCH

Key = int  # a file id; the file itself was loaded through the policy, its tags go with it
Result = list[str]


class TagNamesByFileLoader(Loader[Key, Result]):
    def __init__(self, db: Reads) -> None:
        super().__init__(max_batch_size=MAX_BATCH)
        self.db = db

    async def batch_load_fn(self, keys: list[Key]) -> list[Result]:
        async with self.db.read() as session:
            names = await tag_names(session, keys)
        return [names.get(key, []) for key in keys]


async def tag_names(session, file_ids) -> dict[int, list[str]]:
    """Each file's tag names, alphabetically (by file id; a file without tags is left out). Also the compiled
    execution's (gql.compiled.shapes)."""
    names: dict[int, list[str]] = defaultdict(list)
    rows = await session.execute(
        select(file_tags.c.file_id, Tag.name)
        .join(Tag, Tag.id == file_tags.c.tag_id)
        .where(file_tags.c.file_id.in_(set(file_ids)))
        .order_by(file_tags.c.file_id, Tag.name)
    )
    for file_id, name in rows:
        names[file_id].append(name)
    return names
