"""Top-level errors: domain errors keep their message and code; anything unexpected is masked with an id."""
import logging
import uuid

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from domain.errors import DomainError

log = logging.getLogger("partnergraph.errors")


def masked(error: GraphQLError) -> GraphQLError:
    original = error.original_error
    # Syntax, validation and variable-coercion errors (a bad Date or Decimal variable) have no
    # path: they describe the request, so the client reads them as they are.
    if original is None or not error.path:
        return error
    if isinstance(original, DomainError):
        extensions = {**(error.extensions or {}), "code": original.code}
        if original.field:
            extensions["field"] = original.field
        return GraphQLError(error.message, nodes=error.nodes, path=error.path, original_error=original,
                            extensions=extensions)
    error_id = uuid.uuid4().hex[:12]
    log.error("unexpected error %s at %s", error_id, error.path, exc_info=original)
    return GraphQLError(
        f"Internal server error (id {error_id}).", nodes=error.nodes, path=error.path,
        extensions={"code": "INTERNAL_SERVER_ERROR", "errorId": error_id},
    )


class MaskedErrors(SchemaExtension):
    def on_execute(self):
        yield
        result = self.execution_context.result
        if result is not None and result.errors:
            result.errors = [masked(e) for e in result.errors]
