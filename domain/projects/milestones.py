"""A project's milestones: create, change, complete, delete."""
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from domain.events import log as events
from domain.platform.db import Database
from domain.model import Milestone, Project
from domain.access.viewer import Viewer
from domain.projects import cascade as project_cascade
from domain.access.lookup import load_visible
from domain.projects.service import load_project_to_manage
from domain.platform.validation import clean_name, not_null


@dataclass
class MilestoneDraft:
    project_id: int
    name: str
    due_date: dt.date
    completed: bool = False


def milestone_values(changes: Mapping[str, Any]) -> dict[str, Any]:
    """The validated column values a milestone edit sets (pure; the partner cascade copies them)."""
    values: dict[str, Any] = {}
    if "name" in changes:
        values["name"] = clean_name(changes["name"])
    if "due_date" in changes:
        values["due_date"] = not_null(changes["due_date"], field="dueDate")
    if "completed" in changes:
        values["completed"] = not_null(changes["completed"], field="completed")
    return values


async def create_milestone(db: Database, viewer: Viewer, draft: MilestoneDraft) -> Milestone:
    values = milestone_values({"name": draft.name, "due_date": draft.due_date, "completed": draft.completed})
    async with db.transaction() as session:
        project = await load_project_to_manage(session, viewer, draft.project_id, field="projectId")
        project_cascade.refuse_on_secondary(project, "milestones", field="projectId")
        milestone = Milestone(project_id=project.id, **values)
        session.add(milestone)
        events.record(session, events.ProjectAction.MILESTONE_CREATED, project, subject=milestone)
        await project_cascade.created(session, project_cascade.MILESTONE_COPIES, project, milestone)
    return milestone


async def _milestone_to_manage(session: AsyncSession, viewer: Viewer, milestone_id: int) -> Milestone:
    milestone = await load_visible(session, viewer, Milestone, milestone_id, field="id", noun="milestone")
    project = await load_project_to_manage(session, viewer, milestone.project_id, field="id")
    project_cascade.refuse_on_secondary(project, "milestones", field="id")
    return milestone


async def _project_of(session: AsyncSession, milestone: Milestone) -> Project:
    project = await session.get(Project, milestone.project_id)  # loaded already by the access check
    assert project is not None
    return project


async def update_milestone(db: Database, viewer: Viewer, milestone_id: int, changes: Mapping[str, Any]) -> Milestone:
    values = milestone_values(changes)
    async with db.transaction() as session:
        milestone = await _milestone_to_manage(session, viewer, milestone_id)
        for key, value in values.items():
            setattr(milestone, key, value)
        if session.is_modified(milestone):
            events.record(session, events.ProjectAction.MILESTONE_UPDATED, await _project_of(session, milestone),
                          subject=milestone)
            await project_cascade.updated(session, project_cascade.MILESTONE_COPIES, milestone, values)
    return milestone


async def delete_milestone(db: Database, viewer: Viewer, milestone_id: int) -> int:
    async with db.transaction() as session:
        milestone = await _milestone_to_manage(session, viewer, milestone_id)
        await project_cascade.deleted(session, project_cascade.MILESTONE_COPIES, milestone)
        await session.delete(milestone)
        events.record(session, events.ProjectAction.MILESTONE_DELETED, await _project_of(session, milestone),
                      subject=milestone)
    return milestone_id
