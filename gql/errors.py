"""Top-level errors: domain errors keep their message and code; anything unexpected is masked with an id."""
import logging
import uuid

from graphql import GraphQLError
from strawberry.exceptions import MissingQueryError
from strawberry.extensions import SchemaExtension
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError

from domain.platform.errors import DomainError

log = logging.getLogger("partnergraph.errors")


def log_fault(error: BaseException, *, where: object) -> str:
    """Logs an unexpected error with its traceback under a new id, which the client is given instead."""
    error_id = uuid.uuid4().hex[:12]
    log.error("unexpected error %s at %s", error_id, where, exc_info=error)
    return error_id


def fault(error: BaseException, *, where: object) -> GraphQLError:
    error_id = log_fault(error, where=where)
    return GraphQLError(f"Internal server error (id {error_id}).",
                        extensions={"code": "INTERNAL_SERVER_ERROR", "errorId": error_id})


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
    error_id = log_fault(original, where=error.path)
    return GraphQLError(
        f"Internal server error (id {error_id}).", nodes=error.nodes, path=error.path,
        extensions={"code": "INTERNAL_SERVER_ERROR", "errorId": error_id},
    )


# Strawberry's own request refusals, which its HTTP view turns into 400s: not faults.
REQUEST_REFUSALS = (MissingQueryError, CannotGetOperationTypeError, InvalidOperationTypeError)


class MaskedErrors(SchemaExtension):
    """First among the extensions, so a fault while the operation runs (a validation rule, another
    extension's hook after its yield or around execution) is masked and logged too, instead of reaching
    the client as its text. Strawberry does not unwind the hooks already entered when a hook fails before
    its yield, so such hooks mask their own faults (see gql.protection.persisted_query_extension)."""

    def on_operation(self):
        try:
            yield
        except (GraphQLError, *REQUEST_REFUSALS):
            raise
        except Exception as error:
            raise fault(error, where="extension") from error

    def on_execute(self):
        yield
        result = self.execution_context.result
        if result is not None and result.errors:
            result.errors = [masked(e) for e in result.errors]
