"""Where files sit: which files are under an entity, and each file's effective storage location (SPEC §5).

Queries, not access checks: callers add domain.access.policy's `visible(viewer, File)` for what a viewer may read.
The SharePoint transfer (issue 7) asks the same questions: which files of a customer or project to sync,
and which of them belong in SharePoint.
"""
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, false, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from domain.files.rules import EntityKind, effective_storage_location
from domain.model import Activity, Customer, File, Project, StorageLocation, Task

ENTITY_MODELS = {EntityKind.CUSTOMER: Customer, EntityKind.PROJECT: Project, EntityKind.ACTIVITY: Activity,
                 EntityKind.TASK: Task}


@dataclass(frozen=True)
class Owners:
    """What an entity sits in, up to its project: a task in its activity (or directly in its project), an
    activity in its project; a customer sits in nothing."""

    project: Project | None
    activity: Activity | None = None
    task: Task | None = None


async def owners_of(session: AsyncSession, kind: EntityKind, row: Any) -> Owners:
    """The owner chain of a file's entity (task → activity → project), rows loaded one by one (the session's
    identity map answers those it holds); the customer is `project.customer_id`, or the entity itself."""
    task = row if kind is EntityKind.TASK else None
    activity = row if kind is EntityKind.ACTIVITY else None
    if task is not None and task.activity_id is not None:
        activity = await session.get(Activity, task.activity_id)
    if kind is EntityKind.PROJECT:
        return Owners(row)
    project_id = (task.project_id if task is not None else None) or (activity.project_id if activity else None)
    project = await session.get(Project, project_id) if project_id is not None else None
    return Owners(project, activity, task)


def files_under(kind: EntityKind, pk: int, *, descendants: bool) -> ColumnElement[bool]:
    """Files that belong to the entity itself, or (descendants) also to what is below it:
    a customer's projects, a project's activities, and the tasks of either; an activity's tasks."""
    own = getattr(File, kind.column) == pk
    if not descendants or kind is EntityKind.TASK:
        return own
    if kind is EntityKind.ACTIVITY:
        return or_(own, File.task_id.in_(select(Task.id).where(Task.activity_id == pk)))
    if kind is EntityKind.PROJECT:
        projects = select(Project.id).where(Project.id == pk)
    elif kind is EntityKind.CUSTOMER:
        projects = select(Project.id).where(Project.customer_id == pk)
    else:  # pragma: no cover - every kind is handled above
        return false()
    activities = select(Activity.id).where(Activity.project_id.in_(projects))
    tasks = select(Task.id).where(or_(Task.project_id.in_(projects), Task.activity_id.in_(activities)))
    return or_(own, File.project_id.in_(projects), File.activity_id.in_(activities), File.task_id.in_(tasks))


@dataclass(frozen=True)
class OwnerJoins:
    """The owner chain of files in SQL, for one statement over many files: a file's project is its own, its
    activity's, or its task's (directly or through the task's activity); its customer its own or its project's."""

    project: Any  # aliased Project
    customer: Any  # aliased Customer
    project_id: ColumnElement[int]
    customer_id: ColumnElement[int]
    joins: tuple[tuple[Any, ColumnElement[bool]], ...]

    def applied_to(self, query):
        for target, on in self.joins:
            query = query.outerjoin(target, on)
        return query


def owner_joins() -> OwnerJoins:
    activity, task, task_activity = aliased(Activity), aliased(Task), aliased(Activity)
    project, customer = aliased(Project), aliased(Customer)
    project_id = func.coalesce(File.project_id, activity.project_id, task.project_id, task_activity.project_id)
    customer_id = func.coalesce(File.customer_id, project.customer_id)
    joins = ((activity, activity.id == File.activity_id), (task, task.id == File.task_id),
             (task_activity, task_activity.id == task.activity_id), (project, project.id == project_id),
             (customer, customer.id == customer_id))
    return OwnerJoins(project, customer, project_id, customer_id, joins)


def _placement_query(condition: ColumnElement[bool]):
    """Each file with its customer's location and its project's storage setting, in one statement."""
    owners = owner_joins()
    return owners.applied_to(select(File.id, owners.customer.storage_location, owners.project.storage)).where(condition)


async def storage_locations(session: AsyncSession, file_ids: Iterable[int]) -> dict[int, StorageLocation]:
    """The effective storage location of each file (by id); ids of missing files are left out."""
    rows = await session.execute(_placement_query(File.id.in_(set(file_ids))))
    return {file_id: effective_storage_location(location, storage) for file_id, location, storage in rows}
