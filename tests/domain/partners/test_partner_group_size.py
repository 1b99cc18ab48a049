"""The size limits the query cost counts on (gql/protection/cost.py, LIST_BOUNDS): a partner group holds at most
MAX_GROUP_SIZE companies, and a main project at most MAX_SECONDARY_PROJECTS secondaries, also when its company
has been in more than one group."""
import pytest
from sqlalchemy import func, select

from domain import model as m
from domain.platform.errors import InvalidInput
from domain.projects import members
from domain.partners import groups as partner_groups
from domain.projects import secondary as secondary_projects
from domain.partners.groups import MAX_GROUP_SIZE, GroupDraft, check_group_draft
from tests.factories import add_person, company_with_staff
from tests.partner_fixtures import shared_project_setup
from tests.partner_seeds import admin_viewer, enable_partners, link_both_ways, register


def test_a_group_of_more_than_the_maximum_companies_is_refused_and_one_of_the_maximum_is_not():
    check_group_draft(GroupDraft(list(range(1, MAX_GROUP_SIZE + 1)), 1))
    with pytest.raises(InvalidInput) as refused:
        check_group_draft(GroupDraft(list(range(1, MAX_GROUP_SIZE + 2)), 1))
    assert refused.value.field == "companyIds"
    assert str(MAX_GROUP_SIZE) in str(refused.value)


def test_a_main_project_has_at_most_one_secondary_per_other_company_of_a_full_group():
    assert secondary_projects.MAX_SECONDARY_PROJECTS == MAX_GROUP_SIZE - 1


async def secondaries_of(db, main_project_id: int) -> int:
    async with db.read() as session:
        return await session.scalar(
            select(func.count()).select_from(m.Project).where(m.Project.main_project_id == main_project_id))


async def test_a_main_project_gets_no_more_secondaries_than_the_maximum_after_its_company_changes_group(
    db, monkeypatch,
):
    # The cap is lowered to 1 so that two groups of two companies reach it (a full group is 8 companies).
    monkeypatch.setattr(secondary_projects, "MAX_SECONDARY_PROJECTS", 1)
    shared = await shared_project_setup(db)
    main_admin = admin_viewer(shared.main)
    await members.add_project_member(db, main_admin, shared.main_project_id, shared.guest.co_worker_id)
    assert await secondaries_of(db, shared.main_project_id) == 1

    # The main company leaves (the group is dissolved) and forms a new group with a third company.
    await partner_groups.leave_partner_group(db, main_admin, shared.main.id)
    third = await company_with_staff(db, "havbris")
    await enable_partners(db, third)
    await link_both_ways(db, shared.main, third)
    await register(db, [shared.main, third], shared.main)
    newcomer = await add_person(db, shared.main, "newcomer", m.Role.EXTERNAL, home=third,
                                email=third["employee"].email)

    with pytest.raises(InvalidInput) as refused:
        await members.add_project_member(db, main_admin, shared.main_project_id, newcomer.co_worker_id)
    assert refused.value.field == "coWorkerId"
    assert "at most 1 partner companies" in str(refused.value)
    assert await secondaries_of(db, shared.main_project_id) == 1
