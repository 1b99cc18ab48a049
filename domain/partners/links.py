"""The two-sided handshake (SPEC §2.2–2.3): an admin adds a partner by its databaseName, confirms it, and
attaches the customer that represents the partner; the partner's admins do the same the other way.

Each use case comes in two forms: `add_partner_link(db, …)` runs in its own transaction, and
`add_partner_link_in(session, …)` joins the caller's (the demo loads everything in one).
"""
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.platform.db import Database
from domain.platform.errors import Duplicate, InPartnerGroup, InvalidInput, NotFound, PartnerCompaniesDisabled, ProRequired
from domain.model import Company, Customer, PartnerGroupMember, PartnerLink, Role, Tier, utcnow
from domain.partners.setup import CompanyFacts, LinkFacts, MissingStep, pair_steps, settings_steps
from domain.access.policy import require_company_role, require_member
from domain.access.viewer import Viewer
from domain.access.lookup import load_visible
from domain.platform.validation import clean_database_name


def require_partner_companies(company: Company, *, field: str) -> None:
    """Partner features need PRO (SPEC §2) and the setting switched on."""
    if company.tier != Tier.PRO:
        raise ProRequired(f"{company.database_name} is a STANDARD company: partner companies need PRO.", field=field)
    if not company.partner_companies_enabled:
        raise PartnerCompaniesDisabled(
            f"{company.database_name} has not enabled partner companies in its settings.", field=field
        )


async def current_group_id(session: AsyncSession, company_id: int) -> int | None:
    return await session.scalar(
        select(PartnerGroupMember.group_id).where(
            PartnerGroupMember.company_id == company_id, PartnerGroupMember.left_at.is_(None)
        )
    )


async def in_same_group(session: AsyncSession, a: int, b: int) -> bool:
    group = await current_group_id(session, a)
    return group is not None and group == await current_group_id(session, b)


async def attached_customer_id(session: AsyncSession, company_id: int, partner_company_id: int) -> int | None:
    """The customer of `company_id` that represents `partner_company_id` (secondary projects are made for it)."""
    return await session.scalar(
        select(PartnerLink.customer_id).where(
            PartnerLink.company_id == company_id, PartnerLink.partner_company_id == partner_company_id
        )
    )


# --- the use cases ----------------------------------------------------------------


async def add_partner_link_in(session: AsyncSession, viewer: Viewer, company_id: int, partner_database_name: str) -> PartnerLink:
    membership = require_company_role(viewer, company_id, [Role.ADMIN], field="companyId")
    name = clean_database_name(partner_database_name, field="partnerDatabaseName")
    company = await session.get(Company, company_id)
    require_partner_companies(company, field="companyId")
    partner = await session.scalar(select(Company).where(Company.database_name == name))
    if partner is None:
        raise NotFound(f"No company has the database name '{name}'.", field="partnerDatabaseName")
    if partner.id == company.id:
        raise InvalidInput("A company cannot be its own partner.", field="partnerDatabaseName")
    taken = await session.scalar(
        select(PartnerLink.id).where(PartnerLink.company_id == company.id, PartnerLink.partner_company_id == partner.id)
    )
    if taken is not None:
        raise Duplicate(f"{company.database_name} has already added {name}.", field="partnerDatabaseName")
    link = PartnerLink(company_id=company.id, partner_company_id=partner.id, added_by_id=membership.co_worker_id)
    session.add(link)
    await session.flush()
    return link


async def add_partner_link(db: Database, viewer: Viewer, company_id: int, partner_database_name: str) -> PartnerLink:
    async with db.transaction() as session:
        return await add_partner_link_in(session, viewer, company_id, partner_database_name)


async def _own_link(session: AsyncSession, viewer: Viewer, link_id: int) -> tuple[PartnerLink, Company]:
    """A link the viewer may change: one their company made. The partner's admins see it, but it is not theirs."""
    link = await load_visible(session, viewer, PartnerLink, link_id, field="id", noun="partner link")
    require_member(viewer, link.company_id, [Role.ADMIN], field="id")
    company = await session.get(Company, link.company_id)
    require_partner_companies(company, field="id")
    return link, company


