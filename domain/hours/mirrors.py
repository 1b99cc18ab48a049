"""Mirrors of partner hours and clones of partner expenses in the main project (SPEC §4).

Hours registered on a secondary project (the *source*, in the co-worker's home company) have one
*mirror* in the main project: the same date, hours and description, on the main-project activity the
secondary's activity was copied from, belonging to the same person's external co-worker record in the
main company, with `source_record_id` pointing back. Expenses on a secondary project are cloned the same
way (`source_expense_id`) when the main project shares expenses.

These functions run inside the caller's transaction (the use case that wrote the source, or the
reconciliation repair), so a source and its mirror change together or not at all. They check no
permissions (the callers do) and they record the mirror's events, which belong to the main company, so
its integrators see partner hours live.

Choices where SPEC is silent:
- A source whose mirror has nowhere to go (its activity was not copied from the main project, or the
  person has no co-worker record in the main company) raises MIRROR_TARGET_MISSING: hours the main
  company cannot see would silently break reconciliation, so the source write is refused instead.
- The 24-hour day is checked on the source (the co-worker's own registrations in their home company);
  a mirror is the same person's same hours, so it is not checked again against the external record's day.
- Either side APPROVED or INVOICED locks the pair: write_mirror refuses to change an existing locked pair
  (LOCKED). It still creates a *missing* mirror of an approved source (nothing of the pair is edited, and
  the main company gets to see the hours); the new mirror starts NOT_APPROVED, as each side's status is
  its own.
- An expense clone is made only while the main project shares expenses; a clone made earlier keeps
  following its source (updates and deletes) after the setting is turned off.
"""
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from domain.events import log as events
from domain.platform.errors import Locked, MirrorTargetMissing
from domain.model import Activity, Company, CoWorker, Expense, HourStatus, Project, TimeRecord

# What a mirror copies from its source, besides where it goes (MirrorTarget).
MIRRORED_FIELDS = ("date", "hours", "description")
CLONED_FIELDS = ("date", "amount", "currency", "description")


@dataclass(frozen=True)
class MirrorTarget:
    """Where a source's mirror belongs in the main company."""

    company_id: int
    project_id: int  # the main project
    activity_id: int  # the main project's activity the secondary's activity was copied from
    co_worker_id: int  # the person's (external) co-worker record in the main company


@dataclass(frozen=True)
class CloneTarget:
    """Where an expense's clone belongs in the main company, and whether the main project shares expenses."""

    company_id: int
    project_id: int
    co_worker_id: int
    share_expenses: bool


# --- pure rules -------------------------------------------------------------------


def is_locked(status: HourStatus) -> bool:
    return status != HourStatus.NOT_APPROVED


def pair_locked(source_status: HourStatus, mirror_status: HourStatus | None) -> bool:
    """A source and its mirror are locked for edits once either side is approved or invoiced."""
    return is_locked(source_status) or (mirror_status is not None and is_locked(mirror_status))


def _status_words(status: HourStatus) -> str:
    return status.value.replace("_", " ").lower()


def check_pair_editable(source_status: HourStatus, mirror_status: HourStatus | None, *, noun: str = "hours",
                        field: str = "id") -> None:
    """LOCKED when the source, or its mirror in the main company, is approved or invoiced (pure)."""
    if is_locked(source_status):
        raise Locked(f"The {noun} are {_status_words(source_status)} and can no longer be changed.", field=field)
    if mirror_status is not None and is_locked(mirror_status):
        raise Locked(
            f"The main company has {_status_words(mirror_status)} its copy of these {noun}: the pair can no longer "
            "be changed.", field=field,
        )


def mirror_values(source: Any, target: MirrorTarget) -> dict[str, Any]:
    """The column values a source's mirror must have (pure; `source` is any object with the mirrored fields)."""
    return {
        "company_id": target.company_id, "project_id": target.project_id, "activity_id": target.activity_id,
        "co_worker_id": target.co_worker_id, **{key: getattr(source, key) for key in MIRRORED_FIELDS},
    }


def mirror_differences(source: Any, target: MirrorTarget, mirror: Any) -> list[str]:
    """The mirror's columns that differ from what its source says (pure): empty when the mirror is identical."""
    return [key for key, value in mirror_values(source, target).items() if getattr(mirror, key) != value]


def clone_values(source: Any, target: CloneTarget) -> dict[str, Any]:
    return {
        "company_id": target.company_id, "project_id": target.project_id, "co_worker_id": target.co_worker_id,
        **{key: getattr(source, key) for key in CLONED_FIELDS},
    }


# --- where a mirror goes ------------------------------------------------------------


# The two lookups below are built once: with aliases made afresh on each call, SQLAlchemy spent more CPU
# adapting them than the database took to answer (about half the CPU of a mirrored timeRecordCreate; see
# bench/README.md).
_secondary, _main = aliased(Project, name="secondary_project"), aliased(Project, name="main_project")
_home, _external = aliased(CoWorker, name="home_co_worker"), aliased(CoWorker, name="external_co_worker")
_MAIN_SIDE = (
    select(_main.company_id, _main.id, _main.share_expenses, _external.id)
    .select_from(_secondary)
    .join(_main, _main.id == _secondary.main_project_id)
    .join(_home, _home.id == bindparam("co_worker_id"))
    .outerjoin(_external, and_(_external.company_id == _main.company_id, _external.user_id == _home.user_id))
    .where(_secondary.id == bindparam("project_id"))
)
_copy = aliased(Activity, name="activity_copy")
_MAIN_ACTIVITY = (
    select(Activity.id).join(_copy, _copy.source_activity_id == Activity.id)
    .where(_copy.id == bindparam("activity_id"), Activity.project_id == bindparam("main_project_id"))
)


