"""The partner queries: registered groups, customers shared in the group, and the task board."""
import strawberry

from domain.platform.errors import InvalidInput
from domain.partners import shared_customers as service
from gql.context import Info
from gql.ids import decode_id, to_global_id
from gql.pagination import MAX_PAGE
from gql.resolvers import lists, partner_lists
from gql.schema.common import Connection
from gql.schema.customers.types import CustomerStatus
from gql.schema.companies.types import Company
from gql.schema.partners.types import PartnerGroup
from gql.schema.projects.tasks import Task, TaskStatus


@strawberry.type(description="A customer of another company of your partner group that looks like the one you are "
                 "creating. Pass `customerId` as `copyFromCustomerId` to customerCreate to copy it.")
class CustomerMatch:
    customer_id: strawberry.ID
    name: str
    status: CustomerStatus
    organisation_number: str | None
    company_id: strawberry.Private[int]

    @classmethod
    def of(cls, match: service.CustomerMatch) -> "CustomerMatch":
        return cls(
            customer_id=strawberry.ID(to_global_id("Customer", match.customer_id)), name=match.name,
            status=match.status, organisation_number=match.organisation_number, company_id=match.company_id,
        )

    @strawberry.field(description="The group company that has the customer.")
    async def company(self, info: Info) -> Company:
        return await Company.load(info, self.company_id)


@strawberry.type
class PartnerQueries:
    @strawberry.field(description="Partner groups: an operator sees every group, anyone else the group of their companies.")
    async def partner_groups(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[PartnerGroup]:
        listing = partner_lists.partner_groups(info.context.viewer)
        page = await lists.page_of(info, listing, first, after)
        return Connection.of(page, PartnerGroup.from_row, count=lambda: lists.count_of(info, listing))

    @strawberry.field(description="While creating a customer in `companyId`: customers with the same organisation "
                      "number (spaces ignored) or the same name (case ignored) in the other companies of its partner "
                      "group. Empty unless both companies share customers and you are an admin or project leader "
                      f"of `companyId`; at most {service.MAX_MATCHES}.")
    async def customer_matches(
        self, info: Info, company_id: strawberry.ID, organisation_number: str | None = None, name: str | None = None,
    ) -> list[CustomerMatch]:
        matches = await service.find_customer_matches(
            info.context.db, info.context.viewer, decode_id(company_id, "Company", field="companyId"),
            organisation_number=organisation_number, name=name,
        )
        return [CustomerMatch.of(match) for match in matches]

    @strawberry.field(description="Your task board: the tasks assigned to you in the companies you are signed in to "
                      "and, where your company and the other share tasks, in the other companies of its partner group "
                      "where you are a co-worker. `companyIds` picks companies (null: all); oldest first.")
    async def task_board(
        self, info: Info, first: int | None = None, after: str | None = None,
        company_ids: list[strawberry.ID] | None = None, status: TaskStatus | None = None,
    ) -> Connection[Task]:
        if company_ids is not None and len(company_ids) > MAX_PAGE:
            raise InvalidInput(f"At most {MAX_PAGE} companies.", field="companyIds")
        listing = partner_lists.task_board(info.context.viewer, company_ids=company_ids, status=status)
        page = await lists.page_of(info, listing, first, after)
        return Connection.of(page, Task.from_row, count=lambda: lists.count_of(info, listing))
