"""Turning a use case's outcome into a payload: the result, or userErrors from a domain error.

This is the one place where a refused write becomes userErrors: domain errors, and the
database's own refusals when two requests race past a check (a stale version, a unique value
taken meanwhile), which domain.platform.errors maps to the same codes.
"""
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import strawberry
from sqlalchemy.exc import DBAPIError

from domain.platform.errors import DATABASE_REFUSALS, DomainError, DomainErrors, concurrency_refusal, from_database
from gql.ids import decode_id
from gql.schema.common import UserError

P = TypeVar("P")

log = logging.getLogger("partnergraph.mutations")


def user_errors(error: DomainError) -> list[UserError]:
    if isinstance(error, DomainErrors):
        return [UserError.of(e) for e in error.errors]
    return [UserError.of(error)]


async def payload(payload_type: type[P], call: Callable[[], Awaitable[dict[str, Any]]]) -> P:
    """Runs `call` (which decodes input and calls one service) and wraps what it returns."""
    try:
        values = await call()
    except DomainError as error:
        return payload_type(user_errors=user_errors(error))  # type: ignore[call-arg]
    except DATABASE_REFUSALS as error:
        log.info("write refused by the database: %s", error)
        return payload_type(user_errors=user_errors(from_database(error)))  # type: ignore[call-arg]
    except DBAPIError as error:
        if (refusal := concurrency_refusal(error)) is None:
            raise
        log.info("write given up by the database for a concurrent one: %s", error)
        return payload_type(user_errors=user_errors(refusal))  # type: ignore[call-arg]
    return payload_type(user_errors=[], **values)  # type: ignore[call-arg]


def given(input_object: Any, *names: str) -> dict[str, Any]:
    """The fields of a partial-update input that the caller actually gave (UNSET ones are left out)."""
    return {name: getattr(input_object, name) for name in names if getattr(input_object, name) is not strawberry.UNSET}


def decode_optional_id(value: str | None, type_name: str, *, field: str) -> int | None:
    """decode_id for an input that may be null (a null id clears the reference)."""
    return None if value is None else decode_id(value, type_name, field=field)
