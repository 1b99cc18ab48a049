"""Atomic allocation of project, customer and internal invoice numbers from a company's number series, or its group's.

A series is one row per company and kind; taking a number is one UPDATE … RETURNING on that row, which
holds the row until commit (PostgreSQL row lock; SQLite's single writer), so no two transactions, in
any number of server processes, get the same number. A company whose policy for the kind is GROUP and
which is in a partner group draws from the main company's series instead (SPEC §2.5).
"""
from sqlalchemy import and_, case, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.model import Customer, InternalInvoice, NumberSeries, PartnerGroup, PartnerGroupMember, Project, SeriesKind, SeriesPolicy

# The numbers already taken in a company, per kind: a series never hands out one of them again.
NUMBERED = {SeriesKind.PROJECT: Project, SeriesKind.CUSTOMER: Customer, SeriesKind.INVOICE: InternalInvoice}


def drawing_company(company_id: int, policy: SeriesPolicy, main_company_id: int | None) -> int:
    """The company whose series `company_id` draws from: the group's main company under GROUP, else its own."""
    if policy == SeriesPolicy.GROUP and main_company_id is not None:
        return main_company_id
    return company_id


async def series_source(session: AsyncSession, company_id: int, kind: SeriesKind) -> int:
    current = and_(PartnerGroupMember.company_id == NumberSeries.company_id, PartnerGroupMember.left_at.is_(None))
    row = (
        await session.execute(
            select(NumberSeries.policy, PartnerGroup.main_company_id)
            .select_from(NumberSeries)
            .outerjoin(PartnerGroupMember, current)
            .outerjoin(PartnerGroup, PartnerGroup.id == PartnerGroupMember.group_id)
            .where(NumberSeries.company_id == company_id, NumberSeries.kind == kind)
        )
    ).first()
    if row is None:
        raise LookupError(f"company {company_id} has no {kind} series")
    return drawing_company(company_id, row.policy, row.main_company_id)


async def allocate_number(session: AsyncSession, company_id: int, kind: SeriesKind) -> int:
    """Takes the next number for a new project or customer of `company_id`.

    The number is also kept above every number the company already uses: a company that switches
    between its own series and the group's (or joins or leaves a group) never gets a number twice.
    """
    source = await series_source(session, company_id, kind)
    numbered = NUMBERED[kind]
    used = select(func.max(numbered.number)).where(numbered.company_id == company_id).scalar_subquery()
    floor = func.coalesce(used, 0) + 1
    number = case((NumberSeries.next_number >= floor, NumberSeries.next_number), else_=floor)
    taken = await session.scalar(
        update(NumberSeries)
        .where(NumberSeries.company_id == source, NumberSeries.kind == kind)
        .values(next_number=number + 1)
        .returning(NumberSeries.next_number - 1)  # RETURNING sees the new row: the number just taken
    )
    if taken is None:
        raise LookupError(f"company {source} has no {kind} series")
    return taken


def new_series(company_id: int) -> list[NumberSeries]:
    """The series a new company starts with: projects from 1000, customers from 10000, internal invoices from 1."""
    return [
        NumberSeries(company_id=company_id, kind=SeriesKind.PROJECT, next_number=1000),
        NumberSeries(company_id=company_id, kind=SeriesKind.CUSTOMER, next_number=10000),
        NumberSeries(company_id=company_id, kind=SeriesKind.INVOICE, next_number=1),
    ]
