"""A company's webhook endpoints, managed by its admins: create, update, pause, resume, delete, rotate the secret,
replay from a cursor. The signing secret is shown once (at creation and rotation) and stored encrypted."""
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.access.lookup import load_visible
from domain.access.policy import require_company_role
from domain.access.viewer import Viewer
from domain.events.log import EventFilter, check_cursor, log_bounds
from domain.model import Event, EventKind, Project, Role, WebhookAttempt, WebhookEndpoint, WebhookState, utcnow
from domain.platform import jobs
from domain.platform.db import Database
from domain.platform.errors import DomainError, DomainErrors, InvalidInput, NotFound
from domain.platform.settings import Settings
from domain.platform.validation import clean_optional_text
from domain.sharepoint.configuration import SecretBox
from domain.webhooks.addresses import check_url_host, clean_url
from domain.webhooks.signing import new_secret

DELIVER = "webhooks.deliver"
SECRET_FIELD = "secret"


@dataclass(frozen=True)
class WithSecret:
    """An endpoint and its new signing secret in plain text: answered once, never stored so."""

    endpoint: WebhookEndpoint
    secret: str


def event_filter(endpoint: WebhookEndpoint) -> EventFilter:
    """The events an endpoint is sent (before the read rule of its creator): its company's, of its kinds."""
    return EventFilter(frozenset(EventKind(kind) for kind in endpoint.event_kinds), company_id=endpoint.company_id,
                       project_id=endpoint.project_id)


def clean_kinds(kinds: list[str] | None, *, field: str = "eventKinds") -> list[str]:
    if not kinds:
        raise InvalidInput("Name at least one kind of event to send.", field=field)
    return sorted({EventKind(kind).value for kind in kinds})


def schedule(session: AsyncSession, endpoint: WebhookEndpoint) -> None:
    """Queues the endpoint's delivery job unless one is queued or running (one at a time keeps the order)."""
    if endpoint.state is WebhookState.ACTIVE and not endpoint.scheduled:
        endpoint.scheduled = True
        jobs.enqueue(session, DELIVER, {"endpoint": endpoint.id})


async def _project_of(session: AsyncSession, viewer: Viewer, company_id: int, project_id: int | None) -> int | None:
    if project_id is None:
        return None
    project = await load_visible(session, viewer, Project, project_id, field="projectId", noun="project")
    if project.company_id != company_id:
        raise NotFound("No such project in this company.", field="projectId")
    return project.id


async def _checked_values(session: AsyncSession, viewer: Viewer, company_id: int, changes: Mapping[str, Any], *,
                          settings: Settings) -> dict[str, Any]:
    """The columns `changes` set, validated; every problem at once."""
    values: dict[str, Any] = {}
    errors: list[DomainError] = []
    checks = {
        "url": lambda: _url(changes["url"], settings),
        "event_kinds": lambda: clean_kinds(changes["event_kinds"]),
        "description": lambda: clean_optional_text(changes["description"], field="description"),
        "project_id": lambda: _project_of(session, viewer, company_id, changes["project_id"]),
    }
    for key, check in checks.items():
        if key not in changes:
            continue
        try:
            value = check()
            values[key] = await value if hasattr(value, "__await__") else value
        except DomainError as error:
            errors.append(error)
    if errors:
        raise errors[0] if len(errors) == 1 else DomainErrors(errors)
    return values


async def _url(value: str | None, settings: Settings) -> str:
    if value is None:
        raise InvalidInput("A URL is required.", field="url")
    allow = settings.webhook_allow_private_addresses
    url = clean_url(value, allow_private=allow)
    await check_url_host(url, allow_private=allow)
    return url


async def create_endpoint(db: Database, viewer: Viewer, company_id: int, changes: Mapping[str, Any], *,
                          box: SecretBox) -> WithSecret:
    """A new endpoint of the company (admins only), sent the events committed from now on."""
    async with db.transaction() as session:
        require_company_role(viewer, company_id, [Role.ADMIN], field="companyId")
        values = await _checked_values(session, viewer, company_id, {"event_kinds": None, **changes},
                                       settings=db.settings)
        secret = new_secret()
        endpoint = WebhookEndpoint(
            company_id=company_id, created_by_user_id=viewer.user_id, state=WebhookState.ACTIVE,
            secret_encrypted=box.seal(secret, field=SECRET_FIELD), scheduled=False,
            cursor=(await log_bounds(session)).last_event_id, **values,
        )
        session.add(endpoint)
        await session.flush()
    return WithSecret(endpoint, secret)


async def _endpoint_to_change(session: AsyncSession, viewer: Viewer, endpoint_id: int) -> WebhookEndpoint:
    endpoint = await session.scalar(select(WebhookEndpoint).where(WebhookEndpoint.id == endpoint_id)
                                    .with_for_update())
    if endpoint is None or viewer.membership(endpoint.company_id) is None:
        raise NotFound("No such webhook endpoint.", field="id")
    require_company_role(viewer, endpoint.company_id, [Role.ADMIN], field="id")
    return endpoint


