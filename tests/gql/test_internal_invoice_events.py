"""Internal invoices as Relay nodes and in the event log (issues 19 and 20): node() answers both companies' admins
and nobody else; creating, finalizing and cancelling one records an event in each company that may read it, in the
same transaction; a webhook endpoint of the INTERNAL_INVOICE kind is sent them, signed, as its creator reads them."""
import asyncio

from sqlalchemy import select

from domain import model as m
from gql.ids import parse_global_id
from tests.factories import company_with_staff, graphql
from tests.gql.test_internal_invoicing import CANCEL, FINALIZE, create, family, hours, partner_admin  # noqa: F401
from tests.gql.test_webhooks import create_endpoint, hooks
from tests.webhook_receiver import Receiver, receiver_server

NODE = """
query Node($id: ID!) {
  node(id: $id) { __typename id ... on InternalInvoice { number status total lines { amount } totals { amount } } }
}
"""


async def invoice_events(db) -> list[tuple[str, int, int | None, int]]:
    """The log's internal invoice events: (action, company, project, invoice), in cursor order."""
    async with db.read() as session:
        rows = await session.execute(
            select(m.Event.action, m.Event.company_id, m.Event.project_id, m.Event.node_id)
            .where(m.Event.kind == m.EventKind.INTERNAL_INVOICE).order_by(m.Event.id))
        return [tuple(row) for row in rows]


async def test_node_answers_the_invoice_to_both_companies_admins_and_null_to_everyone_else(db, client, family, hours):
    invoice = (await create(client, family))["internalInvoice"]
    outsider = await company_with_staff(db, "outsider")
    for token in (partner_admin(family), family.main["admin"].token):
        found = (await graphql(client, NODE, {"id": invoice["id"]}, token=token))["node"]
        assert found == {"__typename": "InternalInvoice", "id": invoice["id"], "number": 1, "status": "DRAFT",
                         "total": "10750.00", "lines": [{"amount": line["amount"]} for line in invoice["lines"]],
                         "totals": [{"amount": total["amount"]} for total in invoice["totals"]]}
    partner = family.partners[0]
    for person in (partner["leader"], partner["employee"], family.main["leader"], family.main["employee"],
                   outsider["admin"]):
        assert (await graphql(client, NODE, {"id": invoice["id"]}, token=person.token))["node"] is None


async def test_create_finalize_and_cancel_record_an_event_in_each_company_that_reads_the_invoice(
        db, client, family, hours):
    seller, buyer = family.partners[0].id, family.main.id
    secondary, main = family.secondary_of(family.guests[0]), family.main_project_id

    first = (await create(client, family, "2026-03-31"))["internalInvoice"]
    done = await graphql(client, FINALIZE, {"input": {"id": first["id"]}}, token=partner_admin(family))
    assert done["internalInvoiceFinalize"]["userErrors"] == []
    second = (await create(client, family, "2026-04-30"))["internalInvoice"]
    cancelled = await graphql(client, CANCEL, {"input": {"id": second["id"]}}, token=partner_admin(family))
    assert cancelled["internalInvoiceCancel"]["userErrors"] == []

    one, two = parse_global_id(first["id"])[1], parse_global_id(second["id"])[1]
    assert await invoice_events(db) == [
        ("CREATED", seller, secondary, one), ("CREATED", buyer, main, one),
        ("FINALIZED", seller, secondary, one), ("FINALIZED", buyer, main, one),
        ("CREATED", seller, secondary, two), ("CREATED", buyer, main, two),
        ("CANCELLED", seller, secondary, two), ("CANCELLED", buyer, main, two),
    ]


async def test_a_refused_change_records_no_event(db, client, family, hours):
    invoice = (await create(client, family))["internalInvoice"]
    await graphql(client, FINALIZE, {"input": {"id": invoice["id"]}}, token=partner_admin(family))
    before = await invoice_events(db)
    locked = await graphql(client, CANCEL, {"input": {"id": invoice["id"]}}, token=partner_admin(family))
    assert [e["code"] for e in locked["internalInvoiceCancel"]["userErrors"]] == ["LOCKED"]
    nothing = await create(client, family)
    assert [e["code"] for e in nothing["userErrors"]] == ["NOTHING_TO_INVOICE"]
    assert await invoice_events(db) == before


async def test_an_internal_invoice_endpoint_of_each_company_receives_the_created_and_finalized_events(
        db, family, hours):
    partner, main = family.partners[0], family.main
    async with receiver_server(Receiver()) as seller_hook, receiver_server(Receiver()) as buyer_hook, \
            hooks(db) as client:
        for company, receiver in ((partner, seller_hook), (main, buyer_hook)):
            created = await create_endpoint(client, company, receiver.url, kinds=("INTERNAL_INVOICE",))
            assert created["userErrors"] == [] and created["webhookEndpoint"]["eventKinds"] == ["INTERNAL_INVOICE"]
            receiver.secrets = [created["secret"]]
        invoice = (await create(client, family))["internalInvoice"]
        await graphql(client, FINALIZE, {"input": {"id": invoice["id"]}}, token=partner_admin(family))
        seller_deliveries = await seller_hook.wait_for(2)
        buyer_deliveries = await buyer_hook.wait_for(2)
        await asyncio.sleep(0.3)  # nothing more comes (the time record events are of another kind)

    for receiver, deliveries in ((seller_hook, seller_deliveries), (buyer_hook, buyer_deliveries)):
        assert len(receiver.received) == 2 and all(d.verified for d in deliveries)
        assert [d.body["type"] for d in deliveries] == ["internal_invoice.created", "internal_invoice.finalized"]
        assert all(d.body["data"]["kind"] == "INTERNAL_INVOICE" and d.body["data"]["nodeId"] == invoice["id"]
                   for d in deliveries)
        node = deliveries[1].body["data"]["node"]
        assert (node["id"], node["number"], node["status"], node["total"]) == (invoice["id"], 1, "FINAL", "10750.00")
        assert node["sellerCompany"] == {"id": partner.gid} and node["buyerCompany"] == {"id": main.gid}
    # Each side's creator reads the invoice as the API shows it to them: the other side's project is hidden.
    seller_node, buyer_node = seller_deliveries[1].body["data"]["node"], buyer_deliveries[1].body["data"]["node"]
    assert seller_node["secondaryProject"] is not None and seller_node["mainProject"] is None
    assert buyer_node["mainProject"] == {"id": family.main_gid} and buyer_node["secondaryProject"] is None
