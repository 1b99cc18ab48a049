"""WebhookEndpoint and its delivery log (WebhookDelivery)."""
import datetime as dt

import strawberry
from sqlalchemy import select

from domain.model import EventKind, WebhookAttempt, WebhookState
from domain.webhooks import endpoints as service
from gql.context import Info
from gql.ids import to_global_id
from gql.pagination import Order, PageRequest, paged, to_page
from gql.schema.common import Connection
from gql.schema.companies.types import Company
from gql.schema.events.subscriptions import encode_cursor
from gql.schema.projects.types import Project

WebhookEventKind = strawberry.enum(EventKind, name="WebhookEventKind",
                                   description="The kinds of change an endpoint is sent (those of the event log).")
WebhookEndpointState = strawberry.enum(WebhookState, name="WebhookEndpointState",
                                       description="ACTIVE sends; PAUSED (by an admin) and DISABLED (failing for too "
                                       "long) hold the backlog until webhookEndpointResume.")

ATTEMPTS_NEWEST_FIRST = Order(((WebhookAttempt.id, True),))


@strawberry.type(description="One attempt at sending one event to an endpoint.")
class WebhookDelivery:
    attempted_at: dt.datetime
    event_cursor: str = strawberry.field(description="The cursor of the event sent.")
    webhook_id: str = strawberry.field(description="The webhook-id header: the same on every attempt of the event.")
    succeeded: bool
    status_code: int | None = strawberry.field(description="The receiver's HTTP status; null when none came.")
    duration_ms: int
    error: str | None = strawberry.field(description="Why it failed: a timeout, a connection error, or the "
                                         "status with the start of the answer.")

    @classmethod
    def from_row(cls, row: WebhookAttempt) -> "WebhookDelivery":
        return cls(attempted_at=row.attempted_at, event_cursor=encode_cursor(row.event_id), webhook_id=row.message_id,
                   succeeded=row.succeeded, status_code=row.status_code, duration_ms=row.duration_ms, error=row.error)


@strawberry.type(description="Where a company's events are sent, signed (Standard Webhooks); admins only. It reads "
                 "as the admin who created it: each event is sent only if they may read its node then.")
class WebhookEndpoint:
    id: strawberry.ID
    url: str
    description: str | None
    event_kinds: list[WebhookEventKind]
    state: WebhookEndpointState
    delivered_through: str = strawberry.field(description="The cursor of the last event sent (or passed over, "
                                              "unreadable to the creator); the next delivery is of a later one.")
    failing_since: dt.datetime | None = strawberry.field(description="Since when every attempt has failed.")
    disabled_at: dt.datetime | None
    previous_secret_expires_at: dt.datetime | None = strawberry.field(
        description="Until when the secret replaced by the last rotation still signs too.")
    created_at: dt.datetime
    updated_at: dt.datetime | None
    row: strawberry.Private[object]

    @strawberry.field
    async def company(self, info: Info) -> Company:
        return await Company.load(info, self.row.company_id)

    @strawberry.field(description="Only this project's events are sent, when set.")
    async def project(self, info: Info) -> Project | None:
        return await Project.load(info, self.row.project_id)

    @strawberry.field(description="Events after `deliveredThrough` of the endpoint's kinds, company and project, "
                      "still to send (those its creator may not read are passed over when their turn comes).")
    async def pending_count(self, info: Info) -> int:
        async with info.context.db.read() as session:
            return await service.pending_count(session, self.row)

    @strawberry.field(description="Failed attempts in the delivery log.")
    async def failed_count(self, info: Info) -> int:
        async with info.context.db.read() as session:
            return await service.failed_count(session, self.row)

    @strawberry.field(description="The delivery log: each attempt, newest first.")
    async def deliveries(self, info: Info, first: int | None = None,
                         after: str | None = None) -> Connection[WebhookDelivery]:
        request = PageRequest.of(first, after)
        query = select(WebhookAttempt).where(WebhookAttempt.endpoint_id == self.row.id)
        async with info.context.db.read() as session:
            rows = list(await session.scalars(paged(query, ATTEMPTS_NEWEST_FIRST, request)))
        page = to_page(rows, ATTEMPTS_NEWEST_FIRST, request)

        async def count() -> int:
            return await service.attempt_count(info.context.db, self.row.id)

        return Connection.of(page, WebhookDelivery.from_row, count=count)

    @classmethod
    def from_row(cls, row) -> "WebhookEndpoint":
        return cls(
            id=strawberry.ID(to_global_id("WebhookEndpoint", row.id)), url=row.url, description=row.description,
            event_kinds=[EventKind(kind) for kind in row.event_kinds], state=row.state,
            delivered_through=encode_cursor(row.cursor), failing_since=row.failing_since,
            disabled_at=row.disabled_at, previous_secret_expires_at=row.previous_secret_expires_at,
            created_at=row.created_at, updated_at=row.updated_at, row=row,
        )
