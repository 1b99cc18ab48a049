"""Keeping secondary projects in step with their main project (SPEC §3), inside the caller's transaction.

Every function here runs in the session of the use case that changed the main project, so the main
project and all its secondaries change together or not at all. Writes are bulk statements over all
secondaries at once (UPDATE … WHERE main_project_id, INSERT … SELECT FROM projects), so a cascade costs
the same few statements for one secondary or ten, five activities or five hundred.
"""
from collections.abc import Mapping
from dataclasses import dataclass
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
MEMBERS = ProjectMember.__table__


def inherited_changes(changes: Mapping[str, Any], *, price_model_from_main: bool) -> list[str]:
    """The fields of an edit that a secondary project may not make itself (pure)."""
    inherited = INHERITED_FIELDS + (PRICE_FIELDS if price_model_from_main else ())
    return [key for key in changes if key in inherited]


def refuse_inherited_edit(project: Project, changes: Mapping[str, Any], *, field_names: Mapping[str, str],
                          price_model_from_main: bool | None = None) -> None:
    """INHERITED_FROM_MAIN when an edit of a secondary project touches what its main project decides
    (`price_model_from_main`: the setting the edit itself gives, when it gives one)."""
    if project.main_project_id is None:
        return
    if price_model_from_main is None:
        price_model_from_main = project.price_model_from_main
    refused = inherited_changes(changes, price_model_from_main=price_model_from_main)
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


# --- activities and milestones ---------------------------------------------------------


@dataclass(frozen=True)
class Copies:
    """What a secondary project copies of its main project's activities or milestones: the columns it takes as
    they are (and keeps in step), the values every copy gets, the link back, and the events of the copies."""

    model: type
    inherited: tuple[str, ...]
    fixed: Mapping[str, Any]
    link: str  # the copy's column naming its source
    created: events.ProjectAction
    updated: events.ProjectAction
    deleted: events.ProjectAction
    folder_kind: str | None = None  # its SharePoint folder follows a rename (folder_renames)

    @property
    def table(self):
        return self.model.__table__


ACTIVITY_COPIES = Copies(Activity, INHERITED_ACTIVITY_FIELDS, {}, "source_activity_id",
                         events.ProjectAction.ACTIVITY_CREATED, events.ProjectAction.ACTIVITY_UPDATED,
                         events.ProjectAction.ACTIVITY_DELETED, folder_kind="activity")
# Milestone copies are hidden from the secondary's plan.
MILESTONE_COPIES = Copies(Milestone, INHERITED_MILESTONE_FIELDS, {"shown_in_plan": False}, "source_milestone_id",
                          events.ProjectAction.MILESTONE_CREATED, events.ProjectAction.MILESTONE_UPDATED,
                          events.ProjectAction.MILESTONE_DELETED)


async def _insert_copies(session: AsyncSession, kind: Copies, project_id, values, source_id, where) -> None:
    """INSERT … SELECT: copies in the projects the SELECT finds (`where`), with `values` (columns or literals)."""
    columns = ["project_id", *kind.inherited, *kind.fixed, kind.link, "version"]
    source = select(project_id, *values, *(literal(v) for v in kind.fixed.values()), source_id, literal(1))
    await session.execute(insert(kind.table).from_select(columns, source.where(where)))


async def copy_all(session: AsyncSession, kind: Copies, main_project_id: int, secondary_id: int) -> None:
    """A new secondary gets a copy of each of the main project's activities or milestones (one statement)."""
    table = kind.table
    await _insert_copies(session, kind, literal(secondary_id), [table.c[name] for name in kind.inherited],
                         table.c.id, table.c.project_id == main_project_id)


async def _copies(session: AsyncSession, kind: Copies, source_id: int) -> list[tuple[Any, Project]]:
    model = kind.model
    rows = await session.execute(
        select(model, Project).join(Project, Project.id == model.project_id)
        .where(getattr(model, kind.link) == source_id)
        .order_by(model.id).execution_options(populate_existing=True)
    )
    return [(copy, project) for copy, project in rows]


async def created(session: AsyncSession, kind: Copies, main: Project, row: Any) -> None:
    """A new activity or milestone of a main project: a copy in each of its secondaries."""
    await session.flush()  # the new row has its id
    values = [literal(getattr(row, name)) for name in kind.inherited]
    await _insert_copies(session, kind, PROJECTS.c.id, values, literal(row.id), PROJECTS.c.main_project_id == main.id)
    for copy, secondary in await _copies(session, kind, row.id):
        record_on_secondary(session, kind.created, secondary, subject=copy)


async def updated(session: AsyncSession, kind: Copies, row: Any, values: Mapping[str, Any]) -> None:
    """What the copies take of a change: the inherited columns, with events (and folder renames for activities)."""
    fields = {k: v for k, v in values.items() if k in kind.inherited}
    if not fields:
        return
    table = kind.table
    await session.execute(update(table).where(table.c[kind.link] == row.id).values(**fields, **_bumped(table)))
    for copy, secondary in await _copies(session, kind, row.id):
        record_on_secondary(session, kind.updated, secondary, subject=copy)
        if kind.folder_kind is not None and folder_renames.renames_folder(kind.folder_kind, set(fields)):
            await folder_renames.schedule_folder_rename(
                session, kind.folder_kind, copy.id, folder_id=copy.sharepoint_folder_id, project_id=secondary.id)


async def deleted(session: AsyncSession, kind: Copies, row: Any) -> None:
    """Deletes the copies first (for activities the caller has checked that no hours point at any of them)."""
    copies = await _copies(session, kind, row.id)
    for copy, secondary in copies:
        record_on_secondary(session, kind.deleted, secondary, subject=copy)
    if copies:
        await session.execute(delete(kind.table).where(kind.table.c[kind.link] == row.id))
        for copy, _ in copies:
            session.expunge(copy)
