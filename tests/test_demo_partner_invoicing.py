"""The demo's internal invoicing (domain/demo/partner_invoicing.py): each partner invoices Nordlys for the first
week's partner hours at its own rate (Fjellvik's invoice final, Havbris's a draft), and the README's examples of
the basis, the invoices and the margin answer with them."""
from sqlalchemy import select

from domain import model as m
from domain.demo import companies as demo
from tests.factories import gid, graphql
from tests.test_demo_partner_hours import README_PROJECT_ID, WEEKS, admin_token

INVOICES = """
query($projectId: ID!) {
  internalInvoices(projectId: $projectId) {
    number status total upTo sellerCompany { databaseName }
    lines { coWorkerName activityName month hours rate amount }
  }
}
"""

BASIS = """
query($projectId: ID!, $partner: ID!, $from: Date!, $to: Date!) {
  internalInvoicingBasis(projectId: $projectId, partnerCompanyId: $partner, from: $from, to: $to) {
    direction grandTotal totals { kind hours amount } lines { coWorkerName hours rate amount }
  }
}
"""

MARGIN = """
query($projectId: ID!, $from: Date!, $to: Date!) {
  sharedProjectMargin(projectId: $projectId, from: $from, to: $to) {
    partnerValue cost margin partners { company { databaseName } hours value cost margin }
  }
}
"""


async def test_each_demo_partner_invoiced_nordlys_for_the_first_week(db, client):
    await demo.load(db)
    invoices = (await graphql(client, INVOICES, {"projectId": README_PROJECT_ID}, token=await admin_token(db)))[
        "internalInvoices"]
    assert sorted((i["sellerCompany"]["databaseName"], i["number"], i["status"], i["total"], i["upTo"])
                  for i in invoices) == [
        ("fjellvik-engineering", 1, "FINAL", "7700.00", "2026-11-01"),
        ("havbris-design", 1, "DRAFT", "7600.00", "2026-11-01"),
    ]
    async with db.read() as session:
        sources = list(await session.scalars(select(m.TimeRecord).where(
            m.TimeRecord.status == m.HourStatus.INVOICED, m.TimeRecord.source_record_id.is_(None),
            m.TimeRecord.company_id != (await session.scalar(select(m.Company.id).where(
                m.Company.database_name == "nordlys-consulting"))))))
    assert len(sources) == 4 and {str(s.date) for s in sources} <= {"2026-10-26", "2026-10-27", "2026-10-28",
                                                                     "2026-10-29"}


async def test_the_main_company_reads_what_it_is_invoiced_and_its_margin(db, client):
    await demo.load(db)
    token = await admin_token(db)
    async with db.read() as session:
        fjellvik = await session.scalar(select(m.Company.id).where(m.Company.database_name == "fjellvik-engineering"))
    basis = (await graphql(client, BASIS, {"projectId": README_PROJECT_ID, "partner": gid("Company", fjellvik),
                                           **WEEKS}, token=token))["internalInvoicingBasis"]
    assert gid("Company", fjellvik) == "Q29tcGFueToy"  # as the README's example names it
    assert basis["direction"] == "PAYABLE"
    assert basis["totals"] == [{"kind": "HOURS", "hours": "28.00", "amount": "30800.00"},
                               {"kind": "EXPENSES", "hours": None, "amount": "2486.00"}]
    margin = (await graphql(client, MARGIN, {"projectId": README_PROJECT_ID, **WEEKS}, token=token))[
        "sharedProjectMargin"]
    assert [p["company"]["databaseName"] for p in margin["partners"]] == ["fjellvik-engineering", "havbris-design"]
    # Fjellvik: 28 hours at the main project's 1550.00 and the 2486.00 expense, against 28 at 1100.00 and the expense;
    # Havbris: 32 hours at 1550.00 against 32 at 950.00
    assert [(p["hours"], p["value"], p["cost"], p["margin"]) for p in margin["partners"]] == [
        ("28.00", "45886.00", "33286.00", "12600.00"), ("32.00", "49600.00", "30400.00", "19200.00")]
    assert (margin["partnerValue"], margin["cost"], margin["margin"]) == ("95486.00", "63686.00", "31800.00")
