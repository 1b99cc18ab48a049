"""activityCreate, activityUpdate, activityDelete."""
from decimal import Decimal

import strawberry

from domain.projects import activities as service
from gql.context import Info
from gql.ids import decode_id, to_global_id
from gql.resolvers.mutation import given, payload
from gql.schema.common import UserError
from gql.schema.projects.types import Activity


@strawberry.input
class ActivityCreateInput:
    project_id: strawberry.ID
    name: str
    number: str | None = None
    active: bool = True
    hourly_rate: Decimal | None = None


@strawberry.input(description="Only the fields given are changed; `active: false` retires an activity with hours.")
class ActivityUpdateInput:
    id: strawberry.ID
    name: str | None = strawberry.UNSET
    number: str | None = strawberry.UNSET
    active: bool | None = strawberry.UNSET
    hourly_rate: Decimal | None = strawberry.UNSET


@strawberry.input(description="An activity with hours cannot be deleted (HAS_HOURS): deactivate it instead.")
class ActivityDeleteInput:
    id: strawberry.ID


@strawberry.type
class ActivityCreatePayload:
    user_errors: list[UserError]
    activity: Activity | None = None


@strawberry.type
class ActivityUpdatePayload:
    user_errors: list[UserError]
    activity: Activity | None = None


@strawberry.type
class ActivityDeletePayload:
    user_errors: list[UserError]
    deleted_id: strawberry.ID | None = None


@strawberry.type
class ActivityMutations:
    @strawberry.mutation
    async def activity_create(self, info: Info, input: ActivityCreateInput) -> ActivityCreatePayload:
        async def call():
            draft = service.ActivityDraft(
                project_id=decode_id(input.project_id, "Project", field="projectId"), name=input.name,
                number=input.number, active=input.active, hourly_rate=input.hourly_rate,
            )
            row = await service.create_activity(info.context.db, info.context.viewer, draft)
            return {"activity": Activity.from_row(row)}

        return await payload(ActivityCreatePayload, call)

    @strawberry.mutation
    async def activity_update(self, info: Info, input: ActivityUpdateInput) -> ActivityUpdatePayload:
        async def call():
            activity_id = decode_id(input.id, "Activity", field="id")
            changes = given(input, "name", "number", "active", "hourly_rate")
            row = await service.update_activity(info.context.db, info.context.viewer, activity_id, changes)
            return {"activity": Activity.from_row(row)}

        return await payload(ActivityUpdatePayload, call)

    @strawberry.mutation
    async def activity_delete(self, info: Info, input: ActivityDeleteInput) -> ActivityDeletePayload:
        async def call():
            activity_id = decode_id(input.id, "Activity", field="id")
            deleted = await service.delete_activity(info.context.db, info.context.viewer, activity_id)
            return {"deleted_id": strawberry.ID(to_global_id("Activity", deleted))}

        return await payload(ActivityDeletePayload, call)
