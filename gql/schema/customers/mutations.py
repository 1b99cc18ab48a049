"""customerCreate, customerUpdate."""
import strawberry

from domain.customers import service
from gql.context import Info
from gql.ids import decode_id
from gql.resolvers.mutation import decode_optional_id, given, payload
from gql.schema.common import UserError
from gql.schema.customers.types import Customer, CustomerStatus, StorageLocation
from gql.schema.partners.queries import CustomerMatch


@strawberry.input
class ContactInput:
    name: str
    email: str | None = None
    phone: str | None = None


@strawberry.input
class CustomerCreateInput:
    company_id: strawberry.ID
    name: str
    organisation_number: str | None = None
    status: CustomerStatus = CustomerStatus.ACTIVE
    storage_location: StorageLocation = StorageLocation.CLOUD
    contacts: list[ContactInput] = strawberry.field(default_factory=list)
    copy_from_customer_id: strawberry.ID | None = strawberry.field(
        default=None, description="A `customerMatches` result: copies its organisation number (unless you give one) "
        "and its contact persons (before any you give).",
    )


@strawberry.input(description="Only the fields given are changed; `contacts`, when given, replaces the list.")
class CustomerUpdateInput:
    id: strawberry.ID
    name: str | None = strawberry.UNSET
    organisation_number: str | None = strawberry.UNSET
    status: CustomerStatus | None = strawberry.UNSET
    storage_location: StorageLocation | None = strawberry.UNSET
    contacts: list[ContactInput] | None = strawberry.UNSET


@strawberry.type
class CustomerCreatePayload:
    user_errors: list[UserError]
    customer: Customer | None = None
    matches: list[CustomerMatch] = strawberry.field(
        default_factory=list, description="The customers of the other companies of your partner group that look like "
        "the one created (as customerMatches finds them: same organisation number or name; empty unless both "
        "companies share customers and you are an admin or project leader).")


@strawberry.type
class CustomerUpdatePayload:
    user_errors: list[UserError]
    customer: Customer | None = None


def _contacts(items: list[ContactInput]) -> list[service.ContactDraft]:
    return [service.ContactDraft(name=c.name, email=c.email, phone=c.phone) for c in items]


@strawberry.type
class CustomerMutations:
    @strawberry.mutation
    async def customer_create(self, info: Info, input: CustomerCreateInput) -> CustomerCreatePayload:
        async def call():
            draft = service.CustomerDraft(
                company_id=decode_id(input.company_id, "Company", field="companyId"),
                name=input.name,
                organisation_number=input.organisation_number,
                status=input.status,
                storage_location=input.storage_location,
                contacts=_contacts(input.contacts),
                copy_from_customer_id=decode_optional_id(
                    input.copy_from_customer_id, "Customer", field="copyFromCustomerId"
                ),
            )
            created = await service.create_customer(info.context.db, info.context.viewer, draft)
            return {"customer": Customer.from_row(created.customer),
                    "matches": [CustomerMatch.of(match) for match in created.matches]}

        return await payload(CustomerCreatePayload, call)

    @strawberry.mutation
    async def customer_update(self, info: Info, input: CustomerUpdateInput) -> CustomerUpdatePayload:
        async def call():
            changes = given(input, "name", "organisation_number", "status", "storage_location", "contacts")
            if "contacts" in changes and changes["contacts"] is not None:
                changes["contacts"] = _contacts(changes["contacts"])
            customer_id = decode_id(input.id, "Customer", field="id")
            row = await service.update_customer(info.context.db, info.context.viewer, customer_id, changes)
            return {"customer": Customer.from_row(row)}

        return await payload(CustomerUpdatePayload, call)
