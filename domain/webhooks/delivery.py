"""Delivering a company's events to its webhook endpoints, in cursor order, through the durable job queue.

Each endpoint has at most one delivery job at a time (`scheduled`), so its events go out one after the other. The
job reads the events after the endpoint's cursor, renders those the endpoint's creator may read now (the
subscriptions' rule, in gql: `Renderer`), and sends them one by one; each success moves the cursor in the same
transaction as its line in the delivery log. A worker that dies mid-send leaves the cursor where it was: the job
is claimed again when its lease runs out and sends the same event with the same webhook-id (at least once).

A failed attempt (timeout, connection error, non-2xx) is logged and the job hands over to a new one that waits
the back-off (or the receiver's Retry-After); an endpoint that has failed for longer than
PARTNERGRAPH_WEBHOOK_DISABLE_AFTER_SECONDS is DISABLED, its cursor, hence its backlog, kept for a resume.
Every worker looks every PARTNERGRAPH_WEBHOOK_DISPATCH_SECONDS for active endpoints with events to send and no job.
"""
import datetime as dt
import json
import logging
import time
from typing import Any, Protocol

from sqlalchemy import delete, exists, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.access.tokens import viewer_for_user
from domain.access.viewer import ANONYMOUS, Viewer
from domain.events.log import events_after
from domain.model import Event, WebhookAttempt, WebhookEndpoint, WebhookState, utcnow
from domain.platform import jobs
from domain.platform.db import Database
from domain.sharepoint.configuration import SecretBox
from domain.webhooks.endpoints import DELIVER, event_filter, schedule, unschedule_if_idle
from domain.webhooks.sending import Outcome, Sender
from domain.webhooks.signing import message_id, signed_headers

log = logging.getLogger("partnergraph.webhooks")

BATCH = 100
# A job hands over to a fresh one after this long, so one busy endpoint does not keep a worker to itself.
RUN_SECONDS = 10.0


class Renderer(Protocol):
    async def render(self, db: Database, viewer: Viewer, events: list[Event]) -> dict[int, dict[str, Any]]:
        """The body of each event of `events` that `viewer` may read now, by event id; the others are left out."""


async def dispatch(db: Database) -> int:
    """Queues a delivery job for each active endpoint that has events after its cursor and no job; how many."""
    async with db.read() as session:
        idle = list(await session.scalars(select(WebhookEndpoint).where(
            WebhookEndpoint.state == WebhookState.ACTIVE, WebhookEndpoint.scheduled.is_(False))))
        due = [endpoint.id for endpoint in idle if await session.scalar(select(exists().where(
            Event.id > endpoint.cursor, event_filter(endpoint).clause())))]
    queued = 0
    for endpoint_id in due:
        async with db.transaction() as session:
            # Conditional, so two workers dispatching at once queue one job.
            taken = await session.execute(update(WebhookEndpoint).where(
                WebhookEndpoint.id == endpoint_id, WebhookEndpoint.state == WebhookState.ACTIVE,
                WebhookEndpoint.scheduled.is_(False)).values(scheduled=True))
            if taken.rowcount == 1:
                jobs.enqueue(session, DELIVER, {"endpoint": endpoint_id})
                queued += 1
    return queued


async def purge_log(db: Database) -> int:
    """Deletes the delivery log's lines older than PARTNERGRAPH_WEBHOOK_LOG_RETENTION_DAYS; how many."""
    cutoff = utcnow() - dt.timedelta(days=db.settings.webhook_log_retention_days)
    async with db.transaction() as session:
        return (await session.execute(delete(WebhookAttempt).where(WebhookAttempt.attempted_at < cutoff))).rowcount or 0


def body_of(event: Event, rendered: dict[str, Any]) -> str:
    return json.dumps(rendered, separators=(",", ":"), default=str)


