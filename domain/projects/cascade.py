"""Keeping secondary projects in step with their main project (SPEC §3), inside the caller's transaction.

Every function here runs in the session of the use case that changed the main project, so the main
project and all its secondaries change together or not at all. Writes are bulk statements over all
secondaries at once (UPDATE … WHERE main_project_id, INSERT … SELECT FROM projects), so a cascade costs
the same few statements for one secondary or ten, five activities or five hundred.
"""
from collections.abc import Mapping
from typing import Any

from sqlalchemy import delete, exists, insert, literal, select, true, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.events import log as events
from domain.sharepoint import folder_renames
from domain.platform.errors import InheritedFromMain
from domain.model import Activity, Milestone, Project, ProjectMember, ProjectStatus

# What a secondary project takes from its main project (SPEC §3).
INHERITED_FIELDS = ("name", "start_date", "end_date", "status")
# Taken as well when the secondary's setting `price_model_from_main` is on; otherwise its own.
PRICE_FIELDS = ("price_model", "hourly_rate", "fixed_price")
INHERITED_ACTIVITY_FIELDS = ("name", "number", "active")
INHERITED_MILESTONE_FIELDS = ("name", "due_date", "completed")

PROJECTS = Project.__table__
ACTIVITIES = Activity.__table__
MILESTONES = Milestone.__table__
MEMBERS = ProjectMember.__table__


def inherited_changes(changes: Mapping[str, Any], *, price_model_from_main: bool) -> list[str]:
    """The fields of an edit that a secondary project may not make itself (pure)."""
    inherited = INHERITED_FIELDS + (PRICE_FIELDS if price_model_from_main else ())
    return [key for key in changes if key in inherited]


def refuse_inherited_edit(project: Project, changes: Mapping[str, Any], *, field_names: Mapping[str, str]) -> None:
    """INHERITED_FROM_MAIN when an edit of a secondary project touches what its main project decides."""
    if project.main_project_id is None:
        return
    refused = inherited_changes(changes, price_model_from_main=project.price_model_from_main)
    if refused:
        raise InheritedFromMain(
            f"{', '.join(field_names.get(k, k) for k in refused)} of a secondary project follow its main project; "
            "change them there.",
            field=field_names.get(refused[0], refused[0]),
        )


def refuse_on_secondary(project: Project, what: str, *, field: str) -> None:
    if project.main_project_id is not None:
        raise InheritedFromMain(f"A secondary project's {what} are copied from its main project; change them there.",
                                field=field)


def record_on_secondary(session: AsyncSession, action: events.ProjectAction, secondary: Project, *,
                        subject: Any | None = None) -> None:
    """One secondary's event of a cascade (a function of its own, so a test can fail a cascade midway)."""
    events.record(session, action, secondary, subject=subject)


async def secondaries_of(session: AsyncSession, main_project_id: int) -> list[Project]:
    return list(await session.scalars(
        select(Project).where(Project.main_project_id == main_project_id).order_by(Project.id)
        .execution_options(populate_existing=True)
    ))


def _bumped(table) -> dict[str, Any]:
    # Bulk writes bypass the ORM's version counter; bump it so a stale edit of a copy still fails.
    return {"version": table.c.version + 1}


# --- the project itself --------------------------------------------------------------


async def cascade_project(session: AsyncSession, main: Project, values: Mapping[str, Any]) -> None:
    """Copies an edit's inherited fields of `main` to all its secondaries (prices to those that follow it)."""
    fields = {k: v for k, v in values.items() if k in INHERITED_FIELDS}
    prices = {k: getattr(main, k) for k in PRICE_FIELDS if k in values}
    if not fields and not prices:
        return
    status = fields.pop("status", None)
    if fields:
        await session.execute(update(PROJECTS).where(PROJECTS.c.main_project_id == main.id)
                              .values(**fields, **_bumped(PROJECTS)))
    if status is not None:
        # A secondary closed because its company's last co-worker left stays closed when the main project
        # reopens; adding a co-worker from that company again reopens it.
        staffed = exists().where(MEMBERS.c.project_id == PROJECTS.c.id)
        await session.execute(
            update(PROJECTS).where(PROJECTS.c.main_project_id == main.id,
                                   true() if status == ProjectStatus.CLOSED else staffed)
            .values(status=status, **_bumped(PROJECTS))
        )
    if prices:
        await session.execute(
            update(PROJECTS).where(PROJECTS.c.main_project_id == main.id, PROJECTS.c.price_model_from_main.is_(True))
            .values(**prices, **_bumped(PROJECTS))
        )
    for secondary in await secondaries_of(session, main.id):
        record_on_secondary(session, events.ProjectAction.UPDATED, secondary)
        if "name" in fields:
            # Each secondary lives in its own company's SharePoint: its own folder, its own rename.
            await folder_renames.schedule_folder_rename(
                session, "project", secondary.id, folder_id=secondary.sharepoint_folder_id, project_id=secondary.id)


# --- activities ----------------------------------------------------------------------


