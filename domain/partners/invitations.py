"""Inviting co-workers from partner companies (SPEC §3): the external co-worker record is made at once, so
they can be put on projects before they accept; the invitation is recorded, then mailed or logged (sending is
shared with the invitations that wait for consent, domain.companies.invitations)."""
import asyncio
import logging
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage

from sqlalchemy import and_, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.platform.db import Database
from domain.platform.errors import Duplicate, InvalidInput, NotFound, NotInPartnerGroup
from domain.model import Company, CoWorker, Role, User
from domain.model.partners import CoWorkerInvitation
from domain.access.partner_visibility import group_companies_of
from domain.access.people import normalise_email
from domain.access.policy import require_company_role
from domain.access.viewer import Viewer
from domain.partners.links import require_partner_companies
from domain.platform.settings import Settings
from domain.platform.validation import clean_email

log = logging.getLogger("partnergraph.invitations")


@dataclass
class Invitation:
    co_worker: CoWorker | None  # None until accepted, for an invitation that waits for consent
    invitation: CoWorkerInvitation
    company_name: str


def delivery_of(settings: Settings) -> str:
    return "SMTP" if settings.smtp_host else "LOG"


async def _inviting_company(session: AsyncSession, viewer: Viewer, company_id: int) -> tuple[Company, int]:
    membership = require_company_role(viewer, company_id, [Role.ADMIN], field="companyId")
    # Partner companies on and PRO are checked once the partner is known to be in the group: towards a company
    # outside it (every company, for one in no group) the answer is the neutral one given for a missing one.
    return await session.get(Company, company_id), membership.co_worker_id


def _home_records(user_ids_clause, company_id: int):
    """Active internal co-worker records of these users in the other companies of `company_id`'s group."""
    return select(CoWorker).where(
        user_ids_clause, CoWorker.active.is_(True), CoWorker.home_company_id == CoWorker.company_id,
        CoWorker.company_id.in_(group_companies_of([company_id])), CoWorker.company_id != company_id,
    ).order_by(CoWorker.id)


def _external_record(company_id: int, home: CoWorker, role: Role) -> CoWorker:
    # Rates are the inviting company's business: they start empty, not copied from the home company.
    return CoWorker(company_id=company_id, user_id=home.user_id, home_company_id=home.company_id, role=role,
                    title=home.title)


def _invitation_of(co_worker: CoWorker, email: str, inviter_id: int, settings: Settings) -> CoWorkerInvitation:
    return CoWorkerInvitation(company_id=co_worker.company_id, user_id=co_worker.user_id, co_worker_id=co_worker.id,
                              email=email, role=co_worker.role, title=co_worker.title, invited_by_id=inviter_id,
                              delivery=delivery_of(settings))


async def invite_co_worker(db: Database, viewer: Viewer, company_id: int, email: str, role: Role = Role.EXTERNAL
                           ) -> Invitation:
    """An admin invites a co-worker of another company in the group by email."""
    email = clean_email(normalise_email(email or ""), field="email")
    async with db.transaction() as session:
        company, inviter_id = await _inviting_company(session, viewer, company_id)
        # An unknown email and someone's outside the group get the same answer: it tells nobody who has an account.
        user = await session.scalar(select(User).where(User.email == email))
        home = None if user is None else await session.scalar(_home_records(CoWorker.user_id == user.id, company_id))
        if home is None:
            raise NotInPartnerGroup(f"{email} is not an active co-worker of a company in your partner group.",
                                    field="email")
        require_partner_companies(company, field="companyId")
        taken = await session.scalar(
            select(CoWorker.id).where(CoWorker.company_id == company_id, CoWorker.user_id == user.id))
        if taken is not None:
            raise Duplicate(f"{email} is already a co-worker of the company.", field="email")
        co_worker = _external_record(company_id, home, role)
        session.add(co_worker)
        await session.flush()
        invitation = _invitation_of(co_worker, email, inviter_id, db.settings)
        session.add(invitation)
        await session.flush()
        await session.refresh(co_worker, ["user"])
    result = Invitation(co_worker, invitation, company.name)
    await send_invitations(db.settings, [result])
    return result


async def invite_all_co_workers(db: Database, viewer: Viewer, company_id: int, partner_company_id: int,
                               role: Role = Role.EXTERNAL) -> list[Invitation]:
    """An admin invites every active co-worker of a partner company who is not a co-worker here yet."""
    async with db.transaction() as session:
        company, inviter_id = await _inviting_company(session, viewer, company_id)
        already = select(CoWorker.user_id).where(CoWorker.company_id == company_id)
        homes = list(await session.scalars(_home_records(
            and_(CoWorker.company_id == partner_company_id, CoWorker.user_id.not_in(already)), company_id)))
        if not homes and partner_company_id not in set(await session.scalars(group_companies_of([company_id]))):
            raise NotFound("No such company in your partner group.", field="partnerCompanyId")
        require_partner_companies(company, field="companyId")
        if partner_company_id == company_id:
            raise InvalidInput("Choose a partner company, not this one.", field="partnerCompanyId")
        co_workers = [_external_record(company_id, home, role) for home in homes]
        session.add_all(co_workers)
        await session.flush()
        invitations = [_invitation_of(c, home.user.email, inviter_id, db.settings)
                       for c, home in zip(co_workers, homes, strict=True)]
        session.add_all(invitations)
        await session.flush()
        for c in co_workers:
            await session.refresh(c, ["user"])
    results = [Invitation(c, i, company.name) for c, i in zip(co_workers, invitations, strict=True)]
    await send_invitations(db.settings, results)
    return results


# --- sending -----------------------------------------------------------------------------------


def invitation_message(settings: Settings, item: Invitation) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.smtp_from
    message["To"] = item.invitation.email
    message["Subject"] = f"You are invited to {item.company_name} on partnergraph"
    if item.co_worker is None:
        # Consent first: the mail, like the inviting company, knows only the address it typed.
        message.set_content(
            f"Hello,\n\n{item.company_name} has invited you to join it on partnergraph. Nothing changes until you "
            "sign in and accept (coWorkerInvitationAccept); you may also decline (coWorkerInvitationDecline).\n"
        )
        return message
    message.set_content(
        f"Hello {item.co_worker.user.name},\n\n{item.company_name} has invited you as an external co-worker. "
        "You can already be added to its projects; you register your hours in your own company.\n"
    )
    return message


def _send_by_smtp(settings: Settings, messages: list[EmailMessage]) -> None:
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=10) as smtp:
        for message in messages:
            smtp.send_message(message)


async def send_invitations(settings: Settings, items: list[Invitation]) -> None:
    """After the commit: mail the invitations, or log them when no SMTP server is configured. A mail server
    that is down does not undo the invitation (it is recorded; the co-worker can already be staffed)."""
    if not items:
        return
    if not settings.smtp_host:
        for item in items:
            log.info("invitation to %s from %s (no SMTP server configured: logged only)",
                     item.invitation.email, item.company_name)
        return
    try:
        await asyncio.to_thread(_send_by_smtp, settings, [invitation_message(settings, i) for i in items])
    except (OSError, smtplib.SMTPException):
        log.exception("sending %d invitation(s) by SMTP failed", len(items))

