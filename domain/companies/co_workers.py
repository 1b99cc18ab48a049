"""Making a person a co-worker of a company: the user by email, invited with the role, title and rates."""
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.events import log as events
from domain.platform.db import Database
from domain.platform.errors import Duplicate
from domain.model import Company, CoWorker, Project, ProjectMember, Role, User
from domain.model.partners import CoWorkerInvitation
from domain.companies import invitations
from domain.access.people import normalise_email
from domain.access.policy import require_company_role
from domain.access.viewer import Viewer
from domain.partners.invitations import Invitation, delivery_of, send_invitations
from domain.projects import secondary as secondary_projects
from domain.access.lookup import load_visible
from domain.platform.validation import clean_email, clean_money, clean_name, clean_optional_text


@dataclass
class CoWorkerDraft:
    company_id: int
    email: str
    role: Role
    name: str | None = None  # used only when the email is new to partnergraph
    title: str | None = None
    hourly_rate: Decimal | None = None
    hourly_cost: Decimal | None = None


def clean_person(email: str | None, name: str | None, *, email_field: str, name_field: str) -> tuple[str, str | None]:
    """The normalised email and, when given, the trimmed name of the person to find or make."""
    email = clean_email(normalise_email(email or ""), field=email_field)
    return email, None if name is None or not name.strip() else clean_name(name, field=name_field)


async def user_for_email(session: AsyncSession, email: str, name: str | None) -> User:
    """The user with that (normalised) email, made when there is none; an existing user keeps their name."""
    user = await session.scalar(select(User).where(User.email == email))
    if user is None:
        user = User(email=email, name=name or email.split("@")[0])
        session.add(user)
        await session.flush()
    return user


async def create_co_worker(db: Database, viewer: Viewer, draft: CoWorkerDraft) -> Invitation:
    """Admins add a person by email; nobody is attached to a company without consent (SPEC §8): the person gets
    an invitation and becomes an internal co-worker (home company = the company) only when they accept it
    (domain.companies.invitations). A new email gets its user (with `name`) so they can sign in to answer. The
    answer is the same for a new email as for someone else's, and holds only what the admin typed."""
    inviter = require_company_role(viewer, draft.company_id, [Role.ADMIN], field="companyId")
    email, name = clean_person(draft.email, draft.name, email_field="email", name_field="name")
    title = clean_optional_text(draft.title, field="title")
    hourly_rate = clean_money(draft.hourly_rate, field="hourlyRate")
    hourly_cost = clean_money(draft.hourly_cost, field="hourlyCost")
    async with db.transaction() as session:
        company = await session.get(Company, draft.company_id)
        user = await user_for_email(session, email, name)
        taken = await session.scalar(
            select(CoWorker.id).where(CoWorker.company_id == draft.company_id, CoWorker.user_id == user.id)
        )
        if taken is not None:
            raise Duplicate(f"{email} is already a co-worker of the company.", field="email")
        invited = await session.scalar(select(CoWorkerInvitation.id).where(
            CoWorkerInvitation.company_id == draft.company_id, CoWorkerInvitation.user_id == user.id,
            invitations.waiting_for_consent()))
        if invited is not None:
            raise Duplicate(f"{email} is already invited to the company.", field="email")
        invitation = CoWorkerInvitation(
            company_id=draft.company_id, user_id=user.id, email=email, role=draft.role, title=title,
            hourly_rate=hourly_rate, hourly_cost=hourly_cost, invited_by_id=inviter.co_worker_id,
            delivery=delivery_of(db.settings),
        )
        session.add(invitation)
    result = Invitation(None, invitation, company.name)
    await send_invitations(db.settings, [result])
    return result


async def deactivate_co_worker(db: Database, viewer: Viewer, co_worker_id: int) -> CoWorker:
    """An admin deactivates a co-worker; their hours stay. Deactivated in their home company, the person is
    deactivated as an external co-worker in every partner company too, and leaves those companies' projects
    (and so the secondary projects of them: SPEC §3)."""
    async with db.transaction() as session:
        co_worker = await load_visible(session, viewer, CoWorker, co_worker_id, field="id", noun="co-worker")
        require_company_role(viewer, co_worker.company_id, [Role.ADMIN], field="id")
        co_worker.active = False
        leaving = [co_worker] if co_worker.is_external else []
        if not co_worker.is_external:
            leaving += list(await session.scalars(select(CoWorker).where(
                CoWorker.user_id == co_worker.user_id, CoWorker.home_company_id == co_worker.company_id,
                CoWorker.company_id != co_worker.company_id, CoWorker.active.is_(True),
            )))
        for external in leaving:
            external.active = False
            memberships = list(await session.scalars(
                select(ProjectMember).where(ProjectMember.co_worker_id == external.id)))
            for membership in memberships:
                project = await session.get(Project, membership.project_id)
                await session.delete(membership)
                events.record(session, events.ProjectAction.MEMBER_REMOVED, project, subject=external)
                await secondary_projects.leave_secondary_project(session, project, external)
    return co_worker
