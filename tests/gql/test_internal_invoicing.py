"""Internal invoicing (SPEC §4, issue 19): the basis from both sides, internal invoices (numbered, INVOICED on both
sides, cancelled back to APPROVED, final), their CSV, fixed-price secondaries and the margin of a shared project."""
import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import insert, select, update

from domain import model as m
from tests.factories import gid, graphql
from tests.partner_hours_seeds import ProjectFamily, insert_mirror, insert_source, project_family

BASIS = """
query Basis($projectId: ID!, $partner: ID, $from: Date!, $to: Date!, $statuses: [HourStatus!]) {
  internalInvoicingBasis(projectId: $projectId, partnerCompanyId: $partner, from: $from, to: $to,
                         statuses: $statuses) {
    direction from to currency grandTotal
    lines { kind coWorkerName activityName month hours rate amount entryCount }
    totals { kind hours amount }
    project { id }
    sellerCompany { databaseName } buyerCompany { databaseName }
  }
}
"""

INVOICE_FIELDS = """
    id number status upTo currency total csvUrl
    lines { kind coWorkerName activityName month hours rate amount entryCount }
    totals { kind hours amount }
    sellerCompany { databaseName } buyerCompany { databaseName }
    secondaryProject { id } mainProject { id }
"""

CREATE = """
mutation Create($input: InternalInvoiceCreateInput!) {
  internalInvoiceCreate(input: $input) { internalInvoice { %s } userErrors { field message code } }
}
""" % INVOICE_FIELDS

CANCEL = """
mutation Cancel($input: InternalInvoiceCancelInput!) {
  internalInvoiceCancel(input: $input) { internalInvoice { id status } userErrors { field message code } }
}
"""

FINALIZE = """
mutation Finalize($input: InternalInvoiceFinalizeInput!) {
  internalInvoiceFinalize(input: $input) { internalInvoice { id status } userErrors { field message code } }
}
"""

READ = """
query Read($id: ID!, $projectId: ID!) {
  internalInvoice(id: $id) { id number status total }
  internalInvoices(projectId: $projectId) { id number status }
}
"""

MARGIN = """
query Margin($projectId: ID!, $from: Date!, $to: Date!) {
  sharedProjectMargin(projectId: $projectId, from: $from, to: $to) {
    from to currency ownHours ownValue partnerValue cost margin
    partners { company { databaseName } hours value cost margin }
  }
}
"""

SPRING = {"from": "2026-03-01", "to": "2026-04-30"}


@pytest.fixture
async def family(db) -> ProjectFamily:
    """nordlys' main project shared with fjellvik; fjellvik's secondary has its own rates (priceModelFromMain off):
    900 on the project, 1000 on the copy of the main project's second activity (the activity's rate comes first)."""
    family = await project_family(db, ("fjellvik",))
    guest = family.guests[0]
    async with db.transaction() as session:
        await session.execute(update(m.Project).where(m.Project.id == family.secondary_of(guest))
                              .values(price_model_from_main=False, hourly_rate=Decimal("900.00")))
        await session.execute(update(m.Activity).where(
            m.Activity.id == family.copy_of(guest, family.main_activity_ids[1])).values(hourly_rate=Decimal("1000.00")))
    return family


async def pair(db, family: ProjectFamily, *, date: dt.date, hours: str, activity: int = 0,
               status: m.HourStatus = m.HourStatus.APPROVED,
               mirror_status: m.HourStatus = m.HourStatus.NOT_APPROVED) -> tuple[int, int]:
    guest = family.guests[0]
    source = await insert_source(db, family, guest, date=date, hours=hours, activity=activity, status=status)
    mirror = await insert_mirror(db, family, guest, source, date=date, hours=hours, activity=activity,
                                 status=mirror_status)
    return source, mirror


@pytest.fixture
async def hours(db, family) -> dict[str, tuple[int, int]]:
    """Three pairs: 7.5 approved and 2.25 not approved in March on activity 1, 4 approved in April on activity 2."""
    return {
        "march": await pair(db, family, date=dt.date(2026, 3, 2), hours="7.5"),
        "unapproved": await pair(db, family, date=dt.date(2026, 3, 3), hours="2.25",
                                 status=m.HourStatus.NOT_APPROVED),
        "april": await pair(db, family, date=dt.date(2026, 4, 1), hours="4", activity=1),
    }


def partner_admin(family: ProjectFamily) -> str:
    return family.partners[0]["admin"].token


def secondary_gid(family: ProjectFamily) -> str:
    return gid("Project", family.secondary_of(family.guests[0]))


