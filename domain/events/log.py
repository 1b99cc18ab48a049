"""The event log: use cases record what they changed, in the same transaction as the change.

A service calls `record(session, action, node)` next to its change. Nothing is written then:
the events wait on the session and are inserted when the transaction commits, so a rolled-back
change leaves no event and a committed one always has its events (a cascade to secondary
projects or a mirrored time record is simply more `record` calls in the same transaction).

The cursor problem. Subscribers follow the log by id ("everything after 41"), so ids must be in
commit order. A PostgreSQL sequence is not: a slow transaction can take 40, a fast one 41 and
commit first, and a reader that saw 41 would never see 40. Of the classic cures:
  (a) a counter row updated at commit time: ids are handed out under a row lock held from just
      before COMMIT to COMMIT, so they are dense and strictly in commit order;
  (b) reading only below pg_snapshot_xmin(pg_current_snapshot()): no lock, but the cursor then
      has to be (xid, id), it only exists on PostgreSQL, and every delivery waits for the
      oldest transaction still running anywhere in the cluster (a long report holds up all);
  (c) a transaction-scoped advisory lock: serialises whole writing transactions, not just
      their last moment;
we use (a). The counter is taken in the `before_commit` hook, after every other statement of
the transaction, so the lock is held for two short statements and the COMMIT itself, and it is
always the last lock a writer takes (no deadlock with the row locks of the change). SQLite runs
the same statements; it already serialises writers (BEGIN IMMEDIATE). The price is that
writers that record events commit one at a time; a few hundred commits a second is far more
than a firm's projects and hours produce. Dense ids also let a reader tell "nothing new" from
"purged": `purged_through` says how far the retention purge has deleted.
"""
import datetime as dt
import enum
import logging
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Column, ColumnElement, and_, delete, event, func, insert, literal, select, text, true, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session
from sqlalchemy.sql import visitors

from domain.platform.db import Database
from domain.platform.errors import DomainError, InvalidInput
from domain.model import (Activity, Customer, Event, EventKind, EventLog, Expense, File, InternalInvoice, Project, Task,
                          TimeRecord, utcnow)
from domain.access.policy import visible
from domain.access.viewer import Viewer

log = logging.getLogger("partnergraph.events")

# PostgreSQL NOTIFY channel: a wake-up for other processes; the log itself is the truth.
CHANNEL = "partnergraph_events"


class ProjectAction(enum.StrEnum):
    CREATED = "CREATED"
    UPDATED = "UPDATED"
    MEMBER_ADDED = "MEMBER_ADDED"
    MEMBER_REMOVED = "MEMBER_REMOVED"
    ACTIVITY_CREATED = "ACTIVITY_CREATED"
    ACTIVITY_UPDATED = "ACTIVITY_UPDATED"
    ACTIVITY_DELETED = "ACTIVITY_DELETED"
    MILESTONE_CREATED = "MILESTONE_CREATED"
    MILESTONE_UPDATED = "MILESTONE_UPDATED"
    MILESTONE_DELETED = "MILESTONE_DELETED"


class TimeRecordAction(enum.StrEnum):
    CREATED = "CREATED"
    UPDATED = "UPDATED"
    DELETED = "DELETED"
    APPROVED = "APPROVED"
    UNAPPROVED = "UNAPPROVED"  # back to NOT_APPROVED
    INVOICED = "INVOICED"


class FileAction(enum.StrEnum):
    UPLOADED = "UPLOADED"
    UPDATED = "UPDATED"
    DELETED = "DELETED"
    TRANSFERRED = "TRANSFERRED"
    TRANSFER_FAILED = "TRANSFER_FAILED"
    SYNCED = "SYNCED"


class CustomerAction(enum.StrEnum):
    CREATED = "CREATED"
    UPDATED = "UPDATED"


class ExpenseAction(enum.StrEnum):
    CREATED = "CREATED"
    UPDATED = "UPDATED"
    DELETED = "DELETED"
    APPROVED = "APPROVED"
    UNAPPROVED = "UNAPPROVED"  # back to NOT_APPROVED
    INVOICED = "INVOICED"


