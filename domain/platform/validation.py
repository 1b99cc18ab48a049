"""Input rules shared by the use cases; each failure names the input field."""
import datetime as dt
import re
from decimal import Decimal
from typing import TypeVar

from domain.platform.errors import InvalidInput

DATABASE_NAME = re.compile(r"^[a-z0-9-]{3,63}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
T = TypeVar("T")


def clean_name(value: str | None, *, field: str = "name", max_length: int = 200) -> str:
    name = (value or "").strip()
    if not name:
        raise InvalidInput("A name is required.", field=field)
    if len(name) > max_length:
        raise InvalidInput(f"At most {max_length} characters.", field=field)
    return name


def clean_optional_text(value: str | None, *, field: str, max_length: int = 200) -> str | None:
    if value is None or not value.strip():
        return None
    if len(value.strip()) > max_length:
        raise InvalidInput(f"At most {max_length} characters.", field=field)
    return value.strip()


def clean_email(value: str | None, *, field: str = "email") -> str:
    email = (value or "").strip().lower()
    if not EMAIL.match(email) or len(email) > 320:
        raise InvalidInput(f"'{value}' is not an email address.", field=field)
    return email


def clean_database_name(value: str, *, field: str = "databaseName") -> str:
    # fullmatch: `$` alone would let a trailing newline through.
    if not isinstance(value, str) or not DATABASE_NAME.fullmatch(value):
        raise InvalidInput("3 to 63 characters: lower-case letters, digits and '-'.", field=field)
    return value


def clean_money(value: Decimal | None, *, field: str) -> Decimal | None:
    if value is None:
        return None
    if not value.is_finite() or value < 0 or value.as_tuple().exponent < -2 or value >= Decimal("1e12"):
        raise InvalidInput("A non-negative amount with at most two decimals.", field=field)
    # Stored with two decimals: answer with what a later read will return.
    return value.quantize(Decimal("0.01"))


def clean_hours(value: Decimal | None, *, field: str = "hours") -> Decimal:
    """Hours are decimals (never floats) above 0, at most 24 and with at most two decimals."""
    if value is None or not value.is_finite():
        raise InvalidInput("Hours are required.", field=field)
    if value <= 0:
        raise InvalidInput("Hours must be more than 0.", field=field)
    if value.as_tuple().exponent < -2:  # type: ignore[operator]
        raise InvalidInput("Hours have at most two decimals.", field=field)
    if value > 24:
        raise InvalidInput("A day has at most 24 hours.", field=field)
    return value.quantize(Decimal("0.01"))


def check_dates_in_order(start: dt.date | None, end: dt.date | None, *, field: str = "endDate") -> None:
    if start is not None and end is not None and end < start:
        raise InvalidInput("The end date is before the start date.", field=field)


def not_null(value: T | None, *, field: str) -> T:
    """An update may leave a required field out, but not clear it with null."""
    if value is None:
        raise InvalidInput("This field cannot be cleared.", field=field)
    return value
