"""Finding the rows a use case acts on, as the viewer may see them.

A row the viewer may not read is reported exactly like a missing one (NotFound), so a
refused id tells nothing about another company; a row they may read but not change is
refused later by the write checks of domain.policy (Forbidden).
"""
from collections.abc import Iterable
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import Forbidden, NotFound
from domain.model import Role
from domain.policy import Membership, Viewer, visible

M = TypeVar("M")


async def load_visible(session: AsyncSession, viewer: Viewer, model: type[M], pk: int, *, field: str, noun: str) -> M:
    row = await session.scalar(select(model).where(model.id == pk, visible(viewer, model)))  # type: ignore[attr-defined]
    if row is None:
        raise NotFound(f"No such {noun}.", field=field)
    return row


def require_company_role(viewer: Viewer, company_id: int, roles: Iterable[Role], *, field: str) -> Membership:
    """The viewer's membership in a company named by the input: a foreign company looks missing."""
    membership = viewer.membership(company_id)
    if membership is None:
        raise NotFound("No such company.", field=field)
    if membership.role not in set(roles):
        raise Forbidden("You are not allowed to do this in that company.", field=field)
    return membership
