"""The demo's internal invoicing (SPEC §4): each partner company prices its secondary project with its own hourly
rate (priceModelFromMain off) and its admin invoices Nordlys for the approved partner hours of the first week, through the invoicing
service (domain/invoicing/invoices.py); Fjellvik's invoice is final, Havbris's stays a draft. Inside the demo's
one transaction."""
import datetime as dt
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain import model as m
from domain.demo.partner_group import admin_of
from domain.invoicing.invoices import create_internal_invoice_in, finalise_internal_invoice_in
from domain.projects.service import update_project_in

# The internal hourly rate of each partner's secondary project, and whether its first invoice is made final.
PARTNER_RATES = {"fjellvik-engineering": (Decimal("1100.00"), True), "havbris-design": (Decimal("950.00"), False)}


async def load(session: AsyncSession, main_project_id: int, *, first_monday: dt.date) -> None:
    secondaries = await session.scalars(
        select(m.Project).where(m.Project.main_project_id == main_project_id).order_by(m.Project.id))
    for secondary in list(secondaries):
        company = await session.get(m.Company, secondary.company_id)
        rate, final = PARTNER_RATES[company.database_name]
        admin = await admin_of(session, company)
        # Internal rates of their own (priceModelFromMain stays off, as a new secondary starts).
        await update_project_in(session, admin, secondary.id, {"price_model_from_main": False, "hourly_rate": rate})
        invoice = await create_internal_invoice_in(session, admin, secondary.id, first_monday + dt.timedelta(days=6))
        if final:
            await finalise_internal_invoice_in(session, admin, invoice.invoice.id)
