"""GET /internal-invoices/{id}/lines.csv: an internal invoice's lines as CSV for accounting, to whoever may read
the invoice (the admins of both companies, domain.access.policy); anyone else gets 404, as for a missing one."""
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from domain.invoicing.invoices import invoice_lines_csv
from domain.platform.db import Database
from gql.ids import parse_global_id
from gql.http.sign_in import sign_in, sign_in_required


def not_found() -> JSONResponse:
    return JSONResponse({"errors": [{"message": "No such internal invoice.", "extensions": {"code": "NOT_FOUND"}}]},
                        status_code=404)


def internal_invoice_csv_endpoint(db: Database) -> Callable[[Request], Awaitable[Response]]:

    async def internal_invoice_csv(request: Request) -> Response:
        viewer = await sign_in(db, request.headers)
        if isinstance(viewer, Response):
            return viewer
        if not viewer.authenticated:
            return sign_in_required("downloading an internal invoice")
        parsed = parse_global_id(request.path_params["invoice_id"])
        if parsed is None or parsed[0] != "InternalInvoice":
            return not_found()
        found = await invoice_lines_csv(db, viewer, parsed[1])
        if found is None:
            return not_found()
        number, text = found
        return Response(text, media_type="text/csv; charset=utf-8", headers={
            "content-disposition": f'attachment; filename="internal-invoice-{number}.csv"',
            "cache-control": "private, no-cache", "x-content-type-options": "nosniff"})

    return internal_invoice_csv