async def _main_side(session: AsyncSession, project_id: int, co_worker_id: int):
    """(main project, the person's co-worker id in the main company) for a project that is secondary, else None."""
    row = (await session.execute(_MAIN_SIDE, {"project_id": project_id, "co_worker_id": co_worker_id})).first()
    if row is None:
        return None
    company_id, main_id, share_expenses, external_id = row
    if external_id is None:
        raise MirrorTargetMissing(
            "The co-worker has no co-worker record in the main project's company, so the main company cannot "
            "get these hours; ask its admin to invite them again.", field="coWorkerId",
        )
    return company_id, main_id, share_expenses, external_id


async def mirror_target(session: AsyncSession, source: TimeRecord) -> MirrorTarget | None:
    """Where `source`'s mirror belongs; None when the source is not on a secondary project."""
    side = await _main_side(session, source.project_id, source.co_worker_id)
    if side is None:
        return None
    company_id, main_id, _share, external_id = side
    main_activity = await _main_activity(session, source.activity_id, main_id)
    return MirrorTarget(company_id, main_id, main_activity, external_id)


async def _main_activity(session: AsyncSession, activity_id: int, main_project_id: int) -> int:
    found = await session.scalar(_MAIN_ACTIVITY, {"activity_id": activity_id, "main_project_id": main_project_id})
    if found is None:
        raise MirrorTargetMissing(
            "The activity is not a copy of an activity of the main project, so the hours cannot be mirrored there.",
            field="activityId",
        )
    return found


async def clone_target(session: AsyncSession, source: Expense) -> CloneTarget | None:
    """Where `source`'s clone belongs; None when the expense is not on a secondary project."""
    side = await _main_side(session, source.project_id, source.co_worker_id)
    if side is None:
        return None
    company_id, main_id, share_expenses, external_id = side
    return CloneTarget(company_id, main_id, external_id, share_expenses)


# --- mirrors of hours -------------------------------------------------------------------


async def mirror_of(session: AsyncSession, source_id: int) -> TimeRecord | None:
    return await session.scalar(select(TimeRecord).where(TimeRecord.source_record_id == source_id))


async def write_mirror(session: AsyncSession, source: TimeRecord) -> TimeRecord | None:
    """Creates or updates `source`'s mirror so that it equals the source, with its event; None when the source
    is not on a secondary project. LOCKED when an existing pair is approved or invoiced on either side."""
    target = await mirror_target(session, source)
    if target is None:
        return None
    if source.id is None:
        await session.flush()
    mirror = await mirror_of(session, source.id)
    values = mirror_values(source, target)
    if mirror is None:
        mirror = TimeRecord(**values, source_record_id=source.id)
        session.add(mirror)
        events.record(session, events.TimeRecordAction.CREATED, mirror)
        return mirror
    if not mirror_differences(source, target, mirror):
        return mirror
    check_pair_editable(source.status, mirror.status)
    for key, value in values.items():
        setattr(mirror, key, value)
    events.record(session, events.TimeRecordAction.UPDATED, mirror)
    return mirror


async def remove_mirror(session: AsyncSession, source_id: int) -> None:
    """Deletes the mirror of a source (before the source itself: the mirror points at it), with its event."""
    mirror = await mirror_of(session, source_id)
    if mirror is None:
        return
    await session.delete(mirror)
    events.record(session, events.TimeRecordAction.DELETED, mirror)
    await session.flush()


# --- clones of expenses -------------------------------------------------------------------


async def clone_of(session: AsyncSession, source_id: int) -> Expense | None:
    return await session.scalar(select(Expense).where(Expense.source_expense_id == source_id))


async def write_expense_clone(session: AsyncSession, source: Expense) -> Expense | None:
    """Creates or updates `source`'s clone in the main project (created only while the main project shares
    expenses); None when there is no clone. LOCKED when an existing pair is approved or invoiced."""
    target = await clone_target(session, source)
    if target is None:
        return None
    if source.id is None:
        await session.flush()
    clone = await clone_of(session, source.id)
    values = clone_values(source, target)
    if clone is None:
        if not target.share_expenses:
            return None
        clone = Expense(**values, source_expense_id=source.id)
        session.add(clone)
        events.record(session, events.ExpenseAction.CREATED, clone)
        return clone
    if all(getattr(clone, key) == value for key, value in values.items()):
        return clone
    check_pair_editable(source.status, clone.status, noun="expenses")
    for key, value in values.items():
        setattr(clone, key, value)
    events.record(session, events.ExpenseAction.UPDATED, clone)
    return clone


async def remove_expense_clone(session: AsyncSession, source_id: int) -> None:
    clone = await clone_of(session, source_id)
    if clone is not None:
        await session.delete(clone)
        events.record(session, events.ExpenseAction.DELETED, clone)
        await session.flush()


# --- naming the other side in messages ------------------------------------------------


async def source_label(session: AsyncSession, project_id: int) -> str:
    """How a message names the secondary project a source is on: number, name and (home) company."""
    row = (await session.execute(
        select(Project.number, Project.name, Company.name).join(Company, Company.id == Project.company_id)
        .where(Project.id == project_id)
    )).one()
    return f"{row[0]} {row[1]} ({row[2]})"

