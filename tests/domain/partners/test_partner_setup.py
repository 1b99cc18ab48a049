"""The partner handshake and group rules over plain values, without a database."""
import pytest

from domain import model as m
from domain.platform.errors import InPartnerGroup, PartnerCompaniesDisabled, ProRequired
from domain.partners.numbering import drawing_company
from domain.partners.setup import (
    CompanyFacts, LinkFacts, PartnerStep, dissolves_group, group_steps, pair_is_linked, pair_steps, settings_steps,
)
from domain.partners.company_settings import settings_values

A = CompanyFacts(1, "alfa", m.Tier.PRO, True)
B = CompanyFacts(2, "bravo", m.Tier.PRO, True)
C = CompanyFacts(3, "charlie", m.Tier.PRO, True)


def link(a, b, *, confirmed=True, customer=True) -> dict:
    return {(a.id, b.id): LinkFacts(a.id, b.id, confirmed, customer)}


def described(steps) -> list[tuple[str, str, str | None]]:
    return [(s.company.database_name, s.step, s.partner.database_name if s.partner else None) for s in steps]


def test_a_pair_linked_both_ways_has_nothing_missing():
    links = link(A, B) | link(B, A)
    assert pair_steps(A, B, links) == []
    assert pair_is_linked(A.id, B.id, links)


def test_a_link_only_one_side_has_made_leaves_every_step_of_the_other_side_missing():
    links = link(A, B)
    assert described(pair_steps(A, B, links)) == [
        ("bravo", PartnerStep.ADD_PARTNER, "alfa"),
        ("bravo", PartnerStep.CONFIRM_PARTNER, "alfa"),
        ("bravo", PartnerStep.ATTACH_CUSTOMER, "alfa"),
    ]
    assert not pair_is_linked(A.id, B.id, links)


def test_an_added_but_unconfirmed_link_without_customer_misses_confirming_and_attaching():
    links = link(A, B, confirmed=False, customer=False) | link(B, A, customer=False)
    assert described(pair_steps(A, B, links)) == [
        ("alfa", PartnerStep.CONFIRM_PARTNER, "bravo"),
        ("alfa", PartnerStep.ATTACH_CUSTOMER, "bravo"),
        ("bravo", PartnerStep.ATTACH_CUSTOMER, "alfa"),
    ]


def test_each_missing_step_says_which_company_which_partner_and_what_is_missing():
    messages = [s.message for s in pair_steps(A, B, link(B, A, confirmed=False))]
    assert messages == [
        "alfa has not added bravo as a partner company.",
        "alfa has not confirmed bravo as a partner company.",
        "alfa has not attached the customer that represents bravo.",
        "bravo has not confirmed alfa as a partner company.",
    ]


def test_a_standard_company_without_the_setting_misses_pro_and_the_setting():
    standard = CompanyFacts(4, "delta", m.Tier.STANDARD, False)
    assert [s.step for s in settings_steps(standard)] == [PartnerStep.UPGRADE_TO_PRO, PartnerStep.ENABLE_PARTNER_COMPANIES]
    assert isinstance(settings_steps(standard)[0].error("companyIds.0"), ProRequired)


def test_a_group_needs_every_pair_linked_and_no_member_in_another_group():
    in_other_group = CompanyFacts(3, "charlie", m.Tier.PRO, True, group_id=9)
    links = link(A, B) | link(B, A) | link(A, C) | link(C, A) | link(B, C)
    assert described(group_steps([A, B, in_other_group], links)) == [
        ("charlie", PartnerStep.LEAVE_OTHER_GROUP, None),
        ("charlie", PartnerStep.ADD_PARTNER, "bravo"),
        ("charlie", PartnerStep.CONFIRM_PARTNER, "bravo"),
        ("charlie", PartnerStep.ATTACH_CUSTOMER, "bravo"),
    ]
    assert group_steps([A, B, C], links | link(C, B)) == []


@pytest.mark.parametrize(("leaving", "left", "dissolves"), [(1, 2, True), (2, 2, False), (2, 1, True)])
def test_a_group_ends_when_its_main_company_leaves_or_one_member_remains(leaving, left, dissolves):
    assert dissolves_group(leaving_company_id=leaving, main_company_id=1, members_left=left) is dissolves


def test_group_policy_draws_from_the_main_company_only_inside_a_group():
    assert drawing_company(2, m.SeriesPolicy.GROUP, 1) == 1
    assert drawing_company(2, m.SeriesPolicy.GROUP, None) == 2
    assert drawing_company(2, m.SeriesPolicy.OWN, 1) == 2


OFF = {"partner_companies_enabled": False, "share_customers": False, "share_tasks": False,
       m.SeriesKind.PROJECT: m.SeriesPolicy.OWN, m.SeriesKind.CUSTOMER: m.SeriesPolicy.OWN}
ON = OFF | {"partner_companies_enabled": True}


def test_a_standard_company_cannot_turn_on_any_partner_setting():
    for change, field in [({"partner_companies_enabled": True}, "partnerCompaniesEnabled"),
                          ({"share_tasks": True}, "shareTasks"),
                          ({m.SeriesKind.PROJECT: m.SeriesPolicy.GROUP}, "projectNumberSeries")]:
        with pytest.raises(ProRequired) as refused:
            settings_values(tier=m.Tier.STANDARD, current=OFF, changes=change, in_group=False)
        assert refused.value.field == field


def test_sharing_and_group_series_need_partner_companies_on():
    with pytest.raises(PartnerCompaniesDisabled) as refused:
        settings_values(tier=m.Tier.PRO, current=OFF, changes={m.SeriesKind.CUSTOMER: m.SeriesPolicy.GROUP},
                        in_group=False)
    assert refused.value.field == "customerNumberSeries"
    switches, policies = settings_values(
        tier=m.Tier.PRO, current=OFF, changes={"partner_companies_enabled": True, "share_customers": True},
        in_group=False,
    )
    assert switches == {"partner_companies_enabled": True, "share_customers": True} and policies == {}


def test_turning_partner_companies_off_turns_everything_off_but_not_inside_a_group():
    current = ON | {"share_tasks": True, m.SeriesKind.PROJECT: m.SeriesPolicy.GROUP}
    switches, policies = settings_values(
        tier=m.Tier.PRO, current=current, changes={"partner_companies_enabled": False}, in_group=False
    )
    assert switches == {"partner_companies_enabled": False, "share_customers": False, "share_tasks": False}
    assert policies == {m.SeriesKind.PROJECT: m.SeriesPolicy.OWN, m.SeriesKind.CUSTOMER: m.SeriesPolicy.OWN,
                        m.SeriesKind.INVOICE: m.SeriesPolicy.OWN}
    with pytest.raises(InPartnerGroup):
        settings_values(tier=m.Tier.PRO, current=current, changes={"partner_companies_enabled": False}, in_group=True)
