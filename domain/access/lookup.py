"""Finding the rows a use case acts on, as the viewer may see them.

A row the viewer may not read is reported exactly like a missing one (NotFound), so a
refused id tells nothing about another company; a row they may read but not change is
refused afterwards by the write checks of domain.access.policy (Forbidden).
"""
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.platform.errors import NotFound
from domain.access.policy import visible
from domain.access.viewer import Viewer

M = TypeVar("M")


async def load_visible(session: AsyncSession, viewer: Viewer, model: type[M], pk: int, *, field: str, noun: str) -> M:
    row = await session.scalar(select(model).where(model.id == pk, visible(viewer, model)))  # type: ignore[attr-defined]
    if row is None:
        raise NotFound(f"No such {noun}.", field=field)
    return row