class EndpointDelivery:
    """One run of one endpoint's delivery job."""

    def __init__(self, db: Database, job: jobs.ClaimedJob, renderer: Renderer, sender: Sender) -> None:
        self.db, self.job, self.renderer, self.sender = db, job, renderer, sender
        self.settings = db.settings
        self.box = SecretBox.from_settings(db.settings)
        self.endpoint_id: int = job.payload["endpoint"]

    async def run(self) -> None:
        started = time.monotonic()
        while True:
            async with self.db.read() as session:
                endpoint = await session.get(WebhookEndpoint, self.endpoint_id)
                if endpoint is None:
                    return  # deleted: the job simply ends
                if endpoint.state is not WebhookState.ACTIVE:
                    await self._stop(endpoint.cursor)
                    return
                events = await events_after(session, endpoint.cursor, limit=BATCH, only=event_filter(endpoint))
                viewer = await viewer_for_user(session, endpoint.created_by_user_id, company_id=endpoint.company_id)
            if not events:
                if await self._stop(endpoint.cursor):
                    return
                continue  # the cursor moved meanwhile (a replay): read again from it
            bodies = await self.renderer.render(self.db, viewer or ANONYMOUS, events)
            failed = await self._send(endpoint, events, bodies)
            if failed is not None:
                await self._failed(*failed)
                return
            if time.monotonic() - started > RUN_SECONDS:
                await self._hand_over(None)
                return

    async def _send(self, endpoint: WebhookEndpoint, events: list[Event],
                    bodies: dict[int, Any]) -> tuple[int, Outcome] | None:
        """Sends the batch's readable events in order, moving the cursor past each (and past the unreadable ones);
        the failed event and attempt, or None when the batch went out (or the cursor was moved by a replay)."""
        cursor = endpoint.cursor
        secrets = self._secrets(endpoint)
        for event in events:
            if event.id not in bodies:
                continue
            message = message_id(endpoint.id, event.id)
            body = body_of(event, bodies[event.id])
            outcome = await self.sender.post(endpoint.url, signed_headers(message, body, secrets, at=utcnow()), body)
            if not outcome.succeeded:
                return event.id, outcome
            if not await self._advance(cursor, event.id, self._attempt(event.id, message, outcome)):
                return None
            cursor = event.id
        if events[-1].id > cursor:
            await self._advance(cursor, events[-1].id, None)
        return None

    def _secrets(self, endpoint: WebhookEndpoint) -> list[str]:
        secrets = [self.box.open(endpoint.secret_encrypted)]
        if endpoint.previous_secret_encrypted and endpoint.previous_secret_expires_at \
                and endpoint.previous_secret_expires_at > utcnow():
            secrets.append(self.box.open(endpoint.previous_secret_encrypted))
        return secrets

    def _attempt(self, event_id: int, message: str, outcome: Outcome) -> dict[str, Any]:
        return dict(endpoint_id=self.endpoint_id, event_id=event_id, message_id=message, attempted_at=utcnow(),
                    succeeded=outcome.succeeded, status_code=outcome.status_code, duration_ms=outcome.duration_ms,
                    error=outcome.error)

    async def _advance(self, cursor: int, to: int, attempt: dict[str, Any] | None) -> bool:
        """Moves the cursor from `cursor` to `to` with the attempt's log line; False when it was moved meanwhile."""
        async with self.db.transaction() as session:
            moved = (await session.execute(update(WebhookEndpoint).where(
                WebhookEndpoint.id == self.endpoint_id, WebhookEndpoint.cursor == cursor,
            ).values(cursor=to, failing_since=None))).rowcount == 1
            # The attempt happened even when a replay moved the cursor meanwhile; not when the endpoint is gone.
            if attempt is not None and (moved or await session.get(WebhookEndpoint, self.endpoint_id) is not None):
                await session.execute(insert(WebhookAttempt), [attempt])
            return moved

    async def _stop(self, cursor: int) -> bool:
        """Ends the job with nothing left to send; False when the cursor moved meanwhile (send from it)."""
        async with self.db.transaction() as session:
            if (await session.execute(unschedule_if_idle(self.endpoint_id, cursor))).rowcount != 1:
                return False
            await jobs.finish_in(session, self.job)
            return True

    async def _hand_over(self, not_before: dt.datetime | None, session: AsyncSession | None = None) -> None:
        """Ends this job and queues the next one for the endpoint (scheduled stays on)."""
        if session is None:
            async with self.db.transaction() as session:
                await self._hand_over(not_before, session)
            return
        jobs.enqueue(session, DELIVER, {"endpoint": self.endpoint_id}, not_before=not_before)
        await jobs.finish_in(session, self.job)

    async def _failed(self, event_id: int, outcome: Outcome) -> None:
        """Logs the failed attempt; retries after the back-off, or disables an endpoint failing for too long.
        The cursor stays before the failed event, which is the first sent again."""
        now = utcnow()
        async with self.db.transaction() as session:
            row = await session.scalar(select(WebhookEndpoint).where(WebhookEndpoint.id == self.endpoint_id)
                                       .with_for_update())
            if row is None:
                return
            await session.execute(insert(WebhookAttempt), [
                self._attempt(event_id, message_id(self.endpoint_id, event_id), outcome)])
            row.failing_since = row.failing_since or now
            failing_for = (now - row.failing_since).total_seconds()
            if failing_for >= self.settings.webhook_disable_after_seconds:
                row.state, row.disabled_at, row.scheduled = WebhookState.DISABLED, now, False
                log.warning("webhook endpoint %s disabled after failing for %.0f s: %s", row.id, failing_for,
                            outcome.error)
                await jobs.finish_in(session, self.job)
                return
            failures = await session.scalar(select(func.count(WebhookAttempt.id)).where(
                WebhookAttempt.endpoint_id == row.id, WebhookAttempt.succeeded.is_(False),
                WebhookAttempt.attempted_at >= row.failing_since)) or 1
            policy = jobs.Policy(backoff_seconds=self.settings.webhook_backoff_seconds,
                                 backoff_max_seconds=self.settings.webhook_backoff_max_seconds)
            wait = now + dt.timedelta(seconds=jobs.backoff_delay(failures, policy))
            if outcome.retry_after is not None:
                cap = now + dt.timedelta(seconds=self.settings.webhook_backoff_max_seconds)
                wait = min(max(wait, outcome.retry_after), cap)
            log.info("webhook endpoint %s: attempt failed (%s), again after %s", row.id, outcome.error,
                     wait.isoformat())
            await self._hand_over(wait, session)


def deliver_job_kind(renderer: Renderer) -> jobs.JobKind:
    """The job that sends one endpoint's events (registered by partnergraph.composition with gql's renderer)."""

    async def run(db: Database, job: jobs.ClaimedJob) -> None:
        async with Sender.from_settings(db.settings) as sender:
            await EndpointDelivery(db, job, renderer, sender).run()

    async def on_dead(session: AsyncSession, job: jobs.ClaimedJob, error: str) -> None:
        # The next dispatch queues a fresh job for whatever is still to send.
        await session.execute(update(WebhookEndpoint).where(WebhookEndpoint.id == job.payload["endpoint"])
                              .values(scheduled=False))

    return jobs.JobKind(DELIVER, run, on_dead)


__all__ = ["BATCH", "Renderer", "deliver_job_kind", "dispatch", "purge_log", "schedule"]