async def statuses(db, *ids: int) -> list[str]:
    async with db.read() as session:
        found = dict((await session.execute(select(m.TimeRecord.id, m.TimeRecord.status)
                                            .where(m.TimeRecord.id.in_(ids)))).all())
    return [found[pk].value for pk in ids]


async def create(client, family, up_to="2026-04-30", *, token=None, project=None) -> dict:
    data = await graphql(client, CREATE, {"input": {"projectId": project or secondary_gid(family), "upTo": up_to}},
                         token=token or partner_admin(family))
    return data["internalInvoiceCreate"]


# --- the basis ---------------------------------------------------------------------------------------


async def test_the_partner_admin_reads_the_basis_per_co_worker_activity_and_month_at_its_own_rates(
        db, client, family, hours):
    basis = (await graphql(client, BASIS, {"projectId": secondary_gid(family), **SPRING},
                           token=partner_admin(family)))["internalInvoicingBasis"]
    assert basis["direction"] == "RECEIVABLE" and basis["currency"] == "NOK"
    assert basis["project"] == {"id": secondary_gid(family)}
    assert (basis["sellerCompany"], basis["buyerCompany"]) == ({"databaseName": "fjellvik"},
                                                               {"databaseName": "nordlys"})
    assert basis["lines"] == [
        {"kind": "HOURS", "coWorkerName": "Employee", "activityName": "1 Activity 1", "month": "2026-03",
         "hours": "9.75", "rate": "900.00", "amount": "8775.00", "entryCount": 2},
        {"kind": "HOURS", "coWorkerName": "Employee", "activityName": "2 Activity 2", "month": "2026-04",
         "hours": "4.00", "rate": "1000.00", "amount": "4000.00", "entryCount": 1},
    ]
    assert basis["totals"] == [{"kind": "HOURS", "hours": "13.75", "amount": "12775.00"}]
    assert basis["grandTotal"] == "12775.00"


async def test_the_basis_filters_by_status_and_period(db, client, family, hours):
    basis = (await graphql(client, BASIS, {"projectId": secondary_gid(family), "from": "2026-03-01",
                                           "to": "2026-03-31", "statuses": ["NOT_APPROVED"]},
                           token=partner_admin(family)))["internalInvoicingBasis"]
    assert [(line["hours"], line["amount"]) for line in basis["lines"]] == [("2.25", "2025.00")]
    assert basis["grandTotal"] == "2025.00"


async def test_the_main_admin_reads_the_same_basis_as_what_it_is_invoiced_naming_the_partner(
        db, client, family, hours):
    variables = {"projectId": family.main_gid, "partner": gid("Company", family.partners[0].id), **SPRING}
    basis = (await graphql(client, BASIS, variables, token=family.main["admin"].token))["internalInvoicingBasis"]
    assert basis["direction"] == "PAYABLE" and basis["project"] == {"id": family.main_gid}
    assert basis["grandTotal"] == "12775.00" and len(basis["lines"]) == 2


async def test_with_the_price_model_from_main_the_main_projects_rates_apply(db, client, family, hours):
    guest = family.guests[0]
    async with db.transaction() as session:
        await session.execute(update(m.Project).where(m.Project.id == family.secondary_of(guest))
                              .values(price_model_from_main=True, hourly_rate=Decimal("1500.00")))
        # the main project's rate (1500) for the first activity, and its own 1800 on the second
        await session.execute(update(m.Activity).where(m.Activity.id == family.main_activity_ids[1])
                              .values(hourly_rate=Decimal("1800.00")))
    basis = (await graphql(client, BASIS, {"projectId": secondary_gid(family), **SPRING},
                           token=partner_admin(family)))["internalInvoicingBasis"]
    assert [(line["rate"], line["amount"]) for line in basis["lines"]] == [("1500.00", "14625.00"),
                                                                          ("1800.00", "7200.00")]
    assert basis["grandTotal"] == "21825.00"


async def test_the_main_admin_must_name_the_partner_company(db, client, family, hours):
    body = await graphql(client, BASIS, {"projectId": family.main_gid, **SPRING}, token=family.main["admin"].token,
                         expect_errors=True)
    assert body["errors"][0]["extensions"] == {"code": "INVALID_INPUT", "field": "partnerCompanyId"}


@pytest.mark.parametrize(("who", "code"), [("employee", "FORBIDDEN"), ("external", "NOT_FOUND")])
async def test_who_may_not_see_rates_gets_no_basis(db, client, family, hours, who, code):
    """The partner co-worker on the project is refused; an EXTERNAL one, who does not see the project, finds none."""
    token = family.partners[0][who].token
    body = await graphql(client, BASIS, {"projectId": secondary_gid(family), **SPRING}, token=token,
                         expect_errors=True)
    assert body["data"] is None
    assert body["errors"][0]["extensions"] == {"code": code, "field": "projectId"}


