"""The invited person's side of co-worker invitations: the ones waiting for their answer, accepting, declining.

An invitation from coWorkerCreate grants nothing until it is accepted (SPEC §8): there is no co-worker record,
so no sign-in (API token or OpenID Connect), list or access rule can see a membership. Accepting makes the
record with the role, title and rates the invitation offered. A partner company's invitation (SPEC §3) made
the record at once; accepting it only tells the company the person has seen it.
"""
from sqlalchemy import ColumnElement, and_, false, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.access.viewer import Viewer
from domain.model import Company, CoWorker, utcnow
from domain.model.partners import CoWorkerInvitation
from domain.partners.invitations import Invitation
from domain.platform.db import Database
from domain.platform.errors import Duplicate, InvalidInput, NotFound


def waiting_for_consent() -> ColumnElement[bool]:
    """Invitations that made no co-worker record yet and were not declined (the model's partial unique index
    `uq_co_worker_invitations_open` allows one per person and company)."""
    return and_(CoWorkerInvitation.co_worker_id.is_(None), CoWorkerInvitation.declined_at.is_(None))


def _answerable_by(viewer: Viewer) -> ColumnElement[bool]:
    """The viewer's own invitations; a token limited to one company answers none to another."""
    if viewer.user_id is None:
        return false()
    mine = CoWorkerInvitation.user_id == viewer.user_id
    if viewer.limited_to_company_id is None:
        return mine
    return and_(mine, CoWorkerInvitation.company_id == viewer.limited_to_company_id)


async def open_invitations(db: Database, viewer: Viewer) -> list[Invitation]:
    """The invitations waiting for the viewer's answer (neither accepted nor declined), newest first."""
    async with db.read() as session:
        rows = list(await session.execute(
            select(CoWorkerInvitation, Company.name).join(Company, Company.id == CoWorkerInvitation.company_id)
            .where(_answerable_by(viewer), CoWorkerInvitation.accepted_at.is_(None),
                   CoWorkerInvitation.declined_at.is_(None))
            .order_by(CoWorkerInvitation.id.desc())))
        records = {c.id: c for c in await session.scalars(
            select(CoWorker).where(CoWorker.id.in_([i.co_worker_id for i, _ in rows if i.co_worker_id])))}
    return [Invitation(records.get(i.co_worker_id), i, name) for i, name in rows]


async def _latest(session: AsyncSession, viewer: Viewer, company_id: int) -> CoWorkerInvitation:
    invitation = await session.scalar(
        select(CoWorkerInvitation)
        .where(_answerable_by(viewer), CoWorkerInvitation.company_id == company_id,
               CoWorkerInvitation.declined_at.is_(None))
        # Locked: an accept and a decline of one invitation at once cannot both win.
        .order_by(CoWorkerInvitation.id.desc()).limit(1).with_for_update())
    if invitation is None:
        raise NotFound("No invitation to that company.", field="companyId")
    return invitation


async def accept_invitation(db: Database, viewer: Viewer, company_id: int) -> Invitation:
    """The invited person accepts their invitation to `company_id`: from now on they are its co-worker, and their
    tokens and sign-ins reach it. Accepting again changes nothing."""
    async with db.transaction() as session:
        invitation = await _latest(session, viewer, company_id)
        if invitation.co_worker_id is None:
            taken = await session.scalar(select(CoWorker.id).where(
                CoWorker.company_id == company_id, CoWorker.user_id == invitation.user_id))
            if taken is not None:
                raise Duplicate("You are already a co-worker of that company.", field="companyId")
            co_worker = CoWorker(
                company_id=company_id, user_id=invitation.user_id, home_company_id=company_id, role=invitation.role,
                title=invitation.title, hourly_rate=invitation.hourly_rate, hourly_cost=invitation.hourly_cost,
            )
            session.add(co_worker)
            await session.flush()
            invitation.co_worker_id = co_worker.id
        invitation.accepted_at = invitation.accepted_at or utcnow()
        co_worker = await session.get(CoWorker, invitation.co_worker_id)
        await session.refresh(co_worker, ["user"])
        company = await session.get(Company, company_id)
    return Invitation(co_worker, invitation, company.name)


async def decline_invitation(db: Database, viewer: Viewer, company_id: int) -> Invitation:
    """The invited person declines an invitation that waits for their consent; nothing of the company was theirs,
    and the company may invite them again."""
    async with db.transaction() as session:
        invitation = await _latest(session, viewer, company_id)
        if invitation.co_worker_id is not None:
            raise InvalidInput("You are already a co-worker of that company (an admin can deactivate you there).",
                               field="companyId")
        invitation.declined_at = utcnow()
        company = await session.get(Company, company_id)
    return Invitation(None, invitation, company.name)
