"""The declarative base and the column types every model shares."""
import datetime as dt
import enum
from decimal import Decimal
from typing import Annotated

from sqlalchemy import DateTime, Enum, MetaData, Numeric, String, TypeDecorator, func
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(TypeDecorator[dt.datetime]):
    """Timestamps stored and returned as aware UTC datetimes on SQLite and PostgreSQL alike."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where UTC is required")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


Hours = Annotated[Decimal, mapped_column(Numeric(6, 2, asdecimal=True))]
Money = Annotated[Decimal, mapped_column(Numeric(14, 2, asdecimal=True))]
Name = Annotated[str, mapped_column(String(200))]
# Without AUTOINCREMENT SQLite gives a new row max(id) + 1, so a deleted row's id would come back on the next one
# and a global id an integrator kept would name other data. Every table whose ids are exposed carries this
# (a no-op on PostgreSQL, whose sequences never go back).
NEVER_REUSED_IDS = {"sqlite_autoincrement": True}
Created = Annotated[dt.datetime, mapped_column(UtcDateTime, default=utcnow, server_default=func.current_timestamp())]


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {dt.datetime: UtcDateTime}


class Versioned:
    """Rows edited concurrently carry a version: a stale write fails instead of overwriting."""

    version: Mapped[int] = mapped_column(default=1, server_default="1")

    @declared_attr.directive
    def __mapper_args__(cls) -> dict:
        return {"version_id_col": cls.__table__.c.version}


def str_enum(enum_cls: type[enum.Enum]):
    # Stored as plain strings with a CHECK, so adding a value is a small migration on both databases.
    return Enum(enum_cls, native_enum=False, length=32, validate_strings=True, create_constraint=True,
                values_callable=lambda e: [m.value for m in e])
