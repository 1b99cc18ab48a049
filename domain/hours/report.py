"""The hours report (SPEC §4): the hours a filter matches, totalled per co-worker, activity, project and month.

Every total is one GROUP BY statement, so a report costs the same few statements for ten records as for
ten million; no row is summed in Python. The viewer's read access (domain.access.policy) is part of the WHERE:
an employee's report totals their own hours only.

Mirrors. A main project's report counts the mirrors of partner hours: they are the main company's own view
of those hours (what it invoices the customer and is invoiced for). A source and its mirror live in two
companies, so a report of one company never holds both; a report over several companies (someone who works
in both) leaves out a mirror whose source the same report already counts, so no hour is counted twice.
"""
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BindParameter, ColumnElement, Numeric, Select, bindparam, exists, extract, func, inspect, select, type_coerce,
)
from sqlalchemy.orm import aliased
from sqlalchemy.sql.util import ClauseAdapter

from domain.platform.db import Database
from domain.platform.errors import InvalidInput
from domain.model import CoWorker, HourStatus, TimeRecord
from domain.access.policy import visible
from domain.access.viewer import Viewer

MAX_COMPANIES = 100
CENT = Decimal("0.01")


@dataclass(frozen=True)
class HoursFilter:
    """What a report covers; None means "any". Dates are inclusive."""

    company_ids: tuple[int, ...] | None = None
    project_id: int | None = None
    co_worker_id: int | None = None
    external: bool | None = None  # True: external co-workers' hours only; False: internal ones only
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    status: HourStatus | None = None
    invoiced: bool | None = None


@dataclass(frozen=True)
class HoursTotal:
    hours: Decimal
    record_count: int


@dataclass(frozen=True)
class GroupTotal:
    """The total of one group: `key` is a co-worker, activity or project id, or a month's first day."""

    key: int | dt.date
    hours: Decimal
    record_count: int


# --- pure rules ---------------------------------------------------------------


def check_filter(hours_filter: HoursFilter, *, field: str = "filter") -> None:
    if hours_filter.date_from and hours_filter.date_to and hours_filter.date_from > hours_filter.date_to:
        raise InvalidInput("The period ends before it starts.", field=f"{field}.to")
    if hours_filter.company_ids is not None and len(hours_filter.company_ids) > MAX_COMPANIES:
        raise InvalidInput(f"At most {MAX_COMPANIES} companies.", field=f"{field}.companyIds")
    if hours_filter.invoiced is not None and hours_filter.status is not None:
        if hours_filter.invoiced != (hours_filter.status == HourStatus.INVOICED):
            raise InvalidInput(f"Status {hours_filter.status.value} contradicts invoiced: "
                               f"{str(hours_filter.invoiced).lower()}.", field=f"{field}.invoiced")


# --- the WHERE ----------------------------------------------------------------


def _visible_to(viewer: Viewer, record) -> ColumnElement[bool]:
    """domain.access.policy's read clause for time records, said of `record` (TimeRecord or an alias of it)."""
    clause = visible(viewer, TimeRecord)
    if record is TimeRecord:
        return clause
    return ClauseAdapter(inspect(record).selectable).traverse(clause)


def filter_parameters(hours_filter: HoursFilter) -> dict[str, Any]:
    """The filter's values by the name of the bind parameter each is in the report's statements (report_conditions):
    a statement built once for a filter of one `filter_form` runs for any other of that form with these values
    (as the viewer's values, domain.access.viewer_values)."""
    f = hours_filter
    values = {"report_company_ids": None if f.company_ids is None else list(f.company_ids),
              "report_project_id": f.project_id, "report_co_worker_id": f.co_worker_id,
              "report_date_from": f.date_from, "report_date_to": f.date_to, "report_status": f.status}
    return {name: value for name, value in values.items() if value is not None}


def filter_form(hours_filter: HoursFilter) -> tuple:
    """What of a filter decides the form of the report's statements (which conditions there are), not their values."""
    f = hours_filter
    return (tuple(sorted(filter_parameters(f))), f.external, f.invoiced, may_count_both_of_a_pair(f))


def _matching(viewer: Viewer, hours_filter: HoursFilter, record) -> list[ColumnElement[bool]]:
    f = hours_filter
    values = filter_parameters(f)

    def value(name: str) -> BindParameter:
        return bindparam(name, values[name], expanding=name == "report_company_ids")
    conditions = [_visible_to(viewer, record)]
    if f.company_ids is not None:
        conditions.append(record.company_id.in_(value("report_company_ids")))
    if f.project_id is not None:
        conditions.append(record.project_id == value("report_project_id"))
    if f.co_worker_id is not None:
        conditions.append(record.co_worker_id == value("report_co_worker_id"))
    if f.external is not None:
        external = select(CoWorker.id).where(CoWorker.home_company_id != CoWorker.company_id)
        conditions.append(record.co_worker_id.in_(external) if f.external else record.co_worker_id.not_in(external))
    if f.date_from is not None:
        conditions.append(record.date >= value("report_date_from"))
    if f.date_to is not None:
        conditions.append(record.date <= value("report_date_to"))
    if f.status is not None:
        conditions.append(record.status == value("report_status"))
    if f.invoiced is not None:
        invoiced = record.status == HourStatus.INVOICED
        conditions.append(invoiced if f.invoiced else ~invoiced)
    return conditions


