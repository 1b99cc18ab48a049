"""The partner handshake (SPEC §2.1–2.4) as plain decisions: what each company still has to do.

A pair of companies A and B is linked when A has added B, confirmed it and attached the customer that
stands for B, and B has done the same towards A. A group can be registered when every company in it is
PRO with partner companies enabled and in no other group, and every pair in it is linked. These
functions list every step still missing, each naming the company that must act and the partner it
concerns; the services and the GraphQL layer only report them.
"""
import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from domain.platform.errors import (
    DomainError,
    InPartnerGroup,
    PartnerCompaniesDisabled,
    PartnerCustomerNotAttached,
    PartnerNotAdded,
    PartnerNotConfirmed,
    ProRequired,
)
from domain.model import Tier


class PartnerStep(enum.StrEnum):
    UPGRADE_TO_PRO = "UPGRADE_TO_PRO"
    ENABLE_PARTNER_COMPANIES = "ENABLE_PARTNER_COMPANIES"
    LEAVE_OTHER_GROUP = "LEAVE_OTHER_GROUP"
    ADD_PARTNER = "ADD_PARTNER"
    CONFIRM_PARTNER = "CONFIRM_PARTNER"
    ATTACH_CUSTOMER = "ATTACH_CUSTOMER"


STEP_ERRORS: dict[PartnerStep, type[DomainError]] = {
    PartnerStep.UPGRADE_TO_PRO: ProRequired,
    PartnerStep.ENABLE_PARTNER_COMPANIES: PartnerCompaniesDisabled,
    PartnerStep.LEAVE_OTHER_GROUP: InPartnerGroup,
    PartnerStep.ADD_PARTNER: PartnerNotAdded,
    PartnerStep.CONFIRM_PARTNER: PartnerNotConfirmed,
    PartnerStep.ATTACH_CUSTOMER: PartnerCustomerNotAttached,
}


@dataclass(frozen=True)
class CompanyFacts:
    id: int
    database_name: str
    tier: Tier
    partner_companies_enabled: bool
    group_id: int | None = None  # the group the company is in now


@dataclass(frozen=True)
class LinkFacts:
    """One direction of a pair: `company_id` added `partner_company_id`."""

    company_id: int
    partner_company_id: int
    confirmed: bool
    customer_attached: bool


Links = Mapping[tuple[int, int], LinkFacts]


@dataclass(frozen=True)
class MissingStep:
    company: CompanyFacts  # who must act
    step: PartnerStep
    partner: CompanyFacts | None = None  # the partner the step concerns; None for the company's own settings

    @property
    def message(self) -> str:
        who = self.company.database_name
        partner = self.partner.database_name if self.partner else ""
        return {
            PartnerStep.UPGRADE_TO_PRO: f"{who} is a STANDARD company: partner companies need PRO.",
            PartnerStep.ENABLE_PARTNER_COMPANIES: f"{who} has not enabled partner companies in its settings.",
            PartnerStep.LEAVE_OTHER_GROUP: f"{who} is already in another partner group; it must leave that group first.",
            PartnerStep.ADD_PARTNER: f"{who} has not added {partner} as a partner company.",
            PartnerStep.CONFIRM_PARTNER: f"{who} has not confirmed {partner} as a partner company.",
            PartnerStep.ATTACH_CUSTOMER: f"{who} has not attached the customer that represents {partner}.",
        }[self.step]

    def error(self, field: str | None) -> DomainError:
        return STEP_ERRORS[self.step](self.message, field=field)


def settings_steps(company: CompanyFacts) -> list[MissingStep]:
    """What the company itself lacks for any partner link to count: PRO, and the setting switched on."""
    steps = []
    if company.tier != Tier.PRO:
        steps.append(MissingStep(company, PartnerStep.UPGRADE_TO_PRO))
    if not company.partner_companies_enabled:
        steps.append(MissingStep(company, PartnerStep.ENABLE_PARTNER_COMPANIES))
    return steps


def company_steps(company: CompanyFacts, *, joining_group: int | None = None) -> list[MissingStep]:
    """What the company lacks to join a group: its settings, and being in no other group."""
    steps = settings_steps(company)
    if company.group_id is not None and company.group_id != joining_group:
        steps.append(MissingStep(company, PartnerStep.LEAVE_OTHER_GROUP))
    return steps


def link_steps(company: CompanyFacts, partner: CompanyFacts, link: LinkFacts | None) -> list[MissingStep]:
    """What `company` still has to do towards `partner`: add, confirm, attach the customer (in any order
    but adding first, so a link not added misses all three)."""
    steps = []
    if link is None:
        steps.append(MissingStep(company, PartnerStep.ADD_PARTNER, partner))
    if link is None or not link.confirmed:
        steps.append(MissingStep(company, PartnerStep.CONFIRM_PARTNER, partner))
    if link is None or not link.customer_attached:
        steps.append(MissingStep(company, PartnerStep.ATTACH_CUSTOMER, partner))
    return steps


def pair_steps(a: CompanyFacts, b: CompanyFacts, links: Links) -> list[MissingStep]:
    """Both directions of a pair: A's steps towards B, then B's towards A."""
    return link_steps(a, b, links.get((a.id, b.id))) + link_steps(b, a, links.get((b.id, a.id)))


def pair_is_linked(a_id: int, b_id: int, links: Links) -> bool:
    there, back = links.get((a_id, b_id)), links.get((b_id, a_id))
    return all(link is not None and link.confirmed and link.customer_attached for link in (there, back))


def group_steps(companies: Sequence[CompanyFacts], links: Links, *, joining_group: int | None = None) -> list[MissingStep]:
    """Every step missing before these companies can form a group, company by company, then pair by pair."""
    steps = [step for company in companies for step in company_steps(company, joining_group=joining_group)]
    for i, a in enumerate(companies):
        for b in companies[i + 1:]:
            steps.extend(pair_steps(a, b, links))
    return steps


def dissolves_group(*, leaving_company_id: int, main_company_id: int, members_left: int) -> bool:
    """A group ends when its main company leaves (its series is the group's) or one member would remain."""
    return leaving_company_id == main_company_id or members_left < 2
