"""Atomic allocation of project and customer numbers from a company's number series."""
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.model import NumberSeries, SeriesKind


async def allocate_number(session: AsyncSession, company_id: int, kind: SeriesKind) -> int:
    """Takes the next number; the UPDATE holds the series row until commit, so no two callers get one number."""
    # Group policy (drawing from the main company's series) arrives with partner groups.
    number = await session.scalar(
        update(NumberSeries)
        .where(NumberSeries.company_id == company_id, NumberSeries.kind == kind)
        .values(next_number=NumberSeries.next_number + 1)
        .returning(NumberSeries.next_number - 1)
    )
    if number is None:
        raise LookupError(f"company {company_id} has no {kind} series")
    return number


def new_series(company_id: int) -> list[NumberSeries]:
    """The series a new company starts with: projects from 1000, customers from 10000."""
    return [
        NumberSeries(company_id=company_id, kind=SeriesKind.PROJECT, next_number=1000),
        NumberSeries(company_id=company_id, kind=SeriesKind.CUSTOMER, next_number=10000),
    ]