def may_count_both_of_a_pair(hours_filter: HoursFilter) -> bool:
    """Whether a report could count a source and its mirror both (pure). They are on two projects (a secondary
    and its main) in two companies, so a report of one project or of one company never does."""
    f = hours_filter
    return f.project_id is None and (f.company_ids is None or len(set(f.company_ids)) > 1)


def report_conditions(viewer: Viewer, hours_filter: HoursFilter) -> list[ColumnElement[bool]]:
    """The time records the report counts: those matching the filter, less mirrors whose source it counts."""
    conditions = _matching(viewer, hours_filter, TimeRecord)
    if not may_count_both_of_a_pair(hours_filter):
        # Left out where it cannot exclude anything: on PostgreSQL the prepared statement's generic plan ran
        # this anti-join as a nested loop over the period's rows (27 ms for a main project's year instead of
        # under 1 ms; bench/README.md).
        return conditions
    source = aliased(TimeRecord, name="source_record")
    source_counted = exists().where(source.id == TimeRecord.source_record_id, *_matching(viewer, hours_filter, source))
    return [*conditions, ~source_counted]


# --- the totals -----------------------------------------------------------------


# Numeric(14, 2): the sum is read back as an exact Decimal on both databases (SQLite sums as REAL). Built once:
# statements share these immutable expressions.
_SUMS = (type_coerce(func.coalesce(func.sum(TimeRecord.hours), 0), Numeric(14, 2)), func.count(TimeRecord.id))


def _hours(value) -> Decimal:
    # PostgreSQL's sum(numeric) keeps the scale, but its coalesce(…, 0) of no rows is a bare 0.
    return Decimal(value).quantize(CENT)


def _grouped(conditions: Sequence[ColumnElement[bool]], *keys) -> Select:
    return select(*keys, *_SUMS).where(*conditions).group_by(*keys).order_by(*keys)


def total_query(conditions: Sequence[ColumnElement[bool]]) -> Select:
    """The grand total of the records `conditions` (report_conditions) select; its one row is read by total_of."""
    return select(*_SUMS).where(*conditions)


def total_of(row) -> HoursTotal:
    return HoursTotal(_hours(row[0]), row[1])


async def total(db: Database, viewer: Viewer, hours_filter: HoursFilter) -> HoursTotal:
    async with db.read() as session:
        row = (await session.execute(total_query(report_conditions(viewer, hours_filter)))).one()
    return total_of(row)


GROUP_KEYS = {
    "co_worker": TimeRecord.co_worker_id,
    "activity": TimeRecord.activity_id,
    "project": TimeRecord.project_id,
}


def totals_by_query(conditions: Sequence[ColumnElement[bool]], group: str) -> Select:
    """Totals per co-worker, activity or project (`group`, a GROUP_KEYS key) of the records `conditions`
    (report_conditions) select, ordered by its id; read by groups_of."""
    return _grouped(conditions, GROUP_KEYS[group])


def groups_of(rows) -> list[GroupTotal]:
    return [GroupTotal(key, _hours(hours), count) for key, hours, count in rows]


async def totals_by(db: Database, viewer: Viewer, hours_filter: HoursFilter, group: str) -> list[GroupTotal]:
    """Totals per co-worker, activity or project (`group`, a GROUP_KEYS key), ordered by its id."""
    async with db.read() as session:
        rows = list(await session.execute(totals_by_query(report_conditions(viewer, hours_filter), group)))
    return groups_of(rows)


# Labelled: a result's keys are names (domain.platform.driver_reads runs a kept statement on the driver only then).
_YEAR, _MONTH = extract("year", TimeRecord.date).label("year"), extract("month", TimeRecord.date).label("month")


def totals_by_month_query(conditions: Sequence[ColumnElement[bool]]) -> Select:
    """Totals per calendar month of the records `conditions` (report_conditions) select, oldest first; read by
    months_of."""
    return _grouped(conditions, _YEAR, _MONTH)


def months_of(rows) -> list[GroupTotal]:
    """`key` is the month's first day."""
    return [GroupTotal(dt.date(int(y), int(mo), 1), _hours(hours), count) for y, mo, hours, count in rows]


async def totals_by_month(db: Database, viewer: Viewer, hours_filter: HoursFilter) -> list[GroupTotal]:
    """Totals per calendar month, oldest first; `key` is the month's first day."""
    async with db.read() as session:
        rows = list(await session.execute(totals_by_month_query(report_conditions(viewer, hours_filter))))
    return months_of(rows)
