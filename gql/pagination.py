"""Cursor connections (Relay) with keyset paging: `first` at most 100, `after` an opaque cursor."""
import base64
import datetime as dt
import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, and_, or_
from sqlalchemy.orm import InstrumentedAttribute

from domain.errors import InvalidInput

MAX_PAGE = 100
DEFAULT_PAGE = 20


@dataclass(frozen=True)
class Order:
    """A keyset order: columns with direction; the last one must be unique (the primary key)."""

    columns: tuple[tuple[InstrumentedAttribute, bool], ...]  # (column, descending)

    def by(self, query: Select) -> Select:
        return query.order_by(*(c.desc() if desc else c.asc() for c, desc in self.columns))

    def key_of(self, row: Any) -> list:
        return [_plain(getattr(row, c.key)) for c, _ in self.columns]

    def after(self, values: list) -> Any:
        """Rows strictly after the cursor values, in this order (expanded for mixed directions)."""
        terms = []
        for i, (column, desc) in enumerate(self.columns):
            value = _typed(column, values[i])
            equal_before = [c == _typed(c, values[j]) for j, (c, _) in enumerate(self.columns[:i])]
            terms.append(and_(*equal_before, column < value if desc else column > value))
        return or_(*terms)


def _plain(value: Any) -> Any:
    if isinstance(value, dt.date | Decimal):
        return value.isoformat() if isinstance(value, dt.date) else str(value)
    return value


def _typed(column: InstrumentedAttribute, value: Any) -> Any:
    python_type = column.type.python_type
    if python_type is dt.date and isinstance(value, str):
        return dt.date.fromisoformat(value)
    if python_type is dt.datetime and isinstance(value, str):
        return dt.datetime.fromisoformat(value)
    if python_type is Decimal and isinstance(value, str):
        return Decimal(value)
    return value


def encode_cursor(values: list) -> str:
    return base64.urlsafe_b64encode(json.dumps(values, default=_plain).encode()).decode()


def decode_cursor(cursor: str | None, order: Order) -> list | None:
    if cursor is None:
        return None
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except ValueError:
        values = None
    if not isinstance(values, list) or len(values) != len(order.columns):
        raise InvalidInput("'after' is not a cursor of this list.", field="after")
    return values


@dataclass(frozen=True)
class PageRequest:
    first: int
    after: str | None

    @classmethod
    def of(cls, first: int | None, after: str | None) -> "PageRequest":
        first = DEFAULT_PAGE if first is None else first
        if not 0 <= first <= MAX_PAGE:
            raise InvalidInput(f"'first' must be between 0 and {MAX_PAGE}.", field="first")
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
    return Page(rows[: request.first], len(rows) > request.first, order, has_previous=request.after is not None)
