"""Registering a partner group (the operator, SPEC §2.4) and leaving one (a member company's admin).

Registration is refused, with one error per missing step, until every company is ready and every pair
of them is linked both ways. Leaving never deletes what was shared: customers, projects, links and
numbers stay; the company simply stops sharing from then on, and its number series go back to OWN.
"""
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.platform.db import Database
from domain.platform.errors import DomainError, DomainErrors, InvalidInput, NotFound, NotInPartnerGroup
from domain.model import (
    Company,
    NumberSeries,
    PartnerGroup,
    PartnerGroupMember,
    PartnerLink,
    Role,
    SeriesPolicy,
    utcnow,
)
from domain.partners.setup import MissingStep, dissolves_group, group_steps
from domain.access.policy import require_company_role, require_operator
from domain.access.viewer import Viewer
from domain.partners.links import facts, link_facts
from domain.platform.validation import clean_optional_text

# A partner group holds 2 to 8 companies: sister companies that staff projects together, not a marketplace.
# Groups never gain members after registration (a new group is registered instead), so a group's members,
# former ones included, and a main project's secondaries (one per other company, see secondary_projects) stay
# within it; the query cost counts on that (gql/protection/cost.py, LIST_BOUNDS).
MAX_GROUP_SIZE = 8


class PartnerGroupIncomplete(DomainErrors):
    """Registration refused: one error per missing step, and the steps themselves for the payload."""

    def __init__(self, steps: Sequence[MissingStep], field_of: dict[int, str]) -> None:
        self.steps = list(steps)
        super().__init__(step.error(field_of[step.company.id]) for step in self.steps)


@dataclass
class GroupDraft:
    company_ids: list[int]
    main_company_id: int
    name: str | None = None


def check_group_draft(draft: GroupDraft) -> None:
    """The shape of the input: 2 to MAX_GROUP_SIZE different companies, the main one among them."""
    errors: list[DomainError] = []
    if len(draft.company_ids) > MAX_GROUP_SIZE:
        raise InvalidInput(f"At most {MAX_GROUP_SIZE} companies.", field="companyIds")
    seen: set[int] = set()
    for index, company_id in enumerate(draft.company_ids):
        if company_id in seen:
            errors.append(InvalidInput("The company is named twice.", field=f"companyIds.{index}"))
        seen.add(company_id)
    if len(seen) < 2:
        errors.append(InvalidInput("A group has at least two companies.", field="companyIds"))
    if draft.main_company_id not in seen:
        errors.append(InvalidInput("The main company must be one of the group's companies.", field="mainCompanyId"))
    if errors:
        raise DomainErrors(errors)


async def register_partner_group_in(session: AsyncSession, viewer: Viewer, draft: GroupDraft) -> PartnerGroup:
    require_operator(viewer)
    check_group_draft(draft)
    name = clean_optional_text(draft.name, field="name")
    ids = draft.company_ids
    companies = {c.id: c for c in await session.scalars(select(Company).where(Company.id.in_(ids)))}
    unknown = [NotFound("No such company.", field=f"companyIds.{i}") for i, pk in enumerate(ids) if pk not in companies]
    if unknown:
        raise DomainErrors(unknown)
    groups = dict((await session.execute(
        select(PartnerGroupMember.company_id, PartnerGroupMember.group_id)
        .where(PartnerGroupMember.company_id.in_(ids), PartnerGroupMember.left_at.is_(None))
    )).all())
    links = {
        (link.company_id, link.partner_company_id): link_facts(link)
        for link in await session.scalars(
            select(PartnerLink).where(PartnerLink.company_id.in_(ids), PartnerLink.partner_company_id.in_(ids))
        )
    }
    steps = group_steps([facts(companies[pk], groups.get(pk)) for pk in ids], links)
    if steps:
        raise PartnerGroupIncomplete(steps, {pk: f"companyIds.{i}" for i, pk in enumerate(ids)})
    main = companies[draft.main_company_id]
    group = PartnerGroup(name=name or f"{main.name} group", main_company_id=main.id, registered_by_id=viewer.user_id)
    session.add(group)
    await session.flush()
    session.add_all(PartnerGroupMember(group_id=group.id, company_id=pk) for pk in ids)
    await session.flush()
    return group


async def register_partner_group(db: Database, viewer: Viewer, draft: GroupDraft) -> PartnerGroup:
    async with db.transaction() as session:
        return await register_partner_group_in(session, viewer, draft)


@dataclass
class LeaveOutcome:
    group: PartnerGroup
    dissolved: bool
    left_company_ids: list[int]


async def leave_partner_group(db: Database, viewer: Viewer, company_id: int) -> LeaveOutcome:
    """The company leaves its group; when it is the main company, or one member would remain, the group
    is dissolved and every member leaves with it (all in this one transaction)."""
    require_company_role(viewer, company_id, [Role.ADMIN], field="companyId")
    async with db.transaction() as session:
        membership = await session.scalar(
            select(PartnerGroupMember).where(
                PartnerGroupMember.company_id == company_id, PartnerGroupMember.left_at.is_(None)
            )
        )
        if membership is None:
            raise NotInPartnerGroup("The company is not in a partner group.", field="companyId")
        # Locks the group (PostgreSQL), so two members leaving at once see each other.
        group = await session.scalar(
            select(PartnerGroup).where(PartnerGroup.id == membership.group_id).with_for_update()
        )
        others = list(await session.scalars(
            select(PartnerGroupMember).where(
                PartnerGroupMember.group_id == group.id, PartnerGroupMember.left_at.is_(None),
                PartnerGroupMember.id != membership.id,
            )
        ))
        dissolved = dissolves_group(
            leaving_company_id=company_id, main_company_id=group.main_company_id, members_left=len(others)
        )
        leaving = [membership, *(others if dissolved else [])]
        now = utcnow()
        for member in leaving:
            member.left_at = now
        if dissolved:
            group.dissolved_at = now
        left_ids = [member.company_id for member in leaving]
        # GROUP only means something inside a group: a company outside one draws from its own series.
        await session.execute(
            update(NumberSeries).where(NumberSeries.company_id.in_(left_ids)).values(policy=SeriesPolicy.OWN)
        )
    return LeaveOutcome(group, dissolved, left_ids)
