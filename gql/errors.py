"""Top-level errors: domain errors keep their message and code; a database outage is SERVICE_UNAVAILABLE (the
whole response a 503 with Retry-After, gql.http.view); anything unexpected is masked with an id."""
import logging
import uuid

from graphql import GraphQLError
from strawberry.exceptions import MissingQueryError
from strawberry.extensions import SchemaExtension
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError

from domain.platform.errors import DatabaseUnavailable, DomainError, is_outage

log = logging.getLogger("partnergraph.errors")


def log_fault(error: BaseException, *, where: object) -> str:
    """Logs an unexpected error with its traceback under a new id, which the client is given instead."""
    error_id = uuid.uuid4().hex[:12]
    log.error("unexpected error %s at %s", error_id, where, exc_info=error)
    return error_id


UNAVAILABLE_MESSAGE = "The service is unavailable for a moment (its database cannot be reached); try again shortly."


def unavailable(error: BaseException, *, where: object) -> GraphQLError:
    """SERVICE_UNAVAILABLE for a database outage, logged as one line without a traceback: it is not a bug."""
    log.warning("database unavailable at %s: %s", where, str(error).splitlines()[0] if str(error) else repr(error))
    return GraphQLError(UNAVAILABLE_MESSAGE, extensions={
        "code": DatabaseUnavailable.code, "retryAfter": DatabaseUnavailable.retry_after_seconds})


def fault(error: BaseException, *, where: object) -> GraphQLError:
    if is_outage(error):
        return unavailable(error, where=where)
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
        if result is None or not result.errors:
            return
        outage = next((e for e in result.errors if e.original_error is not None and is_outage(e.original_error)),
                      None)
        if outage is not None:
            # The whole response is a 503: a part of the data would be a misleading answer.
            result.data, result.errors = None, [unavailable(outage.original_error, where=outage.path)]
            return
        result.errors = [masked(e) for e in result.errors]
