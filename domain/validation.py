"""Input rules shared by the use cases; each failure names the input field."""
import re
from decimal import Decimal

from domain.errors import InvalidInput

DATABASE_NAME = re.compile(r"^[a-z0-9-]{3,63}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


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
    if not DATABASE_NAME.match(value or ""):
        raise InvalidInput("3 to 63 characters: lower-case letters, digits and '-'.", field=field)
    return value


def clean_money(value: Decimal | None, *, field: str) -> Decimal | None:
    if value is None:
        return None
    if not value.is_finite() or value < 0 or value.as_tuple().exponent < -2 or value >= Decimal("1e12"):
        raise InvalidInput("A non-negative amount with at most two decimals.", field=field)
    return value