class InternalInvoiceAction(enum.StrEnum):
    CREATED = "CREATED"
    FINALIZED = "FINALIZED"
    CANCELLED = "CANCELLED"


KINDS: dict[type, tuple[EventKind, type[enum.StrEnum]]] = {
    Project: (EventKind.PROJECT, ProjectAction),
    TimeRecord: (EventKind.TIME_RECORD, TimeRecordAction),
    File: (EventKind.FILE, FileAction),
    Customer: (EventKind.CUSTOMER, CustomerAction),
    Expense: (EventKind.EXPENSE, ExpenseAction),
    InternalInvoice: (EventKind.INTERNAL_INVOICE, InternalInvoiceAction),
}
MODELS: dict[EventKind, type] = {kind: model for model, (kind, _) in KINDS.items()}


class CursorExpired(DomainError):
    """The events after this cursor were purged (retention): resume from a fresh read instead."""

    code = "CURSOR_EXPIRED"


# --- recording ----------------------------------------------------------------

_STAGED = "partnergraph.staged_events"
_WRITTEN = "partnergraph.written_events"


@dataclass
class _Staged:
    action: enum.StrEnum
    node: Any
    subject: Any | None


def record(session: AsyncSession, action: enum.StrEnum, node: Any, *, subject: Any | None = None) -> None:
    """Records that `node` (a Project, TimeRecord, File, Customer, Expense or InternalInvoice row) changed; written
    when the transaction commits.

    `subject` says what a project change was about (an Activity, Milestone or CoWorker row). For a
    deleted node, call this before or after `session.delete(node)`: the row's values are kept.
    """
    kind_actions = KINDS.get(type(node))
    if kind_actions is None or not isinstance(action, kind_actions[1]):
        raise TypeError(f"{action!r} is not an event action for {type(node).__name__}")
    session.info.setdefault(_STAGED, []).append(_Staged(action, node, subject))


