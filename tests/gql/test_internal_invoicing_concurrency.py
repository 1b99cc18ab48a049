"""Internal invoices under concurrency (issue 19, item 2): partner admins invoicing one secondary project at once,
through two server processes on one PostgreSQL database, never put one hour on two invoices."""
import asyncio
import datetime as dt
from collections import Counter
from decimal import Decimal

import httpx
import pytest
from sqlalchemy import select

from domain import model as m
from tests.factories import gid
from tests.partner_hours_seeds import insert_mirror, insert_source, project_family
from tests.server_processes import server_processes

RECORDS = 40
INVOICINGS = 12

CREATE = """
mutation Create($input: InternalInvoiceCreateInput!) {
  internalInvoiceCreate(input: $input) { internalInvoice { number total } userErrors { field code } }
}
"""


async def test_admins_invoicing_at_once_through_two_processes_put_every_hour_on_exactly_one_invoice(db, tmp_path):
    if db.sqlite:
        pytest.skip("runs on PostgreSQL: the database several server processes share (SPEC: scale-out)")

    # given 40 approved partner hours (with their mirrors) over March, at the secondary's 1000.00 an hour
    family = await project_family(db, ("fjellvik",), guests_per_partner=2)
    async with db.transaction() as session:
        project = await session.get(m.Project, family.secondary_of(family.guests[0]))
        project.price_model_from_main, project.hourly_rate = False, Decimal("1000.00")
    sources = []
    for n in range(RECORDS):
        guest = family.guests[n % 2]
        day = dt.date(2026, 3, 2) + dt.timedelta(days=n // 2)
        source = await insert_source(db, family, guest, date=day, hours="1.5", status=m.HourStatus.APPROVED)
        await insert_mirror(db, family, guest, source, date=day, hours="1.5")
        sources.append(source)
    # and a second admin in the partner company
    admins = [family.partners[0]["admin"].token]
    from tests.factories import add_person
    admins.append((await add_person(db, family.partners[0], "second_admin", m.Role.ADMIN)).token)
    secondary = gid("Project", family.secondary_of(family.guests[0]))

    # when 12 invoicings up to various days run at once through two processes
    with server_processes(db.settings.database_url, 2, tmp_path) as urls:
        clients = [httpx.AsyncClient(base_url=url, timeout=60) for url in urls]

        async def invoice(n: int) -> dict:
            up_to = (dt.date(2026, 3, 5) + dt.timedelta(days=3 * (n % 6))).isoformat()
            response = await clients[n % 2].post("/graphql", json={
                "query": CREATE, "variables": {"input": {"projectId": secondary, "upTo": up_to}}},
                headers={"Authorization": f"Bearer {admins[n % 2]}"})
            assert response.status_code == 200, response.text
            body = response.json()
            assert "errors" not in body, body
            return body["data"]["internalInvoiceCreate"]

        try:
            results = await asyncio.gather(*(invoice(n) for n in range(INVOICINGS)))
        finally:
            for client in clients:
                await client.aclose()

    # then each invoicing made an invoice or found nothing left to invoice
    made = [r["internalInvoice"] for r in results if r["internalInvoice"] is not None]
    assert Counter(e["code"] for r in results for e in r["userErrors"]) <= Counter(
        {"NOTHING_TO_INVOICE": INVOICINGS})
    assert made and len({i["number"] for i in made}) == len(made)
    # and every hour is on exactly one invoice, INVOICED on both sides, the totals adding up to all of them
    async with db.read() as session:
        items = list(await session.scalars(select(m.InternalInvoiceItem)))
        statuses = dict((await session.execute(select(m.TimeRecord.id, m.TimeRecord.status))).all())
        mirrors = dict((await session.execute(select(m.TimeRecord.source_record_id, m.TimeRecord.status)
                                              .where(m.TimeRecord.source_record_id.isnot(None)))).all())
        lines = list(await session.scalars(select(m.InternalInvoiceLine)))
    on_invoices = Counter(item.time_record_id for item in items)
    assert set(on_invoices) <= set(sources) and set(on_invoices.values()) == {1}
    latest = dt.date(2026, 3, 5) + dt.timedelta(days=15)
    expected = {s for n, s in enumerate(sources) if dt.date(2026, 3, 2) + dt.timedelta(days=n // 2) <= latest}
    assert set(on_invoices) == expected
    assert {statuses[s] for s in expected} == {m.HourStatus.INVOICED}
    assert {mirrors[s] for s in expected} == {m.HourStatus.INVOICED}
    assert sum(Decimal(i["total"]) for i in made) == Decimal("1500.00") * len(expected)
    assert sum(line.hours for line in lines) == Decimal("1.5") * len(expected)
