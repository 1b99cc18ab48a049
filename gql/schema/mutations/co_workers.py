"""coWorkerCreate."""
from decimal import Decimal

import strawberry

from domain.services import co_workers as service
from gql.context import Info
from gql.ids import decode_id
from gql.resolvers.mutation import payload
from gql.schema.common import UserError
from gql.schema.organisation import CoWorker, Role


@strawberry.input(description="The email finds the person, or makes them (with `name`) when they are new.")
class CoWorkerCreateInput:
    company_id: strawberry.ID
    email: str
    role: Role
    name: str | None = None
    title: str | None = None
    hourly_rate: Decimal | None = None
    hourly_cost: Decimal | None = None


@strawberry.type
class CoWorkerCreatePayload:
    user_errors: list[UserError]
    co_worker: CoWorker | None = None


@strawberry.type
class CoWorkerMutations:
    @strawberry.mutation(description="Admins only: adds an internal co-worker (home company = this company).")
    async def co_worker_create(self, info: Info, input: CoWorkerCreateInput) -> CoWorkerCreatePayload:
        async def call():
            draft = service.CoWorkerDraft(
                company_id=decode_id(input.company_id, "Company", field="companyId"), email=input.email,
                role=input.role, name=input.name, title=input.title, hourly_rate=input.hourly_rate,
                hourly_cost=input.hourly_cost,
            )
            row = await service.create_co_worker(info.context.db, info.context.viewer, draft)
            return {"co_worker": CoWorker.from_row(row)}

        return await payload(CoWorkerCreatePayload, call)
