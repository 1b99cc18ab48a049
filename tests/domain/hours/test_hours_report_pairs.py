"""The hours report leaves out a mirror whose source it counts only where it could count both: a source and its
mirror are on two projects in two companies (domain.hours.report.may_count_both_of_a_pair)."""
from domain.hours.report import HoursFilter, may_count_both_of_a_pair


def test_a_report_over_several_companies_may_count_both_of_a_pair():
    assert may_count_both_of_a_pair(HoursFilter())
    assert may_count_both_of_a_pair(HoursFilter(company_ids=(1, 2)))


def test_a_report_of_one_project_never_counts_both():
    assert not may_count_both_of_a_pair(HoursFilter(project_id=7))
    assert not may_count_both_of_a_pair(HoursFilter(project_id=7, company_ids=(1, 2)))


def test_a_report_of_one_company_never_counts_both():
    assert not may_count_both_of_a_pair(HoursFilter(company_ids=(1,)))
    assert not may_count_both_of_a_pair(HoursFilter(company_ids=(3, 3)))
