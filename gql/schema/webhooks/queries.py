"""webhookEndpoints(companyId): a company's endpoints, for its admins."""
import strawberry

from domain.webhooks import endpoints as service
from gql.context import Info
from gql.ids import decode_id
from gql.schema.webhooks.types import WebhookEndpoint


@strawberry.type
class WebhookQueries:
    @strawberry.field(description="The company's webhook endpoints; empty unless you are its admin.")
    async def webhook_endpoints(self, info: Info, company_id: strawberry.ID) -> list[WebhookEndpoint]:
        rows = await service.endpoints_of(info.context.db, info.context.viewer,
                                          decode_id(company_id, "Company", field="companyId"))
        return [WebhookEndpoint.from_row(row) for row in rows]
