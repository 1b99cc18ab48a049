"""companyCreate (operators only)."""
import strawberry

from domain.companies import service
from gql.context import Info
from gql.resolvers.mutation import payload
from gql.schema.common import UserError
from gql.schema.companies.types import Company, Tier


@strawberry.input
class CompanyCreateInput:
    database_name: str = strawberry.field(description="Unique and URL-safe: 3 to 63 of a-z, 0-9 and '-'.")
    name: str
    organisation_number: str | None = None
    tier: Tier = Tier.STANDARD
    admin_email: str | None = strawberry.field(default=None, description="Makes this person the first ADMIN.")
    admin_name: str | None = strawberry.field(default=None, description="The admin's name when the email is new.")


@strawberry.type
class CompanyCreatePayload:
    user_errors: list[UserError]
    company: Company | None = None


@strawberry.type
class CompanyMutations:
    @strawberry.mutation(description="Operators only: a new company with its number series and first admin.")
    async def company_create(self, info: Info, input: CompanyCreateInput) -> CompanyCreatePayload:
        async def call():
            draft = service.CompanyDraft(
                database_name=input.database_name, name=input.name, organisation_number=input.organisation_number,
                tier=input.tier, admin_email=input.admin_email, admin_name=input.admin_name,
            )
            row = await service.create_company(info.context.db, info.context.viewer, draft)
            return {"company": Company.from_row(row)}

        return await payload(CompanyCreatePayload, call)
