"""projectCreate, projectUpdate."""
import datetime as dt
from decimal import Decimal

import strawberry

from domain.projects import service
from gql.context import Info
from gql.ids import decode_id
from gql.resolvers.mutation import decode_optional_id, given, payload
from gql.schema.common import UserError
from gql.schema.projects.types import PriceModel, Project, ProjectStatus, ProjectStorage


@strawberry.input(description="A project leader who gives no leader leads the new project themself.")
class ProjectCreateInput:
    company_id: strawberry.ID
    customer_id: strawberry.ID
    name: str
    leader_id: strawberry.ID | None = None
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    status: ProjectStatus = ProjectStatus.ACTIVE
    price_model: PriceModel = PriceModel.HOURLY
    hourly_rate: Decimal | None = None
    fixed_price: Decimal | None = None
    storage: ProjectStorage = ProjectStorage.INHERIT


@strawberry.input(description="Only the fields given are changed; null clears a field that may be empty.")
class ProjectUpdateInput:
    id: strawberry.ID
    customer_id: strawberry.ID | None = strawberry.UNSET
    name: str | None = strawberry.UNSET
    leader_id: strawberry.ID | None = strawberry.UNSET
    start_date: dt.date | None = strawberry.UNSET
    end_date: dt.date | None = strawberry.UNSET
    status: ProjectStatus | None = strawberry.UNSET
    price_model: PriceModel | None = strawberry.UNSET
    hourly_rate: Decimal | None = strawberry.UNSET
    fixed_price: Decimal | None = strawberry.UNSET
    storage: ProjectStorage | None = strawberry.UNSET
    price_model_from_main: bool | None = strawberry.field(
        default=strawberry.UNSET,
        description="Secondary projects only: take the main project's price model and rates (true) or keep its own.",
    )
    share_expenses: bool | None = strawberry.field(
        default=strawberry.UNSET,
        description="Main (and ordinary) projects only: clone expenses registered on its secondary projects into it.",
    )


@strawberry.type
class ProjectCreatePayload:
    user_errors: list[UserError]
    project: Project | None = None


@strawberry.type
class ProjectUpdatePayload:
    user_errors: list[UserError]
    project: Project | None = None


@strawberry.type
class ProjectMutations:
    @strawberry.mutation
    async def project_create(self, info: Info, input: ProjectCreateInput) -> ProjectCreatePayload:
        async def call():
            draft = service.ProjectDraft(
                company_id=decode_id(input.company_id, "Company", field="companyId"),
                customer_id=decode_id(input.customer_id, "Customer", field="customerId"),
                leader_id=decode_optional_id(input.leader_id, "CoWorker", field="leaderId"),
                name=input.name, start_date=input.start_date, end_date=input.end_date, status=input.status,
                price_model=input.price_model, hourly_rate=input.hourly_rate, fixed_price=input.fixed_price,
                storage=input.storage,
            )
            row = await service.create_project(info.context.db, info.context.viewer, draft)
            return {"project": Project.from_row(row)}

        return await payload(ProjectCreatePayload, call)

    @strawberry.mutation
    async def project_update(self, info: Info, input: ProjectUpdateInput) -> ProjectUpdatePayload:
        async def call():
            project_id = decode_id(input.id, "Project", field="id")
            changes = given(input, "customer_id", "name", "leader_id", "start_date", "end_date", "status",
                            "price_model", "hourly_rate", "fixed_price", "storage", "price_model_from_main",
                            "share_expenses")
            if "customer_id" in changes:
                changes["customer_id"] = decode_optional_id(changes["customer_id"], "Customer", field="customerId")
            if "leader_id" in changes:
                changes["leader_id"] = decode_optional_id(changes["leader_id"], "CoWorker", field="leaderId")
            row = await service.update_project(info.context.db, info.context.viewer, project_id, changes)
            return {"project": Project.from_row(row)}

        return await payload(ProjectUpdatePayload, call)