async def confirm_partner_link_in(session: AsyncSession, viewer: Viewer, link_id: int) -> PartnerLink:
    link, _ = await _own_link(session, viewer, link_id)
    if link.confirmed_at is None:
        link.confirmed_at = utcnow()
        link.confirmed_by_id = viewer.membership(link.company_id).co_worker_id  # type: ignore[union-attr]
        await session.flush()
    return link


async def confirm_partner_link(db: Database, viewer: Viewer, link_id: int) -> PartnerLink:
    async with db.transaction() as session:
        return await confirm_partner_link_in(session, viewer, link_id)


async def attach_partner_customer_in(
    session: AsyncSession, viewer: Viewer, link_id: int, customer_id: int | None
) -> PartnerLink:
    """Attaches the company's customer that represents the partner; None detaches it, which a registered
    group needs and therefore refuses while the two companies are in one. The use case, which also moves the
    open secondary projects to the new customer, is domain.projects.secondary_customer.attach_partner_customer."""
    link, _ = await _own_link(session, viewer, link_id)
    if customer_id is None:
        if await in_same_group(session, link.company_id, link.partner_company_id):
            raise InPartnerGroup(
                "The two companies are in a partner group, which needs this customer; attach another one instead.",
                field="customerId",
            )
    else:
        customer = await load_visible(session, viewer, Customer, customer_id, field="customerId", noun="customer")
        if customer.company_id != link.company_id:
            raise NotFound("No such customer.", field="customerId")
    link.customer_id = customer_id
    await session.flush()
    return link


async def remove_partner_link(db: Database, viewer: Viewer, link_id: int) -> int:
    """Withdraws the company's side of a link; refused while the two companies are in one group."""
    async with db.transaction() as session:
        link, _ = await _own_link(session, viewer, link_id)
        if await in_same_group(session, link.company_id, link.partner_company_id):
            raise InPartnerGroup("The two companies are in a partner group: leave the group first.", field="id")
        await session.delete(link)
    return link_id


# --- reading the state of every link of a company ----------------------------------


@dataclass
class PartnerPair:
    """A company and one partner it has a link with, in either direction, as its admins see it."""

    company_id: int
    partner_company_id: int
    ours: PartnerLink | None
    theirs: PartnerLink | None
    missing: list[MissingStep] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        """Both sides added, confirmed and attached their customer, and both have partner companies on."""
        return not self.missing


def facts(company: Company, group_id: int | None) -> CompanyFacts:
    return CompanyFacts(company.id, company.database_name, company.tier, company.partner_companies_enabled, group_id)


def link_facts(link: PartnerLink) -> LinkFacts:
    return LinkFacts(link.company_id, link.partner_company_id, link.confirmed, link.customer_id is not None)


async def read_partner_pairs(session: AsyncSession, company_ids: list[int]) -> dict[int, list[PartnerPair]]:
    """Every link to or from each of these companies, paired up by partner, with the steps still missing on
    both sides (the partners' own settings included). Three statements for any number of companies."""
    links = list(await session.scalars(
        select(PartnerLink).where(
            or_(PartnerLink.company_id.in_(company_ids), PartnerLink.partner_company_id.in_(company_ids))
        )
    ))
    involved = set(company_ids) | {link.company_id for link in links} | {link.partner_company_id for link in links}
    companies = {c.id: c for c in await session.scalars(select(Company).where(Company.id.in_(involved)))}
    groups = dict((await session.execute(
        select(PartnerGroupMember.company_id, PartnerGroupMember.group_id).where(
            and_(PartnerGroupMember.company_id.in_(involved), PartnerGroupMember.left_at.is_(None))
        )
    )).all())
    by_pair = {(link.company_id, link.partner_company_id): link for link in links}
    known = {key: link_facts(link) for key, link in by_pair.items()}
    partners: dict[int, set[int]] = defaultdict(set)
    for a, b in by_pair:
        partners[a].add(b)
        partners[b].add(a)
    result: dict[int, list[PartnerPair]] = {}
    for company_id in company_ids:
        pairs = []
        for partner_id in sorted(partners.get(company_id, ())):
            own, other = facts(companies[company_id], groups.get(company_id)), facts(companies[partner_id], groups.get(partner_id))
            missing = [*settings_steps(own), *settings_steps(other), *pair_steps(own, other, known)]
            pairs.append(PartnerPair(company_id, partner_id, by_pair.get((company_id, partner_id)),
                                     by_pair.get((partner_id, company_id)), missing))
        result[company_id] = pairs
    return result
