"""A company's partner settings (SPEC §2.1, §2.5–2.7): partner companies on or off, sharing customers and
tasks, and OWN or GROUP for each number series. Admins only; partner companies need PRO."""
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.platform.db import Database
from domain.platform.errors import InPartnerGroup, PartnerCompaniesDisabled, ProRequired
from domain.model import Company, NumberSeries, Role, SeriesKind, SeriesPolicy, Tier
from domain.access.policy import require_company_role
from domain.access.viewer import Viewer
from domain.partners.links import current_group_id
from domain.platform.validation import not_null

SWITCHES = {"partner_companies_enabled": "partnerCompaniesEnabled", "share_customers": "shareCustomers",
            "share_tasks": "shareTasks"}
POLICIES = {SeriesKind.PROJECT: "projectNumberSeries", SeriesKind.CUSTOMER: "customerNumberSeries",
            SeriesKind.INVOICE: "invoiceNumberSeries"}


def settings_values(
    *, tier: Tier, current: Mapping[str, Any], changes: Mapping[str, Any], in_group: bool
) -> tuple[dict[str, Any], dict[SeriesKind, SeriesPolicy]]:
    """The company columns and series policies an edit sets (pure).

    `current` and `changes` hold the switches by column name and the policies by SeriesKind; `changes`
    only what the caller gave. Turning partner companies off turns the sharing switches off and puts
    every series back to OWN; it is refused while the company is in a group.
    """
    given_switches = {key: not_null(changes[key], field=SWITCHES[key]) for key in SWITCHES if key in changes}
    given_policies = {kind: not_null(changes[kind], field=POLICIES[kind]) for kind in POLICIES if kind in changes}
    asked_for = [SWITCHES[key] for key, on in given_switches.items() if on] + [
        POLICIES[kind] for kind, policy in given_policies.items() if policy == SeriesPolicy.GROUP
    ]
    if tier != Tier.PRO and asked_for:
        raise ProRequired("Partner companies is a PRO feature; this company is STANDARD.", field=asked_for[0])
    enabled = given_switches.get("partner_companies_enabled", current["partner_companies_enabled"])
    if not enabled:
        if current["partner_companies_enabled"] and in_group:
            raise InPartnerGroup(
                "The company is in a partner group: leave the group before turning partner companies off.",
                field="partnerCompaniesEnabled",
            )
        if asked_for:
            raise PartnerCompaniesDisabled("Enable partner companies first.", field=asked_for[0])
        return {key: False for key in SWITCHES}, {kind: SeriesPolicy.OWN for kind in POLICIES}
    return given_switches, given_policies


async def update_company_settings(db: Database, viewer: Viewer, company_id: int, changes: Mapping[str, Any]) -> Company:
    async with db.transaction() as session:
        return await update_company_settings_in(session, viewer, company_id, changes)


async def update_company_settings_in(
    session: AsyncSession, viewer: Viewer, company_id: int, changes: Mapping[str, Any]
) -> Company:
    require_company_role(viewer, company_id, [Role.ADMIN], field="companyId")
    company = await session.get(Company, company_id)
    series = {s.kind: s for s in await session.scalars(select(NumberSeries).where(NumberSeries.company_id == company_id))}
    current = {key: getattr(company, key) for key in SWITCHES} | {kind: s.policy for kind, s in series.items()}
    in_group = await current_group_id(session, company_id) is not None
    switches, policies = settings_values(tier=company.tier, current=current, changes=changes, in_group=in_group)
    for key, value in switches.items():
        if getattr(company, key) != value:
            setattr(company, key, value)
    for kind, policy in policies.items():
        series[kind].policy = policy
    await session.flush()
    return company