async def copy_all_activities(session: AsyncSession, main_project_id: int, secondary_id: int) -> None:
    """A new secondary gets a copy of each of the main project's activities, linked back (one statement)."""
    source = select(literal(secondary_id), ACTIVITIES.c.number, ACTIVITIES.c.name, ACTIVITIES.c.active,
                    ACTIVITIES.c.id, literal(1)).where(ACTIVITIES.c.project_id == main_project_id)
    await session.execute(insert(ACTIVITIES).from_select(
        ["project_id", "number", "name", "active", "source_activity_id", "version"], source))


async def copy_all_milestones(session: AsyncSession, main_project_id: int, secondary_id: int) -> None:
    """…and of each milestone, hidden from the secondary's plan (one statement)."""
    source = select(literal(secondary_id), MILESTONES.c.name, MILESTONES.c.due_date, MILESTONES.c.completed,
                    literal(False), MILESTONES.c.id, literal(1)).where(MILESTONES.c.project_id == main_project_id)
    await session.execute(insert(MILESTONES).from_select(
        ["project_id", "name", "due_date", "completed", "shown_in_plan", "source_milestone_id", "version"], source))


async def _copies(session: AsyncSession, model, source_column, source_id: int) -> list[tuple[Any, Project]]:
    rows = await session.execute(
        select(model, Project).join(Project, Project.id == model.project_id).where(source_column == source_id)
        .order_by(model.id).execution_options(populate_existing=True)
    )
    return [(copy, project) for copy, project in rows]


async def activity_created(session: AsyncSession, main: Project, activity: Activity) -> None:
    await session.flush()  # the new activity has its id
    source = select(PROJECTS.c.id, literal(activity.number), literal(activity.name), literal(activity.active),
                    literal(activity.id), literal(1)).where(PROJECTS.c.main_project_id == main.id)
    await session.execute(insert(ACTIVITIES).from_select(
        ["project_id", "number", "name", "active", "source_activity_id", "version"], source))
    for copy, secondary in await _copies(session, Activity, Activity.source_activity_id, activity.id):
        record_on_secondary(session, events.ProjectAction.ACTIVITY_CREATED, secondary, subject=copy)


async def activity_updated(session: AsyncSession, activity: Activity, values: Mapping[str, Any]) -> None:
    fields = {k: v for k, v in values.items() if k in INHERITED_ACTIVITY_FIELDS}
    if not fields:
        return
    await session.execute(update(ACTIVITIES).where(ACTIVITIES.c.source_activity_id == activity.id)
                          .values(**fields, **_bumped(ACTIVITIES)))
    for copy, secondary in await _copies(session, Activity, Activity.source_activity_id, activity.id):
        record_on_secondary(session, events.ProjectAction.ACTIVITY_UPDATED, secondary, subject=copy)
        if folder_renames.renames_folder("activity", set(fields)):
            await folder_renames.schedule_folder_rename(
                session, "activity", copy.id, folder_id=copy.sharepoint_folder_id, project_id=secondary.id)


async def activity_deleted(session: AsyncSession, activity: Activity) -> None:
    """Deletes the copies first (the caller has checked that no hours point at any of them)."""
    copies = await _copies(session, Activity, Activity.source_activity_id, activity.id)
    for copy, secondary in copies:
        record_on_secondary(session, events.ProjectAction.ACTIVITY_DELETED, secondary, subject=copy)
    if copies:
        await session.execute(delete(ACTIVITIES).where(ACTIVITIES.c.source_activity_id == activity.id))
        for copy, _ in copies:
            session.expunge(copy)


# --- milestones ----------------------------------------------------------------------


async def milestone_created(session: AsyncSession, main: Project, milestone: Milestone) -> None:
    await session.flush()
    source = select(PROJECTS.c.id, literal(milestone.name), literal(milestone.due_date), literal(milestone.completed),
                    literal(False), literal(milestone.id), literal(1)).where(PROJECTS.c.main_project_id == main.id)
    await session.execute(insert(MILESTONES).from_select(
        ["project_id", "name", "due_date", "completed", "shown_in_plan", "source_milestone_id", "version"], source))
    for copy, secondary in await _copies(session, Milestone, Milestone.source_milestone_id, milestone.id):
        record_on_secondary(session, events.ProjectAction.MILESTONE_CREATED, secondary, subject=copy)


async def milestone_updated(session: AsyncSession, milestone: Milestone, values: Mapping[str, Any]) -> None:
    fields = {k: v for k, v in values.items() if k in INHERITED_MILESTONE_FIELDS}
    if not fields:
        return
    await session.execute(update(MILESTONES).where(MILESTONES.c.source_milestone_id == milestone.id)
                          .values(**fields, **_bumped(MILESTONES)))
    for copy, secondary in await _copies(session, Milestone, Milestone.source_milestone_id, milestone.id):
        record_on_secondary(session, events.ProjectAction.MILESTONE_UPDATED, secondary, subject=copy)


async def milestone_deleted(session: AsyncSession, milestone: Milestone) -> None:
    copies = await _copies(session, Milestone, Milestone.source_milestone_id, milestone.id)
    for copy, secondary in copies:
        record_on_secondary(session, events.ProjectAction.MILESTONE_DELETED, secondary, subject=copy)
    if copies:
        await session.execute(delete(MILESTONES).where(MILESTONES.c.source_milestone_id == milestone.id))
        for copy, _ in copies:
            session.expunge(copy)
