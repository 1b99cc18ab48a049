"""Seeding partner setups for tests, through the partner services themselves (as the demo does)."""
from dataclasses import dataclass

from sqlalchemy import update

from domain import model as m
from domain.platform.db import Database
from domain.access.viewer import Membership, Viewer
from domain.partners import company_settings
from domain.partners import groups as partner_groups
from domain.partners import links as partner_links
from domain.projects import secondary_customer
from domain.access.tokens import create_token
from tests.factories import SeededCompany, add_customer, company_with_staff, gid


def admin_viewer(company: SeededCompany) -> Viewer:
    admin = company["admin"]
    return Viewer(user_id=admin.user_id, email=admin.email,
                  memberships=(Membership(company.id, admin.co_worker_id, m.Role.ADMIN),))


OPERATOR = Viewer(user_id=None, is_operator=True)


async def operator_token(db: Database) -> str:
    token, _ = await create_token(db, db.settings, email="support@vendor.test", operator=True)
    return token


async def enable_partners(db: Database, company: SeededCompany, *, share_customers: bool = False,
                          share_tasks: bool = False) -> None:
    await company_settings.update_company_settings(db, admin_viewer(company), company.id, {
        "partner_companies_enabled": True, "share_customers": share_customers, "share_tasks": share_tasks,
    })


@dataclass
class Link:
    id: int
    customer_id: int

    @property
    def gid(self) -> str:
        return gid("PartnerLink", self.id)


async def link_one_way(db: Database, company: SeededCompany, partner: SeededCompany, *, confirm: bool = True,
                       attach: bool = True) -> Link:
    """`company` adds `partner` (and confirms it, and attaches a new customer named after the partner)."""
    viewer = admin_viewer(company)
    link = await partner_links.add_partner_link(db, viewer, company.id, partner.database_name)
    customer_id = await add_customer(db, company, f"{partner.database_name.title()} AS")
    if confirm:
        await partner_links.confirm_partner_link(db, viewer, link.id)
    if attach:
        await secondary_customer.attach_partner_customer(db, viewer, link.id, customer_id)
    return Link(link.id, customer_id)


async def link_both_ways(db: Database, a: SeededCompany, b: SeededCompany) -> tuple[Link, Link]:
    return await link_one_way(db, a, b), await link_one_way(db, b, a)


async def register(db: Database, companies: list[SeededCompany], main: SeededCompany) -> int:
    group = await partner_groups.register_partner_group(
        db, OPERATOR, partner_groups.GroupDraft([c.id for c in companies], main.id)
    )
    return group.id


async def group_of_companies(db: Database, names: tuple[str, ...], *, share_customers: bool = False,
                             share_tasks: bool = False) -> tuple[list[SeededCompany], int]:
    """Companies with staff, partner companies on, linked both ways pair by pair, registered as a group
    whose main company is the first."""
    companies = [await company_with_staff(db, name) for name in names]
    for company in companies:
        await enable_partners(db, company, share_customers=share_customers, share_tasks=share_tasks)
    for i, a in enumerate(companies):
        for b in companies[i + 1:]:
            await link_both_ways(db, a, b)
    return companies, await register(db, companies, companies[0])


async def set_series_policy(db: Database, company: SeededCompany, kind: m.SeriesKind, policy: m.SeriesPolicy) -> None:
    async with db.transaction() as session:
        await session.execute(
            update(m.NumberSeries).where(m.NumberSeries.company_id == company.id, m.NumberSeries.kind == kind)
            .values(policy=policy)
        )