async def test_the_partner_cannot_read_the_basis_through_the_main_project(db, client, family, hours):
    variables = {"projectId": family.main_gid, "partner": gid("Company", family.partners[0].id), **SPRING}
    body = await graphql(client, BASIS, variables, token=partner_admin(family), expect_errors=True)
    assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"


async def test_a_period_ending_before_it_starts_is_refused(db, client, family):
    body = await graphql(client, BASIS, {"projectId": secondary_gid(family), "from": "2026-04-01",
                                         "to": "2026-03-01"}, token=partner_admin(family), expect_errors=True)
    assert body["errors"][0]["extensions"]["code"] == "INVALID_INPUT"


# --- internal invoices -------------------------------------------------------------------------------


async def test_an_internal_invoice_takes_the_approved_hours_and_invoices_them_on_both_sides(db, client, family, hours):
    result = await create(client, family)
    assert result["userErrors"] == []
    invoice = result["internalInvoice"]
    assert (invoice["number"], invoice["status"], invoice["upTo"], invoice["total"]) == (1, "DRAFT", "2026-04-30",
                                                                                         "10750.00")
    assert [(line["hours"], line["rate"], line["amount"]) for line in invoice["lines"]] == [
        ("7.50", "900.00", "6750.00"), ("4.00", "1000.00", "4000.00")]
    assert invoice["totals"] == [{"kind": "HOURS", "hours": "11.50", "amount": "10750.00"}]
    assert invoice["secondaryProject"] == {"id": secondary_gid(family)} and invoice["mainProject"] is None
    assert invoice["csvUrl"] == f"/internal-invoices/{invoice['id']}/lines.csv"
    assert await statuses(db, *hours["march"], *hours["april"]) == ["INVOICED"] * 4
    assert await statuses(db, *hours["unapproved"]) == ["NOT_APPROVED", "NOT_APPROVED"]

    # and an invoiced pair is locked for edits at home
    edit = await graphql(client, """mutation($input: TimeRecordUpdateInput!) {
      timeRecordUpdate(input: $input) { userErrors { code } } }""",
                         {"input": {"id": gid("TimeRecord", hours["march"][0]), "hours": "1"}},
                         token=family.guests[0].home.token)
    assert edit["timeRecordUpdate"]["userErrors"] == [{"code": "LOCKED"}]

    # and nothing is left to invoice
    again = await create(client, family)
    assert again["internalInvoice"] is None
    assert again["userErrors"] == [{"field": "upTo", "code": "NOTHING_TO_INVOICE", "message": again["userErrors"][0][
        "message"]}]


async def test_the_invoice_takes_hours_up_to_its_date_only(db, client, family, hours):
    invoice = (await create(client, family, "2026-03-31"))["internalInvoice"]
    assert invoice["total"] == "6750.00"
    assert await statuses(db, *hours["april"]) == ["APPROVED", "NOT_APPROVED"]


async def test_a_cancelled_draft_gives_its_hours_back_and_the_next_invoice_takes_them_with_the_next_number(
        db, client, family, hours):
    march_mirror_before = await statuses(db, hours["march"][1])
    invoice = (await create(client, family))["internalInvoice"]
    cancelled = (await graphql(client, CANCEL, {"input": {"id": invoice["id"]}},
                               token=partner_admin(family)))["internalInvoiceCancel"]
    assert cancelled == {"internalInvoice": {"id": invoice["id"], "status": "CANCELLED"}, "userErrors": []}
    assert await statuses(db, hours["march"][0], hours["april"][0]) == ["APPROVED", "APPROVED"]
    assert await statuses(db, hours["march"][1]) == march_mirror_before

    second = (await create(client, family))["internalInvoice"]
    assert (second["number"], second["total"]) == (2, "10750.00")
    final = (await graphql(client, FINALIZE, {"input": {"id": second["id"]}},
                           token=partner_admin(family)))["internalInvoiceFinalize"]
    assert final["internalInvoice"]["status"] == "FINAL"
    refused = (await graphql(client, CANCEL, {"input": {"id": second["id"]}},
                             token=partner_admin(family)))["internalInvoiceCancel"]
    assert [(e["field"], e["code"]) for e in refused["userErrors"]] == [("id", "LOCKED")]
    assert await statuses(db, *hours["march"]) == ["INVOICED", "INVOICED"]


