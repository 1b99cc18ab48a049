"""A project's activities: create, rename, (de)activate, delete while no hours point at them."""
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.events import log as events
from domain.sharepoint import folder_renames
from domain.platform.db import Database
from domain.platform.errors import DomainError, HasHours, InUse
from domain.model import Activity, File, Project, Task, TimeRecord
from domain.access.viewer import Viewer
from domain.projects import cascade as project_cascade
from domain.access.lookup import load_visible
from domain.projects.service import load_project_to_manage
from domain.platform.validation import clean_money, clean_name, clean_optional_text, not_null


@dataclass
class ActivityDraft:
    project_id: int
    name: str
    number: str | None = None
    active: bool = True
    hourly_rate: Decimal | None = None


def activity_values(changes: Mapping[str, Any]) -> dict[str, Any]:
    """The validated column values an activity edit sets (pure; the partner cascade copies them)."""
    values: dict[str, Any] = {}
    if "name" in changes:
        values["name"] = clean_name(changes["name"])
    if "number" in changes:
        values["number"] = clean_optional_text(changes["number"], field="number")
    if "active" in changes:
        values["active"] = not_null(changes["active"], field="active")
    if "hourly_rate" in changes:
        values["hourly_rate"] = clean_money(changes["hourly_rate"], field="hourlyRate")
    return values


def deletion_refusal(*, hours: int, files: int, tasks: int) -> DomainError | None:
    """Why an activity cannot be deleted, if it cannot: hours are never lost, files and tasks not orphaned."""
    if hours:
        return HasHours(
            f"The activity has {hours} time record(s), here or in a linked project; "
            "deactivate it instead (active: false).",
            field="id",
        )
    if files or tasks:
        return InUse("Files or tasks belong to the activity; move or delete them first, or deactivate it.", field="id")
    return None


async def create_activity(db: Database, viewer: Viewer, draft: ActivityDraft) -> Activity:
    values = activity_values(
        {"name": draft.name, "number": draft.number, "active": draft.active, "hourly_rate": draft.hourly_rate}
    )
    async with db.transaction() as session:
        project = await load_project_to_manage(session, viewer, draft.project_id, field="projectId")
        project_cascade.refuse_on_secondary(project, "activities", field="projectId")
        activity = Activity(project_id=project.id, **values)
        session.add(activity)
        events.record(session, events.ProjectAction.ACTIVITY_CREATED, project, subject=activity)
        await project_cascade.created(session, project_cascade.ACTIVITY_COPIES, project, activity)
    return activity


async def _activity_to_manage(session: AsyncSession, viewer: Viewer, activity_id: int,
                              changes: Mapping[str, Any] | None = None) -> Activity:
    """An activity the viewer manages. On a secondary project only its own rate may change (`changes`
    without inherited fields); anything else, and deleting it, is the main project's to do."""
    activity = await load_visible(session, viewer, Activity, activity_id, field="id", noun="activity")
    project = await load_project_to_manage(session, viewer, activity.project_id, field="id")
    if changes is None or any(k in project_cascade.INHERITED_ACTIVITY_FIELDS for k in changes):
        project_cascade.refuse_on_secondary(project, "activities", field="id")
    return activity


async def _project_of(session: AsyncSession, activity: Activity) -> Project:
    project = await session.get(Project, activity.project_id)  # loaded already by the access check
    assert project is not None
    return project


async def update_activity(db: Database, viewer: Viewer, activity_id: int, changes: Mapping[str, Any]) -> Activity:
    values = activity_values(changes)
    async with db.transaction() as session:
        activity = await _activity_to_manage(session, viewer, activity_id, values)
        old_folder_text = (activity.name, activity.number)
        for key, value in values.items():
            setattr(activity, key, value)
        if session.is_modified(activity):
            events.record(session, events.ProjectAction.ACTIVITY_UPDATED, await _project_of(session, activity),
                          subject=activity)
            if (activity.name, activity.number) != old_folder_text:
                await folder_renames.schedule_folder_rename(
                    session, "activity", activity.id, folder_id=activity.sharepoint_folder_id,
                    project_id=activity.project_id)
            await project_cascade.updated(session, project_cascade.ACTIVITY_COPIES, activity, values)
    return activity


async def delete_activity(db: Database, viewer: Viewer, activity_id: int) -> int:
    """Deletes an activity nothing points at; returns its id."""
    async with db.transaction() as session:
        activity = await _activity_to_manage(session, viewer, activity_id)
        # Copies on secondary projects count too (SPEC §3: hours in any linked project).
        copies = select(Activity.id).where(Activity.source_activity_id == activity.id)
        hours = await session.scalar(
            select(func.count(TimeRecord.id)).where(
                or_(TimeRecord.activity_id == activity.id, TimeRecord.activity_id.in_(copies))
            )
        )
        files = await session.scalar(select(func.count(File.id)).where(
            or_(File.activity_id == activity.id, File.activity_id.in_(copies))))
        tasks = await session.scalar(select(func.count(Task.id)).where(
            or_(Task.activity_id == activity.id, Task.activity_id.in_(copies))))
        refusal = deletion_refusal(hours=hours or 0, files=files or 0, tasks=tasks or 0)
        if refusal is not None:
            raise refusal
        await project_cascade.deleted(session, project_cascade.ACTIVITY_COPIES, activity)
        await session.delete(activity)
        events.record(session, events.ProjectAction.ACTIVITY_DELETED, await _project_of(session, activity),
                      subject=activity)
    return activity_id
