"""milestoneCreate, milestoneUpdate, milestoneDelete."""
import datetime as dt

import strawberry

from domain.projects import milestones as service
from gql.context import Info
from gql.ids import decode_id, to_global_id
from gql.resolvers.mutation import given, payload
from gql.schema.common import UserError
from gql.schema.projects.types import Milestone


@strawberry.input
class MilestoneCreateInput:
    project_id: strawberry.ID
    name: str
    due_date: dt.date
    completed: bool = False


@strawberry.input(description="Only the fields given are changed.")
class MilestoneUpdateInput:
    id: strawberry.ID
    name: str | None = strawberry.UNSET
    due_date: dt.date | None = strawberry.UNSET
    completed: bool | None = strawberry.UNSET


@strawberry.input
class MilestoneDeleteInput:
    id: strawberry.ID


@strawberry.type
class MilestoneCreatePayload:
    user_errors: list[UserError]
    milestone: Milestone | None = None


@strawberry.type
class MilestoneUpdatePayload:
    user_errors: list[UserError]
    milestone: Milestone | None = None


@strawberry.type
class MilestoneDeletePayload:
    user_errors: list[UserError]
    deleted_id: strawberry.ID | None = None


@strawberry.type
class MilestoneMutations:
    @strawberry.mutation
    async def milestone_create(self, info: Info, input: MilestoneCreateInput) -> MilestoneCreatePayload:
        async def call():
            draft = service.MilestoneDraft(
                project_id=decode_id(input.project_id, "Project", field="projectId"), name=input.name,
                due_date=input.due_date, completed=input.completed,
            )
            row = await service.create_milestone(info.context.db, info.context.viewer, draft)
            return {"milestone": Milestone.from_row(row)}

        return await payload(MilestoneCreatePayload, call)

    @strawberry.mutation
    async def milestone_update(self, info: Info, input: MilestoneUpdateInput) -> MilestoneUpdatePayload:
        async def call():
            milestone_id = decode_id(input.id, "Milestone", field="id")
            changes = given(input, "name", "due_date", "completed")
            row = await service.update_milestone(info.context.db, info.context.viewer, milestone_id, changes)
            return {"milestone": Milestone.from_row(row)}

        return await payload(MilestoneUpdatePayload, call)

    @strawberry.mutation
    async def milestone_delete(self, info: Info, input: MilestoneDeleteInput) -> MilestoneDeletePayload:
        async def call():
            milestone_id = decode_id(input.id, "Milestone", field="id")
            deleted = await service.delete_milestone(info.context.db, info.context.viewer, milestone_id)
            return {"deleted_id": strawberry.ID(to_global_id("Milestone", deleted))}

        return await payload(MilestoneDeletePayload, call)