async def test_only_the_partner_companys_admin_creates_and_cancels_internal_invoices(db, client, family, hours):
    by_employee = await create(client, family, token=family.partners[0]["leader"].token)
    assert [(e["field"], e["code"]) for e in by_employee["userErrors"]] == [("projectId", "FORBIDDEN")]
    on_main = await create(client, family, token=family.main["admin"].token, project=family.main_gid)
    assert [(e["field"], e["code"]) for e in on_main["userErrors"]] == [("projectId", "INVALID_INPUT")]
    by_main = await create(client, family, token=family.main["admin"].token)
    assert [(e["field"], e["code"]) for e in by_main["userErrors"]] == [("projectId", "NOT_FOUND")]

    invoice = (await create(client, family))["internalInvoice"]
    refused = (await graphql(client, CANCEL, {"input": {"id": invoice["id"]}},
                             token=family.main["admin"].token))["internalInvoiceCancel"]
    assert [(e["field"], e["code"]) for e in refused["userErrors"]] == [("id", "FORBIDDEN")]


async def test_both_companies_admins_read_the_invoice_and_nobody_else(db, client, family, hours):
    invoice = (await create(client, family))["internalInvoice"]
    for token, project in ((partner_admin(family), secondary_gid(family)),
                           (family.main["admin"].token, family.main_gid)):
        read = await graphql(client, READ, {"id": invoice["id"], "projectId": project}, token=token)
        assert read["internalInvoice"] == {"id": invoice["id"], "number": 1, "status": "DRAFT", "total": "10750.00"}
        assert read["internalInvoices"] == [{"id": invoice["id"], "number": 1, "status": "DRAFT"}]
    for token in (family.partners[0]["leader"].token, family.main["leader"].token):
        read = await graphql(client, READ, {"id": invoice["id"], "projectId": family.main_gid}, token=token,
                             expect_errors=True)
        assert read["data"] is None or read["data"]["internalInvoice"] is None


