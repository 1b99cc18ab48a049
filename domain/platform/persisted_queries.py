"""The persisted-query store: GraphQL documents by SHA-256, in the database so every process shares them."""
import hashlib
import re
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from domain.platform.db import Database
from domain.platform.errors import InvalidInput
from domain.model import PersistedQuery

SHA256_HEX = re.compile(r"[0-9a-f]{64}")
# A stored document is one a client may run by hash; larger ones are refused instead of filling the table.
MAX_QUERY_LENGTH = 100_000


def query_hash(query: str) -> str:
    """The hex SHA-256 of the document's UTF-8 bytes, as Apollo's clients compute it."""
    return hashlib.sha256(query.encode()).hexdigest()


def is_query_hash(value: object) -> bool:
    return isinstance(value, str) and SHA256_HEX.fullmatch(value) is not None


async def find_query(db: Database, sha256: str) -> str | None:
    async with db.read() as session:
        return await session.scalar(select(PersistedQuery.query).where(PersistedQuery.sha256 == sha256))


async def save_query(db: Database, query: str, *, source: str) -> str:
    """Stores the document (once; a second save of the same one is a no-op, also when concurrent); its hash."""
    if not query.strip():
        raise InvalidInput("A persisted query cannot be empty.", field="query")
    if len(query) > MAX_QUERY_LENGTH:
        raise InvalidInput(f"A persisted query holds at most {MAX_QUERY_LENGTH} characters.", field="query")
    sha256 = query_hash(query)
    dialect = postgresql if not db.sqlite else sqlite
    statement = dialect.insert(PersistedQuery).values(sha256=sha256, query=query, source=source)
    async with db.transaction() as session:
        await session.execute(statement.on_conflict_do_nothing(index_elements=["sha256"]))
    return sha256


async def save_queries(db: Database, queries: Iterable[str], *, source: str = "cli") -> list[str]:
    return [await save_query(db, query, source=source) for query in queries]


async def list_queries(db: Database) -> list[PersistedQuery]:
    async with db.read() as session:
        return list(await session.scalars(select(PersistedQuery).order_by(PersistedQuery.created_at)))


async def remove_query(db: Database, sha256: str) -> bool:
    async with db.transaction() as session:
        row = await session.get(PersistedQuery, sha256)
        if row is None:
            return False
        await session.delete(row)
    return True
