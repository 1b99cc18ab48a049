"""Relay global ids: opaque base64 of "Type:pk", decoded strictly for inputs."""
import base64
import binascii

from domain.platform.errors import InvalidInput, NotFound
from domain.platform.validation import MAX_ID_LENGTH

# Primary keys are 32-bit INTEGER columns on PostgreSQL; a larger number can name no row and would
# make the driver refuse the statement, so it is treated like any other id that names nothing.
MAX_PK = 2**31 - 1


def to_global_id(type_name: str, pk: int) -> str:
    return base64.b64encode(f"{type_name}:{pk}".encode()).decode()


def parse_global_id(value: str) -> tuple[str, int] | None:
    """("Type", pk) for a well-formed global id; None for anything else (never raises)."""
    if not isinstance(value, str) or len(value) > MAX_ID_LENGTH:
        return None
    try:
        type_name, _, pk = base64.b64decode(value.encode(), validate=True).decode().partition(":")
        number = int(pk)
    except (binascii.Error, UnicodeError, ValueError):
        return None
    if not type_name or not 0 < number <= MAX_PK or to_global_id(type_name, number) != value:
        return None
    return type_name, number


def decode_id(value: str, type_name: str, *, field: str) -> int:
    """The primary key behind a global id of the expected type, or an error naming the input field."""
    parsed = parse_global_id(value)
    if parsed is None:
        raise InvalidInput(f"'{value}' is not a valid id.", field=field)
    if parsed[0] != type_name:
        raise NotFound(f"No {type_name} has the id '{value}'.", field=field)
    return parsed[1]
