"""Input rules shared by the use cases; each failure names the input field."""
import datetime as dt
import re
from decimal import Decimal
from typing import TypeVar

from domain.platform.errors import InvalidInput

DATABASE_NAME = re.compile(r"^[a-z0-9-]{3,63}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
T = TypeVar("T")

# The most characters each text input takes, by its name in the API (an argument or an input field; a
# list of texts, such as `tags`, bounds each item); "Type.field" where one type's field differs. Every
# String and ID the API is sent is held to these before anything runs (gql/protection/text_limits.py),
# and the use cases' own checks below take their maxima from here: one table, documented in the README.
MAX_LENGTH: dict[str, int] = {
    "search": 200,
    "name": 200, "adminName": 200, "title": 200,
    "FileUploadInput.name": 1000, "FileUpdateInput.name": 1000,  # kept shortened to 255 (domain.files.rules)
    "email": 320, "adminEmail": 320,
    "description": 2000,
    "organisationNumber": 40, "phone": 40, "number": 20, "currency": 3, "tags": 100,
    "databaseName": 63, "partnerDatabaseName": 63,
    "tenantId": 100, "clientId": 36, "clientSecret": 1000, "siteUrl": 2000, "url": 2000,
    "after": 1000,  # a page cursor
}
MAX_ID_LENGTH = 200  # a global id: every ID argument and input field
MAX_OTHER_TEXT = 1000  # any String not named above


def text_limit(field: str, *, type_name: str | None = None, is_id: bool = False) -> int:
    """The most characters the input `field` (of input type `type_name`, if any) takes."""
    if is_id:
        return MAX_ID_LENGTH
    return MAX_LENGTH.get(f"{type_name}.{field}") or MAX_LENGTH.get(field, MAX_OTHER_TEXT)


def _limit_of(field: str) -> int:
    """The maximum of a field named as in a userError (`contacts.0.phone`: a contact's `phone`)."""
    return text_limit(field.rsplit(".", 1)[-1])


def clean_name(value: str | None, *, field: str = "name") -> str:
    max_length = _limit_of(field)
    name = (value or "").strip()
    if not name:
        raise InvalidInput("A name is required.", field=field)
    if len(name) > max_length:
        raise InvalidInput(f"At most {max_length} characters.", field=field)
    return name


def clean_optional_text(value: str | None, *, field: str) -> str | None:
    if value is None or not value.strip():
        return None
    max_length = _limit_of(field)
    if len(value.strip()) > max_length:
        raise InvalidInput(f"At most {max_length} characters.", field=field)
    return value.strip()


def clean_email(value: str | None, *, field: str = "email") -> str:
    email = (value or "").strip().lower()
    if not EMAIL.match(email) or len(email) > MAX_LENGTH["email"]:
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
