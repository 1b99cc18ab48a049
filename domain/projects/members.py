"""Who works on a project: adding and removing co-workers (their hours stay); partner co-workers also join
or leave their home company's secondary project (domain.projects.secondary)."""
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.events import log as events
from domain.platform.db import Database
from domain.platform.errors import Duplicate, NotFound
from domain.model import CoWorker, Project, ProjectMember
from domain.access.people import active_co_worker
from domain.access.viewer import Viewer
from domain.projects import secondary as secondary_projects
from domain.projects.service import load_project_to_manage
from domain.platform.validation import clean_money


async def _membership(session: AsyncSession, project_id: int, co_worker_id: int) -> ProjectMember | None:
    return await session.scalar(
        select(ProjectMember).where(ProjectMember.project_id == project_id, ProjectMember.co_worker_id == co_worker_id)
    )


async def add_project_member(
    db: Database, viewer: Viewer, project_id: int, co_worker_id: int, *, hourly_rate: Decimal | None = None
) -> tuple[ProjectMember, Project]:
    """Adds an active co-worker of the project's own company; a second add of the same one is refused."""
    async with db.transaction() as session:
        return await add_project_member_in(session, viewer, project_id, co_worker_id, hourly_rate=hourly_rate)


async def add_project_member_in(
    session: AsyncSession, viewer: Viewer, project_id: int, co_worker_id: int, *, hourly_rate: Decimal | None = None
) -> tuple[ProjectMember, Project]:
    """add_project_member inside the caller's transaction (the demo loads everything in one)."""
    hourly_rate = clean_money(hourly_rate, field="hourlyRate")
    project = await load_project_to_manage(session, viewer, project_id, field="projectId")
    co_worker = await active_co_worker(session, project.company_id, co_worker_id, field="coWorkerId")
    await secondary_projects.refuse_member_change_on_secondary(session, project)
    if await _membership(session, project.id, co_worker.id) is not None:
        raise Duplicate("The co-worker is already a member of the project.", field="coWorkerId")
    member = ProjectMember(project_id=project.id, co_worker_id=co_worker.id, hourly_rate=hourly_rate)
    session.add(member)
    events.record(session, events.ProjectAction.MEMBER_ADDED, project, subject=co_worker)
    if co_worker.is_external:
        # A partner co-worker works in a secondary project of their home company (SPEC §3).
        await secondary_projects.join_secondary_project(session, project, co_worker)
    return member, project


async def remove_project_member(db: Database, viewer: Viewer, project_id: int, co_worker_id: int) -> Project:
    """Ends a membership; the co-worker's hours on the project are kept."""
    async with db.transaction() as session:
        project = await load_project_to_manage(session, viewer, project_id, field="projectId")
        await secondary_projects.refuse_member_change_on_secondary(session, project)
        member = await _membership(session, project.id, co_worker_id)
        if member is None:
            raise NotFound("The co-worker is not a member of the project.", field="coWorkerId")
        await session.delete(member)
        co_worker = await session.get(CoWorker, co_worker_id)
        events.record(session, events.ProjectAction.MEMBER_REMOVED, project, subject=co_worker)
        if co_worker is not None and co_worker.is_external:
            await secondary_projects.leave_secondary_project(session, project, co_worker)
    return project
