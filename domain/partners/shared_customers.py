"""Shared customers (SPEC §2.6): while creating a customer, the same customer in the other companies of the
group (by organisation number or name), and what creating a customer from such a match copies.

Shown only when both companies share customers, and only to admins and project leaders: anyone else,
and any company outside the group, is told about no match at all.
"""
import re
from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.platform.db import Database
from domain.platform.errors import InvalidInput, NotFound
from domain.model import Contact, Customer, CustomerStatus
from domain.access.partner_visibility import may_look_up_shared_customers, shared_customer_clause
from domain.access.viewer import Viewer

MAX_MATCHES = 20
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class CustomerMatch:
    customer_id: int
    company_id: int
    name: str
    status: CustomerStatus
    organisation_number: str | None


def normalise_organisation_number(value: str | None) -> str | None:
    """`"912 345 678"` and `"912345678"` are one organisation number."""
    if value is None:
        return None
    cleaned = _SPACES.sub("", value)
    return cleaned or None


def normalise_name(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    return _SPACES.sub(" ", value.strip()).lower()


def same_organisation_number(normalised: str):
    """The clause matching customers with this (normalised) organisation number, spaces ignored."""
    return func.replace(Customer.organisation_number, " ", "") == normalised


def _matching(organisation_number: str | None, name: str | None):
    terms = []
    if organisation_number is not None:
        terms.append(same_organisation_number(organisation_number))
    if name is not None:
        terms.append(func.lower(Customer.name) == name)
    return or_(*terms)


async def find_customer_matches(
    db: Database, viewer: Viewer, company_id: int, *, organisation_number: str | None, name: str | None
) -> list[CustomerMatch]:
    if normalise_organisation_number(organisation_number) is None and normalise_name(name) is None:
        raise InvalidInput("Give an organisation number or a name to look for.", field="organisationNumber")
    async with db.read() as session:
        return await customer_matches_in(session, viewer, company_id, organisation_number=organisation_number,
                                         name=name)


async def customer_matches_in(
    session: AsyncSession, viewer: Viewer, company_id: int, *, organisation_number: str | None, name: str | None
) -> list[CustomerMatch]:
    """customerMatches' rule in the caller's session (customerCreate lists the matches of what it created)."""
    organisation_number = normalise_organisation_number(organisation_number)
    name = normalise_name(name)
    if (organisation_number is None and name is None) or not may_look_up_shared_customers(viewer, company_id):
        return []
    rows = await session.scalars(
        select(Customer)
        .where(shared_customer_clause(company_id), _matching(organisation_number, name))
        .order_by(Customer.company_id, Customer.id)
        .limit(MAX_MATCHES)
    )
    return [CustomerMatch(c.id, c.company_id, c.name, c.status, c.organisation_number) for c in rows]


async def shared_customer_source(
    session: AsyncSession, viewer: Viewer, company_id: int, customer_id: int, *, field: str
) -> tuple[Customer, list[Contact]]:
    """A customer of another group company that `company_id` may copy from, with its contact persons; one
    that is not a match the viewer could be shown looks missing."""
    customer = None
    if may_look_up_shared_customers(viewer, company_id):
        customer = await session.scalar(
            select(Customer).where(Customer.id == customer_id, shared_customer_clause(company_id))
        )
    if customer is None:
        raise NotFound("No customer to copy from: not a customer shared in the company's partner group.", field=field)
    contacts = list(await session.scalars(
        select(Contact).where(Contact.customer_id == customer.id).order_by(Contact.id)
    ))
    return customer, contacts
