"""Internal invoices: created by the partner company's admin, made final or cancelled while a draft."""
import datetime as dt

import strawberry

from domain.invoicing import invoices as invoice_service
from gql.context import Info
from gql.ids import decode_id
from gql.resolvers.mutation import payload
from gql.schema.common import UserError
from gql.schema.invoicing.types import InternalInvoice


@strawberry.input
class InternalInvoiceCreateInput:
    project_id: strawberry.ID = strawberry.field(description="The secondary project (of your company).")
    up_to: dt.date = strawberry.field(description="The invoice takes the approved, uninvoiced hours and shared "
                                      "expenses dated up to this day, inclusive.")


@strawberry.input
class InternalInvoiceFinalizeInput:
    id: strawberry.ID


@strawberry.input
class InternalInvoiceCancelInput:
    id: strawberry.ID


@strawberry.type
class InternalInvoicePayload:
    user_errors: list[UserError]
    internal_invoice: InternalInvoice | None = None


def _payload(info: Info, found: invoice_service.Invoice) -> dict:
    return {"internal_invoice": InternalInvoice.of(info, found)}


@strawberry.type
class InvoicingMutations:
    @strawberry.mutation(description="Admins of a partner company: an internal invoice (a draft) of a secondary "
                         "project's approved, uninvoiced hours and shared expenses up to a day; they become INVOICED "
                         "here and on the main project. NOTHING_TO_INVOICE when there are none.")
    async def internal_invoice_create(self, info: Info, input: InternalInvoiceCreateInput) -> InternalInvoicePayload:
        async def call():
            project_id = decode_id(input.project_id, "Project", field="projectId")
            return _payload(info, await invoice_service.create_internal_invoice(
                info.context.db, info.context.viewer, project_id, input.up_to))

        return await payload(InternalInvoicePayload, call)

    @strawberry.mutation(description="Admins of the issuing company: a draft becomes FINAL and can no longer be "
                         "cancelled (LOCKED).")
    async def internal_invoice_finalize(self, info: Info,
                                        input: InternalInvoiceFinalizeInput) -> InternalInvoicePayload:
        async def call():
            invoice_id = decode_id(input.id, "InternalInvoice", field="id")
            return _payload(info, await invoice_service.finalise_internal_invoice(
                info.context.db, info.context.viewer, invoice_id))

        return await payload(InternalInvoicePayload, call)

    @strawberry.mutation(description="Admins of the issuing company: a draft is CANCELLED, and its hours and "
                         "expenses are APPROVED again on both sides (LOCKED once final).")
    async def internal_invoice_cancel(self, info: Info, input: InternalInvoiceCancelInput) -> InternalInvoicePayload:
        async def call():
            invoice_id = decode_id(input.id, "InternalInvoice", field="id")
            return _payload(info, await invoice_service.cancel_internal_invoice(
                info.context.db, info.context.viewer, invoice_id))

        return await payload(InternalInvoicePayload, call)
