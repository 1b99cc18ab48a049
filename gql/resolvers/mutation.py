"""Turning a use case's outcome into a payload: the result, or userErrors from a domain error."""
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import strawberry

from domain.errors import DomainError
from gql.schema.common import UserError

P = TypeVar("P")


async def payload(payload_type: type[P], call: Callable[[], Awaitable[dict[str, Any]]]) -> P:
    """Runs `call` (which decodes input and calls one service) and wraps what it returns."""
    try:
        values = await call()
    except DomainError as error:
        return payload_type(user_errors=[UserError.of(error)])  # type: ignore[call-arg]
    return payload_type(user_errors=[], **values)  # type: ignore[call-arg]


def given(input_object: Any, *names: str) -> dict[str, Any]:
    """The fields of a partial-update input that the caller actually gave (UNSET ones are left out)."""
    return {name: getattr(input_object, name) for name in names if getattr(input_object, name) is not strawberry.UNSET}
