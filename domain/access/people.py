"""Users and co-workers: identity rules shared by the services."""
from sqlalchemy.ext.asyncio import AsyncSession

from domain.model import CoWorker
from domain.platform.errors import InvalidInput, NotFound


def normalise_email(email: str) -> str:
    """Emails identify users case-insensitively; we store them trimmed and lower-cased."""
    return email.strip().lower()


async def active_co_worker(session: AsyncSession, company_id: int, co_worker_id: int, *, field: str) -> CoWorker:
    """A co-worker named in an input (a member, a leader, an assignee, whose hours): one of the company's, active."""
    co_worker = await session.get(CoWorker, co_worker_id)
    if co_worker is None or co_worker.company_id != company_id:
        raise NotFound("No such co-worker.", field=field)
    if not co_worker.active:
        raise InvalidInput("The co-worker is not active.", field=field)
    return co_worker
