"""GET /internal-invoices/{id}/lines.csv: an internal invoice's lines as CSV for accounting, to whoever may read
the invoice (the admins of both companies, domain.access.policy); anyone else gets 404, as for a missing one."""
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response

from domain.invoicing.invoices import invoice_lines_csv
from domain.platform.db import Database
from gql.http.sign_in import not_found, signed_in_node


def internal_invoice_csv_endpoint(db: Database) -> Callable[[Request], Awaitable[Response]]:

    async def internal_invoice_csv(request: Request) -> Response:
        signed_in = await signed_in_node(db, request, param="invoice_id", type_name="InternalInvoice",
                                         thing="internal invoice", doing="downloading an internal invoice")
        if isinstance(signed_in, Response):
            return signed_in
        found = await invoice_lines_csv(db, *signed_in)
        if found is None:
            return not_found("internal invoice")
        number, text = found
        return Response(text, media_type="text/csv; charset=utf-8", headers={
            "content-disposition": f'attachment; filename="internal-invoice-{number}.csv"',
            "cache-control": "private, no-cache", "x-content-type-options": "nosniff"})

    return internal_invoice_csv
