"""The access policy's decisions over plain values, without a database."""
import pytest
from sqlalchemy import select
from sqlalchemy.dialects import sqlite

from domain import model as m
from domain.platform.errors import Forbidden
from domain.access.policy import VISIBLE, can_see_rates, may_manage_project, require_approver, require_member, require_operator, require_time_writer, visible
from domain.access.partner_visibility import OPERATOR_VISIBLE
from domain.access.viewer import ANONYMOUS, Membership, Viewer

ACME, BIRCH = 1, 2


def viewer(*memberships: tuple[int, int, m.Role], operator: bool = False) -> Viewer:
    return Viewer(user_id=7, is_operator=operator, memberships=tuple(Membership(*ms) for ms in memberships))


def project(company_id: int = ACME, leader_id: int | None = None) -> m.Project:
    return m.Project(id=100, company_id=company_id, customer_id=1, number=1, name="Website", leader_id=leader_id)


def compiled(clause) -> str:
    return str(select(m.Company.id).where(clause).compile(dialect=sqlite.dialect()))


def test_a_viewer_knows_their_role_in_each_company_and_nowhere_else():
    someone = viewer((ACME, 10, m.Role.ADMIN), (BIRCH, 20, m.Role.EXTERNAL))
    assert someone.role_in(ACME) == m.Role.ADMIN
    assert someone.role_in(BIRCH) == m.Role.EXTERNAL
    assert someone.role_in(3) is None
    assert someone.companies_where([m.Role.ADMIN, m.Role.PROJECT_LEADER]) == [ACME]
    assert someone.co_worker_ids == [10, 20]


@pytest.mark.parametrize("model", list(VISIBLE))
def test_someone_without_a_co_worker_record_may_read_no_row_of_any_kind(model):
    assert compiled(visible(ANONYMOUS, model)).endswith("WHERE 0 = 1")


@pytest.mark.parametrize("model", list(VISIBLE))
def test_an_operator_reads_every_partner_group_with_its_members_and_series_and_no_row_of_a_company(model):
    # Operators register groups (SPEC §1): the groups, their members and series are theirs to read, nothing else.
    clause = compiled(visible(viewer(operator=True), model))
    if model in OPERATOR_VISIBLE:
        assert clause.endswith("WHERE 1 = 1") or clause.endswith("WHERE true")
    else:
        assert clause.endswith("WHERE 0 = 1")


@pytest.mark.parametrize(("role", "sees"), [
    (m.Role.ADMIN, True), (m.Role.PROJECT_LEADER, True), (m.Role.EMPLOYEE, False), (m.Role.EXTERNAL, False),
])
def test_only_admins_and_project_leaders_see_rates(role, sees):
    assert can_see_rates(viewer((ACME, 10, role)), ACME) is sees


def test_rates_of_another_company_are_hidden_even_from_an_admin():
    assert can_see_rates(viewer((ACME, 10, m.Role.ADMIN)), BIRCH) is False


def test_an_admin_manages_every_project_of_their_company_only():
    admin = viewer((ACME, 10, m.Role.ADMIN))
    assert may_manage_project(admin, project(ACME))
    assert not may_manage_project(admin, project(BIRCH))


def test_a_project_leader_manages_only_the_projects_they_lead():
    leader = viewer((ACME, 11, m.Role.PROJECT_LEADER))
    assert may_manage_project(leader, project(leader_id=11))
    assert not may_manage_project(leader, project(leader_id=12))
    assert not may_manage_project(leader, project(leader_id=None))


@pytest.mark.parametrize("role", [m.Role.EMPLOYEE, m.Role.EXTERNAL])
def test_employees_and_externals_manage_no_project_even_one_they_lead(role):
    assert not may_manage_project(viewer((ACME, 11, role)), project(leader_id=11))


def test_a_co_worker_registers_their_own_hours_but_not_a_colleagues():
    employee = viewer((ACME, 12, m.Role.EMPLOYEE))
    require_time_writer(employee, project(), 12)
    with pytest.raises(Forbidden):
        require_time_writer(employee, project(), 13)


def test_the_projects_leader_registers_and_approves_hours_for_others():
    leader = viewer((ACME, 11, m.Role.PROJECT_LEADER))
    require_time_writer(leader, project(leader_id=11), 13)
    require_approver(leader, project(leader_id=11))
    with pytest.raises(Forbidden):
        require_approver(leader, project(leader_id=99))


def test_nobody_registers_hours_in_a_company_they_do_not_work_in():
    with pytest.raises(Forbidden):
        require_time_writer(viewer((BIRCH, 20, m.Role.ADMIN)), project(ACME), 20)


def test_require_member_refuses_other_companies_and_other_roles_naming_the_field():
    employee = viewer((ACME, 12, m.Role.EMPLOYEE))
    assert require_member(employee, ACME).co_worker_id == 12
    with pytest.raises(Forbidden) as refused:
        require_member(employee, ACME, [m.Role.ADMIN], field="companyId")
    assert refused.value.field == "companyId"
    with pytest.raises(Forbidden):
        require_member(employee, BIRCH)


def test_only_an_operator_passes_the_operator_check():
    require_operator(viewer(operator=True))
    with pytest.raises(Forbidden):
        require_operator(viewer((ACME, 10, m.Role.ADMIN)))


def test_a_company_the_viewer_is_not_in_looks_missing_to_a_write_and_a_low_role_is_forbidden():
    from domain.platform.errors import NotFound
    from domain.access.policy import require_company_role

    employee = viewer((ACME, 12, m.Role.EMPLOYEE))
    with pytest.raises(NotFound):
        require_company_role(employee, BIRCH, [m.Role.ADMIN], field="companyId")
    with pytest.raises(Forbidden):
        require_company_role(employee, ACME, [m.Role.ADMIN], field="companyId")
    assert require_company_role(employee, ACME, [m.Role.EMPLOYEE], field="companyId").co_worker_id == 12
