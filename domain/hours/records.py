"""Registering, changing and deleting hours (SPEC §4 rules within one company); their statuses are in
domain.hours.statuses."""
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.events import log as events
from domain.hours import mirrors as hour_mirrors
from domain.platform.db import Database
from domain.platform.errors import (DayOver24Hours, InvalidInput, NotFound, NotProjectMember, OutsideProjectPeriod,
                                    ProjectClosed)
from domain.model import Activity, CoWorker, Expense, Project, ProjectMember, ProjectStatus, TimeRecord
from domain.access.policy import may_manage_project, require_time_writer
from domain.access.viewer import Viewer
from domain.access.lookup import load_visible
from domain.access.people import active_co_worker
from domain.hours.partner_entries import refuse_edit_of_copy, refuse_registration_on_main_project
from domain.platform.validation import clean_hours, clean_optional_text, not_null

DAY = Decimal(24)


@dataclass
class TimeRecordDraft:
    project_id: int
    activity_id: int
    date: dt.date
    hours: Decimal
    description: str | None = None
    co_worker_id: int | None = None  # None: the viewer's own hours


# --- pure rules -------------------------------------------------------------


def check_day_total(registered: Decimal, adding: Decimal, day: dt.date) -> None:
    """A co-worker's day holds at most 24 hours: `registered` is what the day holds without this record."""
    if registered + adding > DAY:
        raise DayOver24Hours(
            f"{day.isoformat()} already holds {registered} hours; {adding} more would pass 24.", field="hours"
        )


def project_period_words(start: dt.date | None, end: dt.date | None) -> str:
    if start and end:
        return f"runs from {start.isoformat()} to {end.isoformat()}"
    return f"starts {start.isoformat()}" if start else f"ends {end.isoformat()}" if end else "has no dates"


def check_in_period(project: Project, day: dt.date, *, noun: str, field: str = "date") -> None:
    """Hours and expenses are dated within the project's start and end dates, each bound only when set (pure).

    One rule for time records and expenses, created or moved to another date; on a secondary project it is the
    source's check, and the mirror shares the date and the period (a secondary takes its dates from the main
    project), so a mirror is never outside the main project's period either."""
    start, end = project.start_date, project.end_date
    if (start is not None and day < start) or (end is not None and day > end):
        raise OutsideProjectPeriod(
            f"{noun} dated {day.isoformat()} are outside the project's period: it "
            f"{project_period_words(start, end)}.", field=field,
        )


def check_open(project: Project, *, field: str) -> None:
    if project.status == ProjectStatus.CLOSED:
        raise ProjectClosed("The project is closed: its hours can no longer change.", field=field)


def time_record_values(changes: Mapping[str, Any]) -> dict[str, Any]:
    """The validated values a time record edit sets (pure; activity and day limits need the database)."""
    values: dict[str, Any] = {}
    if "date" in changes:
        values["date"] = not_null(changes["date"], field="date")
    if "hours" in changes:
        values["hours"] = clean_hours(changes["hours"])
    if "description" in changes:
        values["description"] = clean_optional_text(changes["description"], field="description")
    return values


# --- checks against the database --------------------------------------------


async def _registered_on(session: AsyncSession, co_worker_id: int, day: dt.date, *, without: int | None = None) -> Decimal:
    """The hours a co-worker's day holds, after locking the co-worker so no concurrent write adds to it.

    On PostgreSQL the co-worker row is taken FOR UPDATE before summing, so two registrations for
    one co-worker run one after the other; SQLite serialises writers at BEGIN IMMEDIATE already
    (and ignores FOR UPDATE).
    """
    await session.execute(select(CoWorker.id).where(CoWorker.id == co_worker_id).with_for_update())
    query = select(TimeRecord.hours).where(TimeRecord.co_worker_id == co_worker_id, TimeRecord.date == day)
    if without is not None:
        query = query.where(TimeRecord.id != without)
    return sum(await session.scalars(query), Decimal(0))


async def is_project_member(session: AsyncSession, project_id: int, co_worker_id: int) -> bool:
    found = await session.scalar(
        select(ProjectMember.id).where(ProjectMember.project_id == project_id, ProjectMember.co_worker_id == co_worker_id)
    )
    return found is not None


async def _activity_of(session: AsyncSession, project: Project, activity_id: int) -> Activity:
    activity = await session.get(Activity, activity_id)
    if activity is None or activity.project_id != project.id:
        raise NotFound("No such activity on this project.", field="activityId")
    if not activity.active:
        raise InvalidInput("The activity is not active.", field="activityId")
    return activity


# --- use cases ---------------------------------------------------------------


async def create_time_record(db: Database, viewer: Viewer, draft: TimeRecordDraft) -> TimeRecord:
    """A project member's hours on an active activity of an open project, by them or their project's manager."""
    async with db.transaction() as session:
        return await create_time_record_in(session, viewer, draft)


