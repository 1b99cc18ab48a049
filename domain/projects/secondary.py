"""Secondary projects (SPEC §3): made, reused and closed as external co-workers join and leave a main project.

These run inside the membership use cases' transactions (domain.projects.members): adding an external
co-worker to a main project and creating or reusing their home company's secondary project is one change.
"""
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.events import log as events
from domain.platform.errors import AddFromMainProject, InvalidInput, NotInPartnerGroup, PartnerCustomerNotAttached
from domain.model import Company, CoWorker, Project, ProjectMember, ProjectStatus, ProjectStorage, SeriesKind
from domain.partners.numbering import allocate_number
from domain.projects import cascade as project_cascade
from domain.projects import secondary_customer
from domain.sharepoint import folder_name_clashes as project_names
from domain.partners.groups import MAX_GROUP_SIZE
from domain.partners.links import attached_customer_id, in_same_group

# One secondary per other company of the main company's group. A company that leaves one group and joins
# another could gather more on an old main project; this keeps the bound the query cost counts on.
MAX_SECONDARY_PROJECTS = MAX_GROUP_SIZE - 1


async def main_project_label(session: AsyncSession, project: Project) -> str:
    """How a message names a secondary's main project: its number, name and company."""
    main = await session.get(Project, project.main_project_id)
    company = await session.get(Company, main.company_id)
    return f"{main.number} {main.name} ({company.name})"


async def refuse_member_change_on_secondary(session: AsyncSession, project: Project) -> None:
    if project.main_project_id is not None:
        raise AddFromMainProject(
            f"Members of a secondary project are added and removed on its main project, "
            f"{await main_project_label(session, project)}.",
            field="projectId",
        )


async def home_co_worker(session: AsyncSession, external: CoWorker) -> CoWorker:
    """The same person's active co-worker record in their home company."""
    home = await session.scalar(select(CoWorker).where(
        CoWorker.company_id == external.home_company_id, CoWorker.user_id == external.user_id))
    if home is None or not home.active:
        raise InvalidInput("The co-worker is not an active co-worker of their home company.", field="coWorkerId")
    return home


async def _membership(session: AsyncSession, project_id: int, co_worker_id: int) -> ProjectMember | None:
    return await session.scalar(
        select(ProjectMember).where(ProjectMember.project_id == project_id, ProjectMember.co_worker_id == co_worker_id)
    )


async def secondary_project_of(session: AsyncSession, main_project_id: int, company_id: int) -> Project | None:
    return await session.scalar(
        select(Project).where(Project.main_project_id == main_project_id, Project.company_id == company_id)
    )


async def create_secondary_project(session: AsyncSession, main: Project, company_id: int) -> Project:
    """A new secondary project in `company_id`: numbered by its policy, for the customer that stands for the
    main company, with the main project's inherited values, activities and milestones."""
    existing = await session.scalar(select(func.count()).select_from(Project).where(Project.main_project_id == main.id))
    if existing >= MAX_SECONDARY_PROJECTS:
        raise InvalidInput(
            f"A main project is shared with at most {MAX_SECONDARY_PROJECTS} partner companies (a partner group "
            f"holds at most {MAX_GROUP_SIZE} companies), and this one has {existing} secondary projects already.",
            field="coWorkerId",
        )
    customer_id = await attached_customer_id(session, company_id, main.company_id)
    if customer_id is None:
        raise PartnerCustomerNotAttached(
            "The co-worker's home company has not attached a customer to its link with this company.",
            field="coWorkerId",
        )
    # The secondary gets a folder named after the main project in its own company's SharePoint library.
    company = await session.get(Company, company_id)
    await project_names.refuse_duplicate_name(
        session, customer_id=customer_id, name=main.name, storage=ProjectStorage.INHERIT, field="coWorkerId",
        owner=f"{company.name}'s customer for this company (where the co-worker's secondary project would go)")
    # Its price model and rates are its own (HOURLY, none set): internal rates are the partner company's to set,
    # and the main project's customer prices are not copied to it unless it chooses priceModelFromMain (README).
    secondary = Project(
        company_id=company_id, customer_id=customer_id, main_project_id=main.id,
        number=await allocate_number(session, company_id, SeriesKind.PROJECT),
        **{key: getattr(main, key) for key in project_cascade.INHERITED_FIELDS},
    )
    session.add(secondary)
    await session.flush()
    await project_cascade.copy_all(session, project_cascade.ACTIVITY_COPIES, main.id, secondary.id)
    await project_cascade.copy_all(session, project_cascade.MILESTONE_COPIES, main.id, secondary.id)
    events.record(session, events.ProjectAction.CREATED, secondary)
    return secondary


@dataclass
class SecondaryMembership:
    secondary: Project
    created: bool


async def join_secondary_project(session: AsyncSession, main: Project, external: CoWorker) -> SecondaryMembership:
    """Makes the external co-worker's home record a member of their company's secondary project of `main`,
    creating the project (or reopening it, when it was closed as its last co-worker left)."""
    if not await in_same_group(session, main.company_id, external.home_company_id):
        raise NotInPartnerGroup("The co-worker's home company is not in a partner group with this company.",
                                field="coWorkerId")
    home = await home_co_worker(session, external)
    # The main project's row is locked (PostgreSQL; NO KEY UPDATE, which the member row's foreign key does not
    # wait for), so partners joining at once see each other's secondaries: one per company, at most the maximum.
    await session.execute(select(Project.id).where(Project.id == main.id).with_for_update(key_share=True))
    secondary = await secondary_project_of(session, main.id, external.home_company_id)
    created = secondary is None
    if secondary is None:
        secondary = await create_secondary_project(session, main, external.home_company_id)
    elif secondary.status == ProjectStatus.CLOSED and main.status != ProjectStatus.CLOSED:
        secondary.status = main.status
        events.record(session, events.ProjectAction.UPDATED, secondary)
        # Closed, it kept its customer; open again, it follows the link's customer (domain.projects.secondary_customer).
        linked_customer_id = await attached_customer_id(session, secondary.company_id, main.company_id)
        if linked_customer_id is not None:
            await secondary_customer.move_to_customer(session, secondary, linked_customer_id)
    if await _membership(session, secondary.id, home.id) is None:
        session.add(ProjectMember(project_id=secondary.id, co_worker_id=home.id))
        events.record(session, events.ProjectAction.MEMBER_ADDED, secondary, subject=home)
    return SecondaryMembership(secondary, created)


async def leave_secondary_project(session: AsyncSession, main: Project, external: CoWorker) -> None:
    """The external co-worker's home record leaves the secondary project too; when no co-worker of that
    company is left on the main project, the secondary project is closed (never deleted: hours stay)."""
    secondary = await secondary_project_of(session, main.id, external.home_company_id)
    if secondary is None:
        return
    home = await session.scalar(select(CoWorker).where(
        CoWorker.company_id == external.home_company_id, CoWorker.user_id == external.user_id))
    if home is not None and (member := await _membership(session, secondary.id, home.id)) is not None:
        await session.delete(member)
        events.record(session, events.ProjectAction.MEMBER_REMOVED, secondary, subject=home)
    await session.flush()
    remaining = await session.scalar(
        select(func.count(ProjectMember.id)).join(CoWorker, CoWorker.id == ProjectMember.co_worker_id).where(
            ProjectMember.project_id == main.id, CoWorker.home_company_id == external.home_company_id,
        )
    )
    if not remaining and secondary.status != ProjectStatus.CLOSED:
        secondary.status = ProjectStatus.CLOSED
        events.record(session, events.ProjectAction.UPDATED, secondary)
