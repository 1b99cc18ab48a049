"""The demo's partner group (SPEC §2): set up through the partner services, as the three companies' admins and
the operator would, inside the demo's one transaction; and a few tasks for the task board."""
import datetime as dt

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain import model as m
from domain.access.viewer import Membership, Viewer
from domain.partners.company_settings import update_company_settings_in
from domain.projects.members import add_project_member_in
from domain.partners.groups import GroupDraft, register_partner_group_in
from domain.partners.links import add_partner_link_in, attach_partner_customer_in, confirm_partner_link_in
from domain.projects.tasks import TaskDraft, create_task_in

MAIN_COMPANY = "nordlys-consulting"
GROUP_NAME = "Nordlys partner group"
# Havbris numbers its new projects from the group's series (Nordlys's); the others keep their own.
GROUP_SERIES = {"havbris-design": {m.SeriesKind.PROJECT: m.SeriesPolicy.GROUP}}
# (task, assignee): assignees are internal or external co-workers of the company; Eirik Dahl (Nordlys) also
# works in Fjellvik, so his task board shows tasks of both.
TASKS = {
    "nordlys-consulting": (("Forbered workshop for Polarlys", "Eirik Dahl"),
                           ("Send tilbud til Lyngen Reiseliv", "Silje Berg"),
                           ("Oppdater kravspesifikasjon", "Henrik Johansen"),
                           ("Gjennomgå designutkast til rapporten", "Julie Eide")),
    "fjellvik-engineering": (("Kontroller BIM-modell for barneskolen", "Eirik Dahl"),
                             ("Befaring av kaianlegget", "Marte Olsen"),
                             ("Fargeplan for fellesarealer", "Hanna Sæther")),
    "havbris-design": (("Brukertest av prototypen", "Henrik Johansen"),
                       ("Materialprøver til lobbyen", "Hanna Sæther"),
                       ("Skiltplassering på tegningene", "Marte Olsen")),
}


async def load(
    session: AsyncSession, companies: dict[str, m.Company], operator: m.User, *, first_monday: dt.date
) -> int:
    """`companies` by databaseName; `operator` registers the group. Returns the shared project's id."""
    await _partner_group(session, companies, operator)
    project_id = await _shared_project(session, companies[MAIN_COMPANY])
    for company in companies.values():
        await _tasks(session, company, first_monday)
    return project_id


async def _shared_project(session: AsyncSession, main_company: m.Company) -> int:
    """The main company's externals join its first active project through the member service (SPEC §3), so
    their home companies get a secondary project each."""
    admin = await admin_of(session, main_company)
    project_id = await session.scalar(
        select(m.Project.id).where(m.Project.company_id == main_company.id, m.Project.status == m.ProjectStatus.ACTIVE)
        .order_by(m.Project.id)
    )
    externals = await session.scalars(
        select(m.CoWorker.id).where(m.CoWorker.company_id == main_company.id,
                                    m.CoWorker.home_company_id != main_company.id).order_by(m.CoWorker.id)
    )
    for co_worker_id in list(externals):
        await add_project_member_in(session, admin, project_id, co_worker_id)
    return project_id


async def admin_of(session: AsyncSession, company: m.Company) -> Viewer:
    admin = await session.scalar(
        select(m.CoWorker).where(m.CoWorker.company_id == company.id, m.CoWorker.role == m.Role.ADMIN)
    )
    return Viewer(user_id=admin.user_id, memberships=(Membership(company.id, admin.id, m.Role.ADMIN),))


async def _partner_group(session: AsyncSession, companies: dict[str, m.Company], operator: m.User) -> None:
    """Partner companies on with sharing, every pair added, confirmed and given its customer both ways, and
    the group registered by the operator with Nordlys as its main company."""
    admins = {name: await admin_of(session, company) for name, company in companies.items()}
    for name, company in companies.items():
        await update_company_settings_in(session, admins[name], company.id, {
            "partner_companies_enabled": True, "share_customers": True, "share_tasks": True,
            **GROUP_SERIES.get(name, {}),
        })
    for name, company in companies.items():
        for partner_name, partner in companies.items():
            if partner is company:
                continue
            link = await add_partner_link_in(session, admins[name], company.id, partner_name)
            await confirm_partner_link_in(session, admins[name], link.id)
            customer_id = await session.scalar(
                select(m.Customer.id).where(m.Customer.company_id == company.id, m.Customer.name == partner.name)
            )
            await attach_partner_customer_in(session, admins[name], link.id, customer_id)
    await session.flush()
    await register_partner_group_in(
        session, Viewer(user_id=operator.id, is_operator=True),
        GroupDraft([c.id for c in companies.values()], companies[MAIN_COMPANY].id, GROUP_NAME),
    )


async def _tasks(session: AsyncSession, company: m.Company, first_monday: dt.date) -> None:
    """A few tasks on the company's first active project, due in the coming weeks; the last one done."""
    admin = await admin_of(session, company)
    project = await session.scalar(
        select(m.Project).where(m.Project.company_id == company.id, m.Project.status == m.ProjectStatus.ACTIVE)
        .order_by(m.Project.id)
    )
    co_workers = dict((await session.execute(
        select(m.User.name, m.CoWorker.id).join(m.CoWorker, m.CoWorker.user_id == m.User.id)
        .where(m.CoWorker.company_id == company.id)
    )).all())
    for i, (name, assignee) in enumerate(TASKS[company.database_name]):
        await create_task_in(session, admin, TaskDraft(
            company_id=company.id, name=name, project_id=project.id, assignee_id=co_workers[assignee],
            due_date=first_monday + dt.timedelta(weeks=i + 1),
            status=m.TaskStatus.DONE if i == len(TASKS[company.database_name]) - 1 else m.TaskStatus.OPEN,
        ))
