"""The partner finance queries: the internal invoicing basis, internal invoices and a shared project's margin."""
import datetime as dt
from typing import Annotated

import strawberry

from domain.invoicing import basis as basis_service
from domain.invoicing import invoices as invoice_service
from domain.invoicing import margin as margin_service
from domain.platform.errors import InvalidInput
from gql.context import Info
from gql.ids import decode_id, parse_global_id
from gql.resolvers.mutation import decode_optional_id
from gql.schema.hours.types import HourStatus
from gql.schema.invoicing.types import InternalInvoice, InternalInvoicingBasis, SharedProjectMargin

From = Annotated[dt.date, strawberry.argument(name="from", description="First day, inclusive.")]


@strawberry.type
class InvoicingQueries:
    @strawberry.field(description="The internal invoicing basis of a secondary project over a period (inclusive): "
                      "for its own company's admins and project leaders (RECEIVABLE); or, given a main project and a "
                      "partner company, for the main company's (PAYABLE). `statuses`: only hours and expenses in "
                      "these statuses (all when left out).")
    async def internal_invoicing_basis(
        self, info: Info, project_id: strawberry.ID, from_: From, to: dt.date,
        partner_company_id: strawberry.ID | None = None, statuses: list[HourStatus] | None = None,
    ) -> InternalInvoicingBasis:
        if statuses is not None and len(statuses) > len(HourStatus):
            raise InvalidInput(f"At most {len(HourStatus)} statuses.", field="statuses")
        found = await basis_service.invoicing_basis(
            info.context.db, info.context.viewer, decode_id(project_id, "Project", field="projectId"),
            partner_company_id=decode_optional_id(partner_company_id, "Company", field="partnerCompanyId"),
            date_from=from_, date_to=to, statuses=None if statuses is None else set(statuses))
        return InternalInvoicingBasis.of(found)

    @strawberry.field(description="An internal invoice, for the admins of the company that issued it and of the "
                      "company invoiced; null for anyone else.")
    async def internal_invoice(self, info: Info, id: strawberry.ID) -> InternalInvoice | None:
        parsed = parse_global_id(id)
        if parsed is None or parsed[0] != "InternalInvoice":
            return None
        found = await invoice_service.internal_invoice(info.context.db, info.context.viewer, parsed[1])
        return None if found is None else InternalInvoice.of(info, found)

    @strawberry.field(description=f"The internal invoices of a secondary project, or of a main project (from every "
                      f"partner), newest first, at most {invoice_service.MAX_INVOICES}; as you may see them (admins).")
    async def internal_invoices(self, info: Info, project_id: strawberry.ID) -> list[InternalInvoice]:
        found = await invoice_service.internal_invoices_of_project(
            info.context.db, info.context.viewer, decode_id(project_id, "Project", field="projectId"))
        return [InternalInvoice.of(info, i) for i in found]

    @strawberry.field(description="A main project's margin over a period (inclusive): its partners' hours at the "
                      "main project's rates against what the partners invoice for them. For the main company's admins "
                      "and project leaders.")
    async def shared_project_margin(self, info: Info, project_id: strawberry.ID, from_: From,
                                    to: dt.date) -> SharedProjectMargin:
        found = await margin_service.shared_project_margin(
            info.context.db, info.context.viewer, decode_id(project_id, "Project", field="projectId"), from_, to)
        return SharedProjectMargin.of(found)