def _jsonable(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def snapshot(row: Any) -> dict[str, Any]:
    """The row's column values, as JSON."""
    return {column.key: _jsonable(getattr(row, column.key)) for column in row.__mapper__.column_attrs}


def _project_of(session: Session, row: Any) -> int | None:
    if isinstance(row, Project):
        return row.id
    if getattr(row, "project_id", None) is not None:
        return row.project_id
    # A file of an activity or a task belongs to that activity's or task's project.
    if getattr(row, "activity_id", None) is not None:
        return session.scalar(select(Activity.project_id).where(Activity.id == row.activity_id))
    if getattr(row, "task_id", None) is not None:
        return session.scalar(select(Task.project_id).where(Task.id == row.task_id))
    return None


def _audiences(session: Session, row: Any) -> list[tuple[int, int | None]]:
    """The (company, project) each event of the row is recorded in: the row's own company and project; for an
    internal invoice, both sides that may read it (domain.access.policy.internal_invoices_visible): the company
    that invoices with its secondary project, and the company invoiced with its main project."""
    if isinstance(row, InternalInvoice):
        return [(row.company_id, row.secondary_project_id), (row.buyer_company_id, row.main_project_id)]
    return [(row.company_id, _project_of(session, row))]


def _take_ids(session: Session, count: int) -> int:
    """Takes `count` ids from the counter row and returns the first; the row stays locked until COMMIT."""
    table = EventLog.__table__
    take = update(table).where(table.c.id == 1).values(last_event_id=table.c.last_event_id + count) \
        .returning(table.c.last_event_id)
    last = session.execute(take).scalar()
    if last is None:
        # The row is missing (a wiped database): rebuild it from the log itself, then take the ids.
        dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
        events = Event.__table__
        rebuild = dialect.insert(table).from_select(
            ["id", "last_event_id", "purged_through"],
            # (SQLite needs a WHERE before ON CONFLICT in an INSERT ... SELECT, or it misparses the upsert.)
            select(literal(1), func.coalesce(func.max(events.c.id), 0), func.coalesce(func.min(events.c.id) - 1, 0))
            .where(true()),
        ).on_conflict_do_nothing()
        session.execute(rebuild)
        last = session.execute(take).scalar_one()
    return last - count + 1


def write_staged(session: Session) -> int | None:
    """Inserts the events recorded on this session with commit-ordered ids; returns the last id.

    Runs in the `before_commit` hook (tests call it directly to hold a transaction open after it).
    """
    staged: list[_Staged] = session.info.pop(_STAGED, [])
    if not staged:
        return None
    session.flush()  # new rows get their ids
    rows = []
    for item in staged:
        kind, _ = KINDS[type(item.node)]
        for company_id, project_id in _audiences(session, item.node):
            rows.append(dict(
                kind=kind, action=item.action.value, company_id=company_id, project_id=project_id,
                node_id=item.node.id,
                subject_type=type(item.subject).__name__ if item.subject is not None else None,
                subject_id=item.subject.id if item.subject is not None else None,
                snapshot=snapshot(item.node),
            ))
    first = _take_ids(session, len(rows))
    now = utcnow()
    session.execute(insert(Event.__table__), [dict(row, id=first + i, occurred_at=now) for i, row in enumerate(rows)])
    last = first + len(rows) - 1
    if session.get_bind().dialect.name == "postgresql":
        # Delivered to listeners only if and when this transaction commits.
        session.execute(text("SELECT pg_notify(:channel, :last)"), {"channel": CHANNEL, "last": str(last)})
    session.info[_WRITTEN] = max(last, session.info.get(_WRITTEN, 0))
    return last


@event.listens_for(Session, "before_commit")
def _write_before_commit(session: Session) -> None:
    # A savepoint's commit is not the end: events are written once, by the outermost transaction.
    if session.info.get(_STAGED) and not session.in_nested_transaction():
        write_staged(session)


@event.listens_for(Session, "after_commit")
def _announce_after_commit(session: Session) -> None:
    last = session.info.pop(_WRITTEN, None)
    if last is not None:
        _wake_local(_database_key(session.get_bind().url))


@event.listens_for(Session, "after_transaction_end")
def _forget_after_end(session: Session, transaction) -> None:
    # A rolled-back transaction takes its recorded events with it.
    if transaction.parent is None:
        session.info.pop(_STAGED, None)
        session.info.pop(_WRITTEN, None)


# --- waking this process's readers ------------------------------------------------
# On SQLite there is no NOTIFY: a commit wakes the readers of the same database in this process.
# (On PostgreSQL it does too, a little sooner than the NOTIFY round trip.)

_local_readers: dict[str, set[Callable[[], None]]] = {}


def _database_key(url) -> str:
    return url.render_as_string(hide_password=True)


def on_local_commit(url, callback: Callable[[], None]) -> Callable[[], None]:
    """Calls `callback` after each commit in this process that wrote events to the database at `url`."""
    key = _database_key(url)
    _local_readers.setdefault(key, set()).add(callback)
    return lambda: _local_readers.get(key, set()).discard(callback)


def _wake_local(key: str) -> None:
    for callback in list(_local_readers.get(key, ())):
        try:
            callback()
        except Exception:  # a reader's wake-up must never fail the writer's commit
            log.exception("waking an event reader failed")


# --- reading --------------------------------------------------------------------


@dataclass(frozen=True)
class EventFilter:
    """Which events a subscriber wants: some kinds, optionally of one company and/or one project."""

    kinds: frozenset[EventKind]
    company_id: int | None = None
    project_id: int | None = None

    def matches(self, row: Event) -> bool:
        return (
            row.kind in self.kinds
            and (self.company_id is None or row.company_id == self.company_id)
            and (self.project_id is None or row.project_id == self.project_id)
        )

    def clause(self) -> ColumnElement[bool]:
        return and_(
            Event.kind.in_(self.kinds),
            *([Event.company_id == self.company_id] if self.company_id is not None else []),
            *([Event.project_id == self.project_id] if self.project_id is not None else []),
        )


@dataclass(frozen=True)
class LogBounds:
    purged_through: int
    last_event_id: int


async def log_bounds(session: AsyncSession) -> LogBounds:
    """How far the purge has deleted and the newest committed id (what a new cursor starts from)."""
    row = (await session.execute(select(EventLog.purged_through, EventLog.last_event_id))).first()
    if row is not None:
        return LogBounds(row.purged_through, row.last_event_id)
    low, high = (await session.execute(select(func.min(Event.id), func.max(Event.id)))).one()
    return LogBounds((low or 1) - 1, high or 0)


def check_cursor(after: int, bounds: LogBounds, *, field: str = "after") -> None:
    """A cursor must point into the log: not ahead of it, and not before what the purge deleted."""
    if after > bounds.last_event_id:
        raise InvalidInput("The cursor is ahead of the event log; it does not come from this server.", field=field)
    if after < bounds.purged_through:
        raise CursorExpired(
            "Events after this cursor were deleted by the retention purge; read the current state and "
            "subscribe again without `after` (or with a fresh cursor).", field=field,
        )


async def events_after(
    session: AsyncSession, after: int, *, limit: int, only: EventFilter | None = None, check_purge: bool = False
) -> list[Event]:
    """Committed events with id > `after`, oldest first. Gap-free: see the module docstring."""
    if check_purge:
        check_cursor(after, await log_bounds(session))
    query = select(Event).where(Event.id > after).order_by(Event.id).limit(limit)
    if only is not None:
        query = query.where(only.clause())
    return list(await session.scalars(query))


# --- who may see an event whose node is gone ------------------------------------------


def _as_row(clause: ColumnElement[bool], model: type, values: dict[str, Any]) -> ColumnElement[bool]:
    """`clause` with the model's own columns replaced by the given values (the row as it was)."""
    table = model.__table__

    def replace(element):
        if isinstance(element, Column) and element.table is table:
            return literal(values.get(element.key), type_=element.type) if element.key in values else None
        return None

    return visitors.replacement_traverse(clause, {}, replace)


async def deleted_node_visible(session: AsyncSession, viewer: Viewer, row: Event) -> bool:
    """Whether `viewer` may read the node of `row` as it last was, deciding with the policy's own clause.

    For an event whose node no longer exists (deleted since): the read rule of domain.access.policy is
    evaluated over the node's snapshot, so a deleted time record is delivered exactly to those who
    could read it now were it still there.
    """
    model = MODELS[row.kind]
    values = _decode_snapshot(model, row.snapshot)
    check = select(literal(1)).where(_as_row(visible(viewer, model), model, values))
    return (await session.scalar(check)) is not None


def _decode_snapshot(model: type, values: dict[str, Any]) -> dict[str, Any]:
    decoded: dict[str, Any] = {}
    for column in model.__table__.columns:
        value = values.get(column.key)
        if isinstance(value, str):
            try:
                python_type = column.type.python_type
            except NotImplementedError:
                python_type = str
            if python_type is dt.date:
                value = dt.date.fromisoformat(value)
            elif python_type is dt.datetime:
                value = dt.datetime.fromisoformat(value)
            elif python_type is Decimal:
                value = Decimal(value)
        decoded[column.key] = value
    return decoded


async def node_exists(session: AsyncSession, row: Event) -> bool:
    model = MODELS[row.kind]
    return (await session.scalar(select(model.id).where(model.id == row.node_id))) is not None


# --- retention --------------------------------------------------------------------


async def purge(db: Database, *, older_than: dt.timedelta, now: dt.datetime | None = None) -> int:
    """Deletes the events older than the retention period, as a prefix of the log; returns how many."""
    cutoff = (now or utcnow()) - older_than
    async with db.transaction() as session:
        through = await session.scalar(select(func.max(Event.id)).where(Event.occurred_at < cutoff))
        if through is None:
            return 0
        deleted = (await session.execute(delete(Event).where(Event.id <= through))).rowcount
        table = EventLog.__table__
        await session.execute(
            update(table).where(table.c.id == 1, table.c.purged_through < through).values(purged_through=through)
        )
    return deleted or 0
