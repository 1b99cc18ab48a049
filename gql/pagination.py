"""Cursor connections (Relay) with keyset paging: `first` at most 100, `after` an opaque cursor.

A cursor is the sort key of the last row seen (for time records: date, then id, both descending),
so a page never skips or repeats rows when rows are added or removed between requests.
"""
import base64
import binascii
import datetime as dt
import json
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, or_
from sqlalchemy.orm import InstrumentedAttribute

from domain.platform.errors import InvalidInput
from domain.platform.validation import MAX_LENGTH
from gql.ids import MAX_PK

MAX_PAGE = 100
DEFAULT_PAGE = 20
MAX_CURSOR_LENGTH = MAX_LENGTH["after"]


@dataclass(frozen=True)
class Order:
    """A keyset order: columns with direction; the last one must be unique (the primary key)."""

    columns: tuple[tuple[InstrumentedAttribute, bool], ...]  # (column, descending)

    @property
    def clauses(self) -> list:
        return [c.desc() if desc else c.asc() for c, desc in self.columns]

    def by(self, query: Select) -> Select:
        return query.order_by(*self.clauses)

    def key_of(self, row: Any) -> list:
        return [_plain(getattr(row, c.key)) for c, _ in self.columns]

    def after(self, values: list) -> ColumnElement[bool]:
        """Rows strictly after the cursor values in this order: (a > x) OR (a = x AND b > y) OR …,
        with `<` for descending columns."""
        terms = []
        for i, (column, desc) in enumerate(self.columns):
            equal_before = [c == values[j] for j, (c, _) in enumerate(self.columns[:i])]
            terms.append(and_(*equal_before, column < values[i] if desc else column > values[i]))
        return or_(*terms)


def _plain(value: Any) -> Any:
    if isinstance(value, dt.date):  # datetimes too
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _typed(column: InstrumentedAttribute, value: Any) -> Any:
    """The cursor value as the column's Python type; ValueError when it cannot be one."""
    python_type = column.type.python_type
    if python_type is dt.datetime and isinstance(value, str):
        parsed = dt.datetime.fromisoformat(value)
        if parsed.tzinfo is None:
            raise ValueError("naive datetime in cursor")
        return parsed
    if python_type is dt.date and isinstance(value, str):
        return dt.date.fromisoformat(value)
    if python_type is Decimal and isinstance(value, str):
        return Decimal(value)
    if python_type is int and isinstance(value, int) and not isinstance(value, bool) and abs(value) <= MAX_PK:
        return value
    if python_type is str and isinstance(value, str):
        return value
    raise ValueError(f"{value!r} does not fit {column.key}")


def encode_cursor(values: list) -> str:
    return base64.urlsafe_b64encode(json.dumps(values, separators=(",", ":")).encode()).decode()


def decode_cursor(cursor: str | None, order: Order) -> list | None:
    """The typed sort key in a cursor; InvalidInput naming `after` for anything that is not one."""
    if cursor is None:
        return None
    try:
        if len(cursor) > MAX_CURSOR_LENGTH:
            raise ValueError("cursor too long")
        values = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        if not isinstance(values, list) or len(values) != len(order.columns):
            raise ValueError("wrong shape")
        return [_typed(column, value) for (column, _), value in zip(order.columns, values, strict=True)]
    except (ValueError, TypeError, binascii.Error, InvalidOperation, UnicodeError, RecursionError):
        raise InvalidInput("'after' is not a cursor of this list.", field="after") from None


@dataclass(frozen=True)
class PageRequest:
    first: int
    after: str | None

    @classmethod
    def of(cls, first: int | None, after: str | None) -> "PageRequest":
        first = DEFAULT_PAGE if first is None else first
        if not 0 <= first <= MAX_PAGE:
            raise InvalidInput(f"'first' must be between 0 and {MAX_PAGE}; it was {first}.", field="first")
        return cls(first, after)


@dataclass
class Page:
    """One page of rows and whether more follow."""

    rows: list
    has_next: bool
    order: Order
    has_previous: bool = False

    def cursor(self, row: Any) -> str:
        return encode_cursor(self.order.key_of(row))


def paged(query: Select, order: Order, request: PageRequest) -> Select:
    values = decode_cursor(request.after, order)
    if values is not None:
        query = query.where(order.after(values))
    return order.by(query).limit(request.first + 1)


def to_page(rows: list, order: Order, request: PageRequest) -> Page:
    # Paging only forwards: a page reached through a cursor has rows before it.
    return Page(rows[: request.first], len(rows) > request.first, order, has_previous=request.after is not None)
