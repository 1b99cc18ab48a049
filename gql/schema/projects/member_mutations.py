"""projectMemberAdd, projectMemberRemove."""
from decimal import Decimal

import strawberry

from domain.projects import members as service
from gql.context import Info
from gql.ids import decode_id, to_global_id
from gql.resolvers.mutation import payload
from gql.schema.common import UserError
from gql.schema.projects.types import Project, ProjectMember


@strawberry.input
class ProjectMemberAddInput:
    project_id: strawberry.ID
    co_worker_id: strawberry.ID
    hourly_rate: Decimal | None = strawberry.field(default=None, description="The member's own rate on this project.")


@strawberry.input(description="The co-worker's hours on the project are kept.")
class ProjectMemberRemoveInput:
    project_id: strawberry.ID
    co_worker_id: strawberry.ID


@strawberry.type
class ProjectMemberAddPayload:
    user_errors: list[UserError]
    project_member: ProjectMember | None = None
    project: Project | None = None


@strawberry.type
class ProjectMemberRemovePayload:
    user_errors: list[UserError]
    project: Project | None = None
    removed_co_worker_id: strawberry.ID | None = None


@strawberry.type
class ProjectMemberMutations:
    @strawberry.mutation
    async def project_member_add(self, info: Info, input: ProjectMemberAddInput) -> ProjectMemberAddPayload:
        async def call():
            project_id = decode_id(input.project_id, "Project", field="projectId")
            co_worker_id = decode_id(input.co_worker_id, "CoWorker", field="coWorkerId")
            member, project = await service.add_project_member(
                info.context.db, info.context.viewer, project_id, co_worker_id, hourly_rate=input.hourly_rate
            )
            return {"project_member": ProjectMember.from_row(member, project.company_id),
                    "project": Project.from_row(project)}

        return await payload(ProjectMemberAddPayload, call)

    @strawberry.mutation
    async def project_member_remove(self, info: Info, input: ProjectMemberRemoveInput) -> ProjectMemberRemovePayload:
        async def call():
            project_id = decode_id(input.project_id, "Project", field="projectId")
            co_worker_id = decode_id(input.co_worker_id, "CoWorker", field="coWorkerId")
            project = await service.remove_project_member(info.context.db, info.context.viewer, project_id, co_worker_id)
            return {"project": Project.from_row(project),
                    "removed_co_worker_id": strawberry.ID(to_global_id("CoWorker", co_worker_id))}

        return await payload(ProjectMemberRemovePayload, call)
