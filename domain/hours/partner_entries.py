"""The rules that send partner co-workers' hours and expenses to their home company (SPEC §4).

A partner's co-worker registers on their home company's secondary project; what they register there is
mirrored (hours) or cloned (expenses) into the main project by domain.hours.mirrors, and those copies
change only through their source. The hour and expense services call these checks.
"""
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.platform.errors import EditInHomeCompany, RegisterInHomeCompany
from domain.hours.mirrors import source_label
from domain.model import Company, CoWorker, Project
from domain.partners.links import in_same_group
from domain.projects.secondary import secondary_project_of


async def refuse_registration_on_main_project(session: AsyncSession, project: Project, co_worker: CoWorker, *,
                                              noun: str = "hours", field: str) -> None:
    """REGISTER_IN_HOME_COMPANY when a partner company's co-worker registers directly on a main project.

    The message names their home company's secondary project. When it does not exist (it is made as they
    join the main project, so only data from before shared projects lacks it), a co-worker whose home company
    is in the project company's group is still refused, and told how to get the secondary project; an
    external co-worker from outside any group (a contractor) registers here as before.
    """
    if not co_worker.is_external or project.main_project_id is not None:
        return
    secondary = await secondary_project_of(session, project.id, co_worker.home_company_id)
    if secondary is not None:
        raise RegisterInHomeCompany(
            f"Register {noun} in your home company, on its project {await source_label(session, secondary.id)}: "
            "they are copied to this project from there.", field=field,
        )
    if await in_same_group(session, project.company_id, co_worker.home_company_id):
        home = await session.get(Company, co_worker.home_company_id)
        raise RegisterInHomeCompany(
            f"Register {noun} in your home company, {home.name}; it has no project linked to this one yet: ask an "
            "admin of this project to remove you from it and add you again, which creates it.", field=field,
        )


async def refuse_edit_of_copy(session: AsyncSession, model: type, source_id: int | None, *, noun: str = "hours",
                              field: str = "id") -> None:
    """EDIT_IN_HOME_COMPANY for a mirror or clone (a row with a source): it changes only with its source, whose
    project and company the message names."""
    if source_id is None:
        return
    source_project_id = await session.scalar(select(model.project_id).where(model.id == source_id))
    raise EditInHomeCompany(
        f"These {noun} are a copy of {noun} registered in a partner company, on its project "
        f"{await source_label(session, source_project_id)}: change them there.", field=field,
    )