async def update_endpoint(db: Database, viewer: Viewer, endpoint_id: int, changes: Mapping[str, Any]) -> WebhookEndpoint:
    """Changes what is given of url, eventKinds, projectId (null: every project) and description."""
    async with db.transaction() as session:
        endpoint = await _endpoint_to_change(session, viewer, endpoint_id)
        values = await _checked_values(session, viewer, endpoint.company_id, changes, settings=db.settings)
        for key, value in values.items():
            setattr(endpoint, key, value)
        endpoint.updated_at = utcnow()
    return endpoint


async def pause_endpoint(db: Database, viewer: Viewer, endpoint_id: int) -> WebhookEndpoint:
    """Holds deliveries; events keep accumulating behind the endpoint's cursor."""
    async with db.transaction() as session:
        endpoint = await _endpoint_to_change(session, viewer, endpoint_id)
        endpoint.state, endpoint.updated_at = WebhookState.PAUSED, utcnow()
    return endpoint


async def resume_endpoint(db: Database, viewer: Viewer, endpoint_id: int) -> WebhookEndpoint:
    """A paused or disabled endpoint is active again and is sent its backlog, in order."""
    async with db.transaction() as session:
        endpoint = await _endpoint_to_change(session, viewer, endpoint_id)
        endpoint.state, endpoint.updated_at = WebhookState.ACTIVE, utcnow()
        endpoint.failing_since = endpoint.disabled_at = None
        schedule(session, endpoint)
    return endpoint


async def delete_endpoint(db: Database, viewer: Viewer, endpoint_id: int) -> int:
    async with db.transaction() as session:
        endpoint = await _endpoint_to_change(session, viewer, endpoint_id)
        await session.execute(delete(WebhookAttempt).where(WebhookAttempt.endpoint_id == endpoint.id))
        await session.delete(endpoint)
    return endpoint_id


async def rotate_secret(db: Database, viewer: Viewer, endpoint_id: int, *, overlap_seconds: int | None,
                        box: SecretBox) -> WithSecret:
    """A new signing secret; the one it replaces signs too for `overlap_seconds` (the setting by default)."""
    overlap = db.settings.webhook_secret_overlap_seconds if overlap_seconds is None else overlap_seconds
    if not 0 <= overlap <= 30 * 24 * 3600:
        raise InvalidInput("The overlap is 0 to 2592000 seconds (30 days).", field="overlapSeconds")
    async with db.transaction() as session:
        endpoint = await _endpoint_to_change(session, viewer, endpoint_id)
        secret = new_secret()
        endpoint.previous_secret_encrypted = endpoint.secret_encrypted if overlap else None
        endpoint.previous_secret_expires_at = utcnow() + dt.timedelta(seconds=overlap) if overlap else None
        endpoint.secret_encrypted = box.seal(secret, field=SECRET_FIELD)
        endpoint.updated_at = utcnow()
    return WithSecret(endpoint, secret)


async def replay_endpoint(db: Database, viewer: Viewer, endpoint_id: int, after: int) -> WebhookEndpoint:
    """Sends again every event after the cursor `after` (each with its original webhook-id), then what follows."""
    async with db.transaction() as session:
        endpoint = await _endpoint_to_change(session, viewer, endpoint_id)
        check_cursor(after, await log_bounds(session), field="after")
        endpoint.cursor, endpoint.updated_at = after, utcnow()
        schedule(session, endpoint)
    return endpoint


# --- reads ------------------------------------------------------------------


async def endpoints_of(db: Database, viewer: Viewer, company_id: int) -> list[WebhookEndpoint]:
    """The company's endpoints for its admins; none for anyone else."""
    membership = viewer.membership(company_id)
    if membership is None or membership.role is not Role.ADMIN:
        return []
    async with db.read() as session:
        return list(await session.scalars(select(WebhookEndpoint).where(WebhookEndpoint.company_id == company_id)
                                          .order_by(WebhookEndpoint.id)))


async def pending_count(session: AsyncSession, endpoint: WebhookEndpoint) -> int:
    """Events after the endpoint's cursor that it may be sent (before its creator's read rule is applied)."""
    return await session.scalar(select(func.count(Event.id)).where(
        Event.id > endpoint.cursor, event_filter(endpoint).clause())) or 0


async def failed_count(session: AsyncSession, endpoint: WebhookEndpoint) -> int:
    """Failed attempts in the endpoint's delivery log."""
    return await session.scalar(select(func.count(WebhookAttempt.id)).where(
        WebhookAttempt.endpoint_id == endpoint.id, WebhookAttempt.succeeded.is_(False))) or 0


def unschedule_if_idle(endpoint_id: int, cursor: int):
    """The statement that marks an endpoint's job finished, only if nobody moved its cursor meanwhile."""
    return update(WebhookEndpoint).where(WebhookEndpoint.id == endpoint_id, WebhookEndpoint.cursor == cursor) \
        .values(scheduled=False)


async def attempt_count(db: Database, endpoint_id: int) -> int:
    async with db.read() as session:
        return await session.scalar(select(func.count(WebhookAttempt.id)).where(
            WebhookAttempt.endpoint_id == endpoint_id)) or 0
