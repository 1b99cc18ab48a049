"""Managing webhook endpoints (admins only): create, update, pause, resume, delete, rotate the secret, replay."""
import strawberry

from domain.sharepoint.configuration import SecretBox
from domain.webhooks import endpoints as service
from gql.context import Info
from gql.ids import decode_id
from gql.resolvers.mutation import decode_optional_id, given, payload
from gql.schema.common import UserError
from gql.schema.events.subscriptions import decode_cursor
from gql.schema.webhooks.types import WebhookEndpoint, WebhookEventKind


@strawberry.input(description="A new endpoint: where (https), which kinds of events, optionally of one project.")
class WebhookEndpointCreateInput:
    company_id: strawberry.ID
    url: str
    event_kinds: list[WebhookEventKind]
    project_id: strawberry.ID | None = None
    description: str | None = None


@strawberry.input(description="Changes the fields given; `projectId: null` sends every project's events again.")
class WebhookEndpointUpdateInput:
    id: strawberry.ID
    url: str | None = strawberry.UNSET
    event_kinds: list[WebhookEventKind] | None = strawberry.UNSET
    project_id: strawberry.ID | None = strawberry.UNSET
    description: str | None = strawberry.UNSET


@strawberry.input
class WebhookEndpointIdInput:
    id: strawberry.ID


@strawberry.input(description="A new signing secret; the current one also signs for `overlapSeconds` more "
                  "(default PARTNERGRAPH_WEBHOOK_SECRET_OVERLAP_SECONDS; 0: at once replaced).")
class WebhookEndpointSecretRotateInput:
    id: strawberry.ID
    overlap_seconds: int | None = None


@strawberry.input(description="Sends again every event after `after` (an event cursor, e.g. a delivery's "
                  "eventCursor or latestEventCursor), each with its original webhook-id, then what follows.")
class WebhookEndpointReplayInput:
    id: strawberry.ID
    after: str


@strawberry.type
class WebhookEndpointPayload:
    user_errors: list[UserError]
    webhook_endpoint: WebhookEndpoint | None = None


@strawberry.type(description="The endpoint and its signing secret, shown this once (store it to verify signatures).")
class WebhookEndpointSecretPayload:
    user_errors: list[UserError]
    webhook_endpoint: WebhookEndpoint | None = None
    secret: str | None = None


@strawberry.type
class WebhookEndpointDeletePayload:
    user_errors: list[UserError]
    deleted_id: strawberry.ID | None = None


def _id(value: strawberry.ID) -> int:
    return decode_id(value, "WebhookEndpoint", field="id")


def _with_secret(result: service.WithSecret) -> dict:
    return {"webhook_endpoint": WebhookEndpoint.from_row(result.endpoint), "secret": result.secret}


@strawberry.type
class WebhookMutations:
    @strawberry.mutation(description="Creates a webhook endpoint of the company (admins only); it is sent the "
                         "events committed from now on. The signing secret is in this answer only.")
    async def webhook_endpoint_create(self, info: Info, input: WebhookEndpointCreateInput) -> WebhookEndpointSecretPayload:
        async def call():
            company_id = decode_id(input.company_id, "Company", field="companyId")
            changes = {"url": input.url, "event_kinds": [k.value for k in input.event_kinds],
                       "description": input.description,
                       "project_id": decode_optional_id(input.project_id, "Project", field="projectId")}
            result = await service.create_endpoint(info.context.db, info.context.viewer, company_id, changes,
                                                   box=SecretBox.from_settings(info.context.settings))
            return _with_secret(result)

        return await payload(WebhookEndpointSecretPayload, call)

    @strawberry.mutation(description="Changes a webhook endpoint's URL, kinds, project or description (admins only).")
    async def webhook_endpoint_update(self, info: Info, input: WebhookEndpointUpdateInput) -> WebhookEndpointPayload:
        async def call():
            changes = given(input, "url", "event_kinds", "project_id", "description")
            if "event_kinds" in changes:
                changes["event_kinds"] = [k.value for k in changes["event_kinds"] or []]
            if "project_id" in changes:
                changes["project_id"] = decode_optional_id(changes["project_id"], "Project", field="projectId")
            row = await service.update_endpoint(info.context.db, info.context.viewer, _id(input.id), changes)
            return {"webhook_endpoint": WebhookEndpoint.from_row(row)}

        return await payload(WebhookEndpointPayload, call)

    @strawberry.mutation(description="Holds deliveries; the events wait and are sent after webhookEndpointResume.")
    async def webhook_endpoint_pause(self, info: Info, input: WebhookEndpointIdInput) -> WebhookEndpointPayload:
        async def call():
            row = await service.pause_endpoint(info.context.db, info.context.viewer, _id(input.id))
            return {"webhook_endpoint": WebhookEndpoint.from_row(row)}

        return await payload(WebhookEndpointPayload, call)

    @strawberry.mutation(description="Sends a paused or disabled endpoint's backlog, in order, and what follows.")
    async def webhook_endpoint_resume(self, info: Info, input: WebhookEndpointIdInput) -> WebhookEndpointPayload:
        async def call():
            row = await service.resume_endpoint(info.context.db, info.context.viewer, _id(input.id))
            return {"webhook_endpoint": WebhookEndpoint.from_row(row)}

        return await payload(WebhookEndpointPayload, call)

    @strawberry.mutation(description="Deletes a webhook endpoint and its delivery log.")
    async def webhook_endpoint_delete(self, info: Info, input: WebhookEndpointIdInput) -> WebhookEndpointDeletePayload:
        async def call():
            await service.delete_endpoint(info.context.db, info.context.viewer, _id(input.id))
            return {"deleted_id": input.id}

        return await payload(WebhookEndpointDeletePayload, call)

    @strawberry.mutation(description="Gives the endpoint a new signing secret (in this answer only).")
    async def webhook_endpoint_secret_rotate(self, info: Info,
                                             input: WebhookEndpointSecretRotateInput) -> WebhookEndpointSecretPayload:
        async def call():
            result = await service.rotate_secret(info.context.db, info.context.viewer, _id(input.id),
                                                 overlap_seconds=input.overlap_seconds,
                                                 box=SecretBox.from_settings(info.context.settings))
            return _with_secret(result)

        return await payload(WebhookEndpointSecretPayload, call)

    @strawberry.mutation(description="Sends again the events after a cursor (duplicates keep their webhook-id).")
    async def webhook_endpoint_replay(self, info: Info, input: WebhookEndpointReplayInput) -> WebhookEndpointPayload:
        async def call():
            endpoint_id = _id(input.id)
            after = decode_cursor(input.after, field="after")
            row = await service.replay_endpoint(info.context.db, info.context.viewer, endpoint_id, after)
            return {"webhook_endpoint": WebhookEndpoint.from_row(row)}

        return await payload(WebhookEndpointPayload, call)