async def test_the_lines_download_as_csv_for_both_admins_and_404_for_others(db, client, family, hours):
    invoice = (await create(client, family))["internalInvoice"]
    for token in (partner_admin(family), family.main["admin"].token):
        response = await client.get(invoice["csvUrl"], headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/csv")
        assert response.text.splitlines() == [
            "invoice_number,seller_company,buyer_company,status,line,kind,co_worker,activity,month,hours,rate,amount,"
            "currency",
            "1,Fjellvik,Nordlys,DRAFT,1,HOURS,Employee,1 Activity 1,2026-03,7.50,900.00,6750.00,NOK",
            "1,Fjellvik,Nordlys,DRAFT,2,HOURS,Employee,2 Activity 2,2026-04,4.00,1000.00,4000.00,NOK",
        ]
    refused = await client.get(invoice["csvUrl"], headers={"Authorization": f"Bearer {family.main['leader'].token}"})
    assert refused.status_code == 404
    anonymous = await client.get(invoice["csvUrl"])
    assert anonymous.status_code == 401


SETTINGS = """
mutation Settings($input: CompanySettingsUpdateInput!) {
  companySettingsUpdate(input: $input) {
    company { settings { numberSeries { kind policy } } } userErrors { field code }
  }
}
"""


async def test_the_invoice_number_comes_from_the_group_series_under_group(db, client, family, hours):
    partner = family.partners[0]
    changed = (await graphql(client, SETTINGS, {"input": {"companyId": gid("Company", partner.id),
                                                          "invoiceNumberSeries": "GROUP"}},
                             token=partner_admin(family)))["companySettingsUpdate"]
    assert changed["userErrors"] == []
    assert {"kind": "INVOICE", "policy": "GROUP"} in changed["company"]["settings"]["numberSeries"]
    async with db.transaction() as session:
        await session.execute(update(m.NumberSeries).where(
            m.NumberSeries.company_id == family.main.id, m.NumberSeries.kind == m.SeriesKind.INVOICE)
            .values(next_number=500))
    invoice = (await create(client, family))["internalInvoice"]
    assert invoice["number"] == 500


async def test_shared_expenses_are_invoiced_with_their_clones(db, client, family, hours):
    guest = family.guests[0]
    async with db.transaction() as session:
        source = await session.scalar(insert(m.Expense).values(
            company_id=guest.company.id, project_id=family.secondary_of(guest), co_worker_id=guest.home.co_worker_id,
            date=dt.date(2026, 3, 5), amount=Decimal("450.50"), currency="NOK", status=m.HourStatus.APPROVED,
        ).returning(m.Expense.id))
        clone = await session.scalar(insert(m.Expense).values(
            company_id=family.main.id, project_id=family.main_project_id, co_worker_id=guest.external.co_worker_id,
            date=dt.date(2026, 3, 5), amount=Decimal("450.50"), currency="NOK", source_expense_id=source,
        ).returning(m.Expense.id))
        # not shared (no clone): never on an internal invoice
        await session.execute(insert(m.Expense).values(
            company_id=guest.company.id, project_id=family.secondary_of(guest), co_worker_id=guest.home.co_worker_id,
            date=dt.date(2026, 3, 6), amount=Decimal("99.00"), currency="NOK", status=m.HourStatus.APPROVED))
    invoice = (await create(client, family))["internalInvoice"]
    assert invoice["totals"] == [{"kind": "HOURS", "hours": "11.50", "amount": "10750.00"},
                                 {"kind": "EXPENSES", "hours": None, "amount": "450.50"}]
    assert invoice["total"] == "11200.50"
    async with db.read() as session:
        found = dict((await session.execute(select(m.Expense.id, m.Expense.status)
                                            .where(m.Expense.id.in_([source, clone])))).all())
    assert found == {source: m.HourStatus.INVOICED, clone: m.HourStatus.INVOICED}


async def test_a_fixed_price_secondary_is_invoiced_by_its_price_once(db, client, family, hours):
    async with db.transaction() as session:
        await session.execute(update(m.Project).where(m.Project.id == family.secondary_of(family.guests[0]))
                              .values(price_model=m.PriceModel.FIXED, fixed_price=Decimal("50000.00")))
    basis = (await graphql(client, BASIS, {"projectId": secondary_gid(family), **SPRING},
                           token=partner_admin(family)))["internalInvoicingBasis"]
    assert [(line["kind"], line["rate"], line["amount"]) for line in basis["lines"]] == [
        ("HOURS", None, "0.00"), ("HOURS", None, "0.00"), ("FIXED_PRICE", None, "50000.00")]
    assert basis["grandTotal"] == "50000.00"
    first = (await create(client, family, "2026-03-31"))["internalInvoice"]
    assert first["total"] == "50000.00"
    second = (await create(client, family))["internalInvoice"]
    assert second["total"] == "0.00" and [line["kind"] for line in second["lines"]] == ["HOURS"]


# --- the margin -------------------------------------------------------------------------------------


async def test_the_main_company_sees_its_margin_per_partner(db, client, family, hours):
    margin = (await graphql(client, MARGIN, {"projectId": family.main_gid, **SPRING},
                            token=family.main["admin"].token))["sharedProjectMargin"]
    # mirrors at the main project's 1500: 13.75 h = 20625.00; the partner's basis: 12775.00
    assert margin["partners"] == [{"company": {"databaseName": "fjellvik"}, "hours": "13.75", "value": "20625.00",
                                   "cost": "12775.00", "margin": "7850.00"}]
    assert (margin["partnerValue"], margin["cost"], margin["margin"]) == ("20625.00", "12775.00", "7850.00")
    assert (margin["ownHours"], margin["ownValue"]) == ("0", "0.00")


async def test_the_partner_gets_no_margin_of_the_main_project(db, client, family, hours):
    body = await graphql(client, MARGIN, {"projectId": family.main_gid, **SPRING}, token=partner_admin(family),
                         expect_errors=True)
    assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"


async def test_a_group_invoice_series_needs_partner_companies_on(db, client, family):
    """The INVOICE series follows the other series' rules: GROUP while partner companies are off is refused."""
    async with db.transaction() as session:
        await session.execute(update(m.Company).where(m.Company.id == family.partners[0].id)
                              .values(partner_companies_enabled=False))
    refused = (await graphql(client, SETTINGS, {"input": {"companyId": gid("Company", family.partners[0].id),
                                                          "invoiceNumberSeries": "GROUP"}},
                             token=partner_admin(family)))["companySettingsUpdate"]
    assert refused["userErrors"] == [{"field": "invoiceNumberSeries", "code": "PARTNER_COMPANIES_DISABLED"}]


SET_STATUS = """
mutation SetStatus($input: TimeRecordsSetStatusInput!) {
  timeRecordsSetStatus(input: $input) { userErrors { field code } }
}
"""


async def test_hours_on_an_internal_invoice_are_not_taken_back_by_hand(db, client, family, hours):
    await create(client, family)
    refused = (await graphql(client, SET_STATUS, {"input": {"ids": [gid("TimeRecord", hours["march"][0])],
                                                             "status": "APPROVED"}},
                             token=partner_admin(family)))["timeRecordsSetStatus"]
    assert refused["userErrors"] == [{"field": "ids.0", "code": "LOCKED"}]
    assert await statuses(db, hours["march"][0]) == ["INVOICED"]
