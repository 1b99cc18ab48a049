"""Persisted queries: Apollo's automatic persisted queries (APQ), and a mode that runs only stored queries.

APQ: a client sends `extensions.persistedQuery = {version: 1, sha256Hash}` without the query; an unknown
hash answers `PersistedQueryNotFound` and the client sends it again with the query, which is stored
(in the database, so every process knows it) once it has passed validation. In the "only" mode
(PARTNERGRAPH_PERSISTED_QUERIES=only) nothing is stored from requests: only documents an operator stored
(`partnergraph persisted-query add`) run, by hash or as the same text.
"""
from collections.abc import AsyncIterator
from typing import Any

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from domain.platform.persisted_queries import MAX_QUERY_LENGTH, find_query, is_query_hash, query_hash, save_query
from gql.errors import fault
from gql.protection.limits import settings_of

NOT_FOUND = "PERSISTED_QUERY_NOT_FOUND"
HASH_MISMATCH = "PERSISTED_QUERY_HASH_MISMATCH"
INVALID = "PERSISTED_QUERY_INVALID"
REQUIRED = "PERSISTED_QUERY_REQUIRED"


def _refused(message: str, code: str) -> GraphQLError:
    return GraphQLError(message, extensions={"code": code})


def requested_hash(extensions: dict[str, Any] | None) -> str | None:
    """The hash of an APQ request; None when the request is not one; GraphQLError when it is malformed."""
    persisted = (extensions or {}).get("persistedQuery")
    if persisted is None:
        return None
    if not isinstance(persisted, dict) or persisted.get("version") != 1:
        raise _refused("`extensions.persistedQuery` must be {version: 1, sha256Hash: <hex SHA-256>}.", INVALID)
    sha256 = persisted.get("sha256Hash")
    if not is_query_hash(sha256):
        raise _refused("`extensions.persistedQuery.sha256Hash` must be 64 lowercase hex digits.", INVALID)
    return sha256


class PersistedQueries(SchemaExtension):
    def __init__(self) -> None:
        self.to_store: str | None = None

    async def on_operation(self) -> AsyncIterator[None]:
        # A fault before an extension's yield escapes the other extensions' hooks, so it is masked here.
        try:
            await self.put_stored_query_in_place()
        except GraphQLError:
            raise
        except Exception as error:

            raise fault(error, where="persisted query lookup") from error
        yield

    async def put_stored_query_in_place(self) -> None:
        """Puts the stored document in place of a hash, or refuses the request, or marks the query to store."""
        context = self.execution_context
        only = settings_of(context).persisted_queries == "only"
        db = context.context.db
        sha256 = requested_hash(context.operation_extensions)
        if sha256 is None:
            if only and context.query and await find_query(db, query_hash(context.query)) is None:
                raise _refused("Only persisted queries run here, and this query is not one of them.", REQUIRED)
        elif not context.query:
            stored = await find_query(db, sha256)
            if stored is None:
                # The message is the protocol: Apollo's clients look for exactly this text.
                raise _refused("PersistedQueryNotFound", NOT_FOUND)
            context.query = stored
        elif query_hash(context.query) != sha256:
            raise _refused("provided sha does not match query", HASH_MISMATCH)
        elif await find_query(db, sha256) is None:
            if only:
                raise _refused("Only persisted queries run here, and this query is not one of them.", REQUIRED)
            # An oversized document still runs; it is just not stored.
            self.to_store = context.query if len(context.query) <= MAX_QUERY_LENGTH else None

    async def on_execute(self) -> AsyncIterator[None]:
        # Reached only by a document that parsed and validated, so nothing invalid is ever stored.
        if self.to_store is not None:
            await save_query(self.execution_context.context.db, self.to_store, source="apq")
        yield