async def registering_co_worker(session: AsyncSession, viewer: Viewer, project: Project, co_worker_id: int | None,
                                *, noun: str) -> CoWorker:
    """Whose hours or expense a registration on `project` is: the viewer's own (no coWorkerId) or a named active
    co-worker of the project's company; refused unless the viewer may write for them, they register at home
    when they are a partner's, the project is open and they are its member. A refusal names coWorkerId when
    one was given, else projectId."""
    if co_worker_id is None:
        own = viewer.membership(project.company_id)
        if own is None:
            raise NotFound("No such project.", field="projectId")
        co_worker, field = await session.get(CoWorker, own.co_worker_id), "projectId"
    else:
        co_worker, field = await active_co_worker(session, project.company_id, co_worker_id, field="coWorkerId"), \
            "coWorkerId"
    require_time_writer(viewer, project, co_worker.id, field=field)
    await refuse_registration_on_main_project(session, project, co_worker, noun=noun, field=field)
    check_open(project, field="projectId")
    if not await is_project_member(session, project.id, co_worker.id):
        raise NotProjectMember(f"{noun.capitalize()} are registered by the project's members only.", field=field)
    return co_worker


async def create_time_record_in(session: AsyncSession, viewer: Viewer, draft: TimeRecordDraft) -> TimeRecord:
    """create_time_record inside the caller's transaction (the demo loads everything in one)."""
    hours = clean_hours(draft.hours)
    description = clean_optional_text(draft.description, field="description")
    project = await load_visible(session, viewer, Project, draft.project_id, field="projectId", noun="project")
    co_worker_id = (await registering_co_worker(session, viewer, project, draft.co_worker_id, noun="hours")).id
    activity = await _activity_of(session, project, draft.activity_id)
    check_in_period(project, draft.date, noun="Hours")
    check_day_total(await _registered_on(session, co_worker_id, draft.date), hours, draft.date)
    record = TimeRecord(
        company_id=project.company_id, project_id=project.id, activity_id=activity.id,
        co_worker_id=co_worker_id, date=draft.date, hours=hours, description=description,
    )
    session.add(record)
    events.record(session, events.TimeRecordAction.CREATED, record)
    if project.main_project_id is not None:
        # Hours on a secondary project reach the main project in the same transaction (SPEC §4).
        await hour_mirrors.write_mirror(session, record)
    return record


# A registration's copy in the main project: the column naming its source, and how the copy is found.
_COPIES = {TimeRecord: ("source_record_id", hour_mirrors.mirror_of),
           Expense: ("source_expense_id", hour_mirrors.clone_of)}


async def entry_to_change(session: AsyncSession, viewer: Viewer, model: type, entry_id: int, *, noun: str,
                          label: str) -> tuple[Any, Project]:
    """A time record or expense the viewer may write: their own while still a member, or any on a project they
    manage; never a copy (it changes with its source) nor a locked pair.

    The row is locked first, so a source and its copy are always locked in that order (an update and a delete of
    one source cannot deadlock on PostgreSQL).
    """
    await session.execute(select(model.id).where(model.id == entry_id).with_for_update())
    entry = await load_visible(session, viewer, model, entry_id, field="id", noun=label)
    source_column, copy_of = _COPIES[model]
    await refuse_edit_of_copy(session, model, getattr(entry, source_column), noun=noun)
    project = await session.get(Project, entry.project_id)
    assert project is not None
    require_time_writer(viewer, project, entry.co_worker_id, field="id")
    copy = await copy_of(session, entry.id) if project.main_project_id is not None else None
    hour_mirrors.check_pair_editable(entry.status, copy.status if copy else None, noun=noun)
    check_open(project, field="id")
    if not may_manage_project(viewer, project) and not await is_project_member(
            session, project.id, entry.co_worker_id):
        raise NotProjectMember("You are no longer a member of the project.", field="id")
    return entry, project


async def update_time_record(db: Database, viewer: Viewer, record_id: int, changes: Mapping[str, Any]) -> TimeRecord:
    """`changes` holds only the fields the caller gave: activity_id, date, hours, description."""
    values = time_record_values(changes)
    async with db.transaction() as session:
        record, project = await entry_to_change(session, viewer, TimeRecord, record_id, noun="hours",
                                                  label="time record")
        if "activity_id" in changes:
            activity_id = not_null(changes["activity_id"], field="activityId")
            values["activity_id"] = (await _activity_of(session, project, activity_id)).id
        if "date" in values:
            check_in_period(project, values["date"], noun="Hours")
        if "date" in values or "hours" in values:
            day, hours = values.get("date", record.date), values.get("hours", record.hours)
            check_day_total(await _registered_on(session, record.co_worker_id, day, without=record.id), hours, day)
        for key, value in values.items():
            setattr(record, key, value)
        if session.is_modified(record):
            events.record(session, events.TimeRecordAction.UPDATED, record)
            if project.main_project_id is not None:
                await hour_mirrors.write_mirror(session, record)
    return record


async def delete_time_record(db: Database, viewer: Viewer, record_id: int) -> int:
    async with db.transaction() as session:
        record, project = await entry_to_change(session, viewer, TimeRecord, record_id, noun="hours",
                                                  label="time record")
        if project.main_project_id is not None:
            await hour_mirrors.remove_mirror(session, record.id)
        await session.delete(record)
        events.record(session, events.TimeRecordAction.DELETED, record)
    return record_id
