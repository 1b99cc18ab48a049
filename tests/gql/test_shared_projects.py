"""Shared projects (SPEC §3): secondary projects made by adding partner co-workers, and the cascades to them."""
import datetime as dt

import pytest
from sqlalchemy import func, select

from domain import model as m
from domain.projects import cascade as project_cascade
from tests.factories import Person, add_customer, add_person, add_project, add_time_records, gid, graphql
from tests.partner_fixtures import SharedProject, shared_project_setup
from tests.partner_seeds import group_of_companies

ADD = """
mutation Add($input: ProjectMemberAddInput!) {
  projectMemberAdd(input: $input) { project { id } userErrors { field message code } }
}
"""

REMOVE = """
mutation Remove($input: ProjectMemberRemoveInput!) {
  projectMemberRemove(input: $input) { project { id } userErrors { field message code } }
}
"""

UPDATE_PROJECT = """
mutation Update($input: ProjectUpdateInput!) {
  projectUpdate(input: $input) {
    project { id name status priceModel hourlyRate priceModelFromMain }
    userErrors { field message code }
  }
}
"""

CREATE_ACTIVITY = """
mutation Create($input: ActivityCreateInput!) {
  activityCreate(input: $input) { activity { id } userErrors { field message code } }
}
"""

UPDATE_ACTIVITY = """
mutation Update($input: ActivityUpdateInput!) {
  activityUpdate(input: $input) { activity { id name active } userErrors { field message code } }
}
"""

DELETE_ACTIVITY = """
mutation Delete($input: ActivityDeleteInput!) {
  activityDelete(input: $input) { userErrors { field message code } }
}
"""

CREATE_MILESTONE = """
mutation Create($input: MilestoneCreateInput!) {
  milestoneCreate(input: $input) { milestone { id } userErrors { field message code } }
}
"""

PROJECT_AS_SEEN = """
query Project($id: ID!) {
  node(id: $id) {
    ... on Project {
      id name hourlyRate fixedPrice
      customer { name contacts { name } }
      activities { nodes { name } }
    }
  }
}
"""


def errors(data, name):
    return [(e["field"], e["code"]) for e in data[name]["userErrors"]]


@pytest.fixture
async def shared(db) -> SharedProject:
    return await shared_project_setup(db)


async def add_member(client, setup: SharedProject, person: Person, project_id: int | None = None):
    return await graphql(client, ADD, {"input": {"projectId": gid("Project", project_id or setup.main_project_id),
                                                 "coWorkerId": person.gid}}, token=setup.main["admin"].token)


async def secondaries(db, main_project_id: int) -> list[m.Project]:
    async with db.read() as session:
        return list(await session.scalars(select(m.Project).where(m.Project.main_project_id == main_project_id)))


async def rows(db, model, **where) -> list:
    async with db.read() as session:
        query = select(model).where(*[getattr(model, k) == v for k, v in where.items()]).order_by(model.id)
        return list(await session.scalars(query))


async def family_state(db, main_project_id: int) -> dict:
    """Everything of a main project and its secondaries that a cascade may touch."""
    async with db.read() as session:
        projects = list(await session.execute(
            select(m.Project.id, m.Project.name, m.Project.status, m.Project.version).where(
                (m.Project.id == main_project_id) | (m.Project.main_project_id == main_project_id)
            ).order_by(m.Project.id)))
        ids = [p.id for p in projects]
        activities = list(await session.execute(
            select(m.Activity.id, m.Activity.name, m.Activity.active, m.Activity.source_activity_id)
            .where(m.Activity.project_id.in_(ids)).order_by(m.Activity.id)))
        milestones = list(await session.execute(
            select(m.Milestone.id, m.Milestone.name, m.Milestone.source_milestone_id)
            .where(m.Milestone.project_id.in_(ids)).order_by(m.Milestone.id)))
        events = await session.scalar(select(func.count(m.Event.id)))
    return {"projects": projects, "activities": activities, "milestones": milestones, "events": events}


# --- adding external co-workers ------------------------------------------------------------


async def test_adding_an_external_co_worker_creates_the_secondary_project(db, client, shared):
    # when the main company's admin adds the partner's co-worker to the main project
    data = await add_member(client, shared, shared.guest)

    # then one secondary project exists in the partner company, for the customer standing for the main company
    assert errors(data, "projectMemberAdd") == []
    [secondary] = await secondaries(db, shared.main_project_id)
    [main] = await rows(db, m.Project, id=shared.main_project_id)
    assert secondary.company_id == shared.partner.id
    assert secondary.customer_id == shared.partner_customer_id
    assert (secondary.name, secondary.start_date, secondary.status) == (main.name, main.start_date, main.status)
    # numbered from the partner's own series
    assert secondary.number == 1000
    # with the main project's activities and milestones copied, linked back, milestones hidden from the plan
    main_activities = await rows(db, m.Activity, project_id=main.id)
    copies = await rows(db, m.Activity, project_id=secondary.id)
    assert [(a.name, a.number, a.source_activity_id) for a in copies] == [
        (a.name, a.number, a.id) for a in main_activities]
    [milestone] = await rows(db, m.Milestone, project_id=main.id)
    [milestone_copy] = await rows(db, m.Milestone, project_id=secondary.id)
    assert (milestone_copy.source_milestone_id, milestone_copy.shown_in_plan) == (milestone.id, False)
    assert milestone_copy.due_date == milestone.due_date
    # and the co-worker is a member of both: their external record on the main, their home record on the secondary
    assert [p.co_worker_id for p in await rows(db, m.ProjectMember, project_id=main.id)] == [shared.guest.co_worker_id]
    assert [p.co_worker_id for p in await rows(db, m.ProjectMember, project_id=secondary.id)] == [
        shared.partner["employee"].co_worker_id]


async def test_a_second_co_worker_from_the_same_company_joins_the_same_secondary_project(db, client, shared):
    await add_member(client, shared, shared.guest)
    data = await add_member(client, shared, shared.colleague_guest)
    assert errors(data, "projectMemberAdd") == []
    [secondary] = await secondaries(db, shared.main_project_id)
    members = {p.co_worker_id for p in await rows(db, m.ProjectMember, project_id=secondary.id)}
    assert members == {shared.partner["employee"].co_worker_id, shared.partner["colleague"].co_worker_id}
    assert len(await rows(db, m.Activity, project_id=secondary.id)) == 2


async def test_the_secondary_project_takes_its_number_from_the_group_series_under_the_group_policy(db, client, shared):
    from tests.partner_seeds import set_series_policy

    await set_series_policy(db, shared.partner, m.SeriesKind.PROJECT, m.SeriesPolicy.GROUP)
    await add_member(client, shared, shared.guest)
    [secondary] = await secondaries(db, shared.main_project_id)
    [main] = await rows(db, m.Project, id=shared.main_project_id)
    # the main company's series handed out the main project's number, then this one
    assert secondary.number == main.number + 1


async def test_adding_a_member_directly_to_a_secondary_project_names_the_main_project(db, client, shared):
    await add_member(client, shared, shared.guest)
    [secondary] = await secondaries(db, shared.main_project_id)
    data = await graphql(client, ADD, {"input": {"projectId": gid("Project", secondary.id),
                                                 "coWorkerId": shared.partner["colleague"].gid}},
                         token=shared.partner["admin"].token)
    assert errors(data, "projectMemberAdd") == [("projectId", "ADD_FROM_MAIN_PROJECT")]
    assert "Dam inspection" in data["projectMemberAdd"]["userErrors"][0]["message"]
    assert len(await rows(db, m.ProjectMember, project_id=secondary.id)) == 1


async def test_without_an_attached_customer_nothing_is_added(db, client, shared):
    async with db.transaction() as session:
        await session.execute(m.PartnerLink.__table__.update().where(
            m.PartnerLink.company_id == shared.partner.id).values(customer_id=None))
    data = await add_member(client, shared, shared.guest)
    assert errors(data, "projectMemberAdd") == [("coWorkerId", "PARTNER_CUSTOMER_NOT_ATTACHED")]
    assert await secondaries(db, shared.main_project_id) == []
    assert await rows(db, m.ProjectMember, project_id=shared.main_project_id) == []


# --- cascades of the main project ------------------------------------------------------------


async def test_renaming_and_closing_the_main_project_cascades_to_its_secondary(db, client, shared):
    await add_member(client, shared, shared.guest)
    data = await graphql(client, UPDATE_PROJECT, {"input": {"id": shared.main_gid, "name": "Dam inspection 2026",
                                                            "status": "CLOSED"}}, token=shared.main["admin"].token)
    assert errors(data, "projectUpdate") == []
    [secondary] = await secondaries(db, shared.main_project_id)
    assert (secondary.name, secondary.status) == ("Dam inspection 2026", m.ProjectStatus.CLOSED)
    # the secondary's change is in the event log, for the partner's subscribers
    [event] = await rows(db, m.Event, node_id=secondary.id, action="UPDATED")
    assert event.company_id == shared.partner.id and event.snapshot["name"] == "Dam inspection 2026"


async def test_inherited_fields_cannot_be_edited_on_the_secondary(db, client, shared):
    await add_member(client, shared, shared.guest)
    [secondary] = await secondaries(db, shared.main_project_id)
    data = await graphql(client, UPDATE_PROJECT, {"input": {"id": gid("Project", secondary.id), "name": "Mine"}},
                         token=shared.partner["admin"].token)
    assert errors(data, "projectUpdate") == [("name", "INHERITED_FROM_MAIN")]
    # its own rates are its own, until it follows the main project's price model
    data = await graphql(client, UPDATE_PROJECT, {"input": {"id": gid("Project", secondary.id), "hourlyRate": "900"}},
                         token=shared.partner["admin"].token)
    assert errors(data, "projectUpdate") == []
    assert data["projectUpdate"]["project"]["hourlyRate"] == "900.00"


async def test_a_new_secondary_starts_hourly_with_no_rate_of_its_own_and_may_follow_the_main_price_model(
        db, client, shared):
    await graphql(client, UPDATE_PROJECT, {"input": {"id": shared.main_gid, "priceModel": "FIXED",
                                                     "fixedPrice": "250000"}}, token=shared.main["admin"].token)
    await add_member(client, shared, shared.guest)
    [secondary] = await secondaries(db, shared.main_project_id)
    assert (secondary.price_model_from_main, secondary.price_model, secondary.hourly_rate, secondary.fixed_price) == (
        False, m.PriceModel.HOURLY, None, None)
    secondary_gid = gid("Project", secondary.id)
    followed = await graphql(client, UPDATE_PROJECT, {"input": {"id": secondary_gid, "priceModelFromMain": True}},
                             token=shared.partner["admin"].token)
    assert followed["projectUpdate"]["project"]["priceModel"] == "FIXED"
    # turned off again in the same edit that sets its own rate
    own = await graphql(client, UPDATE_PROJECT, {"input": {
        "id": secondary_gid, "priceModelFromMain": False, "priceModel": "HOURLY", "hourlyRate": "900"}},
        token=shared.partner["admin"].token)
    assert errors(own, "projectUpdate") == []
    assert (own["projectUpdate"]["project"]["priceModel"], own["projectUpdate"]["project"]["hourlyRate"]) == (
        "HOURLY", "900.00")


async def test_a_secondary_following_the_main_price_model_takes_its_rates_and_their_changes(db, client, shared):
    await add_member(client, shared, shared.guest)
    [secondary] = await secondaries(db, shared.main_project_id)
    secondary_gid = gid("Project", secondary.id)
    data = await graphql(client, UPDATE_PROJECT, {"input": {"id": secondary_gid, "priceModelFromMain": True}},
                         token=shared.partner["admin"].token)
    assert errors(data, "projectUpdate") == []
    assert data["projectUpdate"]["project"]["hourlyRate"] == "1500.00"
    await graphql(client, UPDATE_PROJECT, {"input": {"id": shared.main_gid, "hourlyRate": "1700"}},
                  token=shared.main["admin"].token)
    [secondary] = await secondaries(db, shared.main_project_id)
    assert str(secondary.hourly_rate) == "1700.00"
    data = await graphql(client, UPDATE_PROJECT, {"input": {"id": secondary_gid, "hourlyRate": "900"}},
                         token=shared.partner["admin"].token)
    assert errors(data, "projectUpdate") == [("hourlyRate", "INHERITED_FROM_MAIN")]


async def test_activities_created_renamed_and_deactivated_on_the_main_project_follow_on_the_secondary(
    db, client, shared
):
    await add_member(client, shared, shared.guest)
    [secondary] = await secondaries(db, shared.main_project_id)
    token = shared.main["admin"].token
    data = await graphql(client, CREATE_ACTIVITY, {"input": {"projectId": shared.main_gid, "name": "Report"}},
                         token=token)
    new_id = data["activityCreate"]["activity"]["id"]
    await graphql(client, UPDATE_ACTIVITY, {"input": {"id": new_id, "name": "Final report", "active": False}},
                  token=token)
    copies = await rows(db, m.Activity, project_id=secondary.id)
    assert [(a.name, a.active) for a in copies][-1] == ("Final report", False)
    await graphql(client, CREATE_MILESTONE, {"input": {"projectId": shared.main_gid, "name": "Handover",
                                                       "dueDate": "2026-09-01"}}, token=token)
    assert [(s.name, s.shown_in_plan) for s in await rows(db, m.Milestone, project_id=secondary.id)][-1] == (
        "Handover", False)


async def test_a_secondary_projects_activities_and_milestones_are_changed_only_on_the_main_project(db, client, shared):
    await add_member(client, shared, shared.guest)
    [secondary] = await secondaries(db, shared.main_project_id)
    token = shared.partner["admin"].token
    data = await graphql(client, CREATE_ACTIVITY, {"input": {"projectId": gid("Project", secondary.id), "name": "X"}},
                         token=token)
    assert errors(data, "activityCreate") == [("projectId", "INHERITED_FROM_MAIN")]
    copy = (await rows(db, m.Activity, project_id=secondary.id))[0]
    data = await graphql(client, UPDATE_ACTIVITY, {"input": {"id": gid("Activity", copy.id), "name": "X"}}, token=token)
    assert errors(data, "activityUpdate") == [("id", "INHERITED_FROM_MAIN")]
    data = await graphql(client, DELETE_ACTIVITY, {"input": {"id": gid("Activity", copy.id)}}, token=token)
    assert errors(data, "activityDelete") == [("id", "INHERITED_FROM_MAIN")]
    # its own internal rate on the activity is the secondary's to set
    data = await graphql(client, UPDATE_ACTIVITY, {"input": {"id": gid("Activity", copy.id), "hourlyRate": "950"}},
                         token=token)
    assert errors(data, "activityUpdate") == []
    [copy_now] = await rows(db, m.Activity, id=copy.id)
    assert (copy_now.name, str(copy_now.hourly_rate)) == (copy.name, "950.00")


async def test_an_activity_with_hours_on_a_secondary_cannot_be_deleted_but_can_be_deactivated(db, client, shared):
    await add_member(client, shared, shared.guest)
    [secondary] = await secondaries(db, shared.main_project_id)
    await add_time_records(db, shared.partner, secondary.id, shared.partner["employee"])
    main_activity = (await rows(db, m.Activity, project_id=shared.main_project_id))[0]
    token = shared.main["admin"].token
    data = await graphql(client, DELETE_ACTIVITY, {"input": {"id": gid("Activity", main_activity.id)}}, token=token)
    assert errors(data, "activityDelete") == [("id", "HAS_HOURS")]
    data = await graphql(client, UPDATE_ACTIVITY, {"input": {"id": gid("Activity", main_activity.id), "active": False}},
                         token=token)
    assert errors(data, "activityUpdate") == []
    assert [a.active for a in await rows(db, m.Activity, source_activity_id=main_activity.id)] == [False]


async def test_deleting_an_activity_without_hours_deletes_its_copies(db, client, shared):
    await add_member(client, shared, shared.guest)
    main_activity = (await rows(db, m.Activity, project_id=shared.main_project_id))[-1]
    data = await graphql(client, DELETE_ACTIVITY, {"input": {"id": gid("Activity", main_activity.id)}},
                         token=shared.main["admin"].token)
    assert errors(data, "activityDelete") == []
    assert await rows(db, m.Activity, source_activity_id=main_activity.id) == []


async def test_a_failure_in_the_middle_of_a_cascade_leaves_the_main_project_and_every_secondary_unchanged(
    db, client, monkeypatch
):
    # given a main project with secondaries in two partner companies
    (main, first, second), _ = await group_of_companies(db, ("nordlys", "fjellvik", "havbris"))
    project_id = await add_project(db, main, await add_customer(db, main), "Dam inspection", activities=3)
    for partner in (first, second):
        guest = await add_person(db, main, f"guest_{partner.database_name}", m.Role.EXTERNAL, home=partner,
                                 email=partner["employee"].email)
        await graphql(client, ADD, {"input": {"projectId": gid("Project", project_id), "coWorkerId": guest.gid}},
                      token=main["admin"].token)
    assert len(await secondaries(db, project_id)) == 2
    before = await family_state(db, project_id)

    # when the cascade fails after the first secondary's part of it
    calls = []

    def failing(session, action, secondary, *, subject=None):
        calls.append(secondary.id)
        if len(calls) == 2:
            raise RuntimeError("injected failure between secondaries")

    monkeypatch.setattr(project_cascade, "record_on_secondary", failing)
    main_activity = (await rows(db, m.Activity, project_id=project_id))[0]
    for query, variables in (
        (UPDATE_PROJECT, {"input": {"id": gid("Project", project_id), "name": "Renamed", "status": "CLOSED"}}),
        (CREATE_ACTIVITY, {"input": {"projectId": gid("Project", project_id), "name": "New"}}),
        (UPDATE_ACTIVITY, {"input": {"id": gid("Activity", main_activity.id), "name": "Renamed"}}),
    ):
        calls.clear()
        body = await graphql(client, query, variables, token=main["admin"].token, expect_errors=True)
        assert body.get("errors"), body  # a server fault, masked

        # then nothing changed anywhere: not the main project, not either secondary, no event
        assert len(calls) == 2
        assert await family_state(db, project_id) == before


async def test_an_external_co_worker_sees_the_main_project_without_rates_or_contacts(db, client, shared):
    await add_member(client, shared, shared.guest)
    data = await graphql(client, PROJECT_AS_SEEN, {"id": shared.main_gid}, token=shared.guest.token)
    project = data["node"]
    assert project["name"] == "Dam inspection"
    assert project["hourlyRate"] is None and project["fixedPrice"] is None
    assert project["customer"]["contacts"] == []
    assert len(project["activities"]["nodes"]) == 2
    # and another project of the main company, which they are not a member of, not at all
    customer_id = (await rows(db, m.Project, id=shared.main_project_id))[0].customer_id
    other = await add_project(db, shared.main, customer_id, "Other")
    data = await graphql(client, PROJECT_AS_SEEN, {"id": gid("Project", other)}, token=shared.guest.token)
    assert data["node"] is None


# --- co-worker changes --------------------------------------------------------------------------


async def test_removing_the_last_co_worker_of_a_partner_company_closes_its_secondary_project(db, client, shared):
    await add_member(client, shared, shared.guest)
    await add_member(client, shared, shared.colleague_guest)
    [secondary] = await secondaries(db, shared.main_project_id)
    await add_time_records(db, shared.partner, secondary.id, shared.partner["employee"], count=2)
    token = shared.main["admin"].token

    async def remove(person):
        return await graphql(client, REMOVE, {"input": {"projectId": shared.main_gid, "coWorkerId": person.gid}},
                             token=token)

    assert errors(await remove(shared.guest), "projectMemberRemove") == []
    [secondary] = await secondaries(db, shared.main_project_id)
    assert secondary.status == m.ProjectStatus.ACTIVE
    assert [p.co_worker_id for p in await rows(db, m.ProjectMember, project_id=secondary.id)] == [
        shared.partner["colleague"].co_worker_id]

    assert errors(await remove(shared.colleague_guest), "projectMemberRemove") == []
    [secondary] = await secondaries(db, shared.main_project_id)
    assert secondary.status == m.ProjectStatus.CLOSED
    assert await rows(db, m.ProjectMember, project_id=secondary.id) == []
    assert len(await rows(db, m.TimeRecord, project_id=secondary.id)) == 2  # hours stay

    # adding a co-worker again reopens the same secondary project
    await add_member(client, shared, shared.guest)
    [reopened] = await secondaries(db, shared.main_project_id)
    assert (reopened.id, reopened.status) == (secondary.id, m.ProjectStatus.ACTIVE)


async def test_removing_a_member_directly_from_a_secondary_project_is_refused(db, client, shared):
    await add_member(client, shared, shared.guest)
    [secondary] = await secondaries(db, shared.main_project_id)
    data = await graphql(client, REMOVE, {"input": {"projectId": gid("Project", secondary.id),
                                                    "coWorkerId": shared.partner["employee"].gid}},
                         token=shared.partner["admin"].token)
    assert errors(data, "projectMemberRemove") == [("projectId", "ADD_FROM_MAIN_PROJECT")]


DEACTIVATE = """
mutation Deactivate($input: CoWorkerDeactivateInput!) {
  coWorkerDeactivate(input: $input) { coWorker { id active } userErrors { field message code } }
}
"""


async def test_a_co_worker_deactivated_at_home_is_deactivated_everywhere_and_leaves_the_projects(db, client, shared):
    # given the partner's employee on the main project (and so on the secondary), with hours there
    await add_member(client, shared, shared.guest)
    [secondary] = await secondaries(db, shared.main_project_id)
    await add_time_records(db, shared.partner, secondary.id, shared.partner["employee"])

    # when their home company's admin deactivates them
    data = await graphql(client, DEACTIVATE, {"input": {"id": shared.partner["employee"].gid}},
                         token=shared.partner["admin"].token)

    # then their external record in the main company is inactive too, they are on neither project's member
    # list, the secondary (left without co-workers) is closed, and their hours stay
    assert errors(data, "coWorkerDeactivate") == []
    [external] = await rows(db, m.CoWorker, id=shared.guest.co_worker_id)
    assert external.active is False
    assert await rows(db, m.ProjectMember, project_id=shared.main_project_id) == []
    assert await rows(db, m.ProjectMember, project_id=secondary.id) == []
    [secondary] = await secondaries(db, shared.main_project_id)
    assert secondary.status == m.ProjectStatus.CLOSED
    assert len(await rows(db, m.TimeRecord, project_id=secondary.id)) == 1


async def test_only_an_admin_of_the_co_workers_company_deactivates_them(db, client, shared):
    for who, target, code in (
        (shared.partner["leader"], shared.partner["employee"], "FORBIDDEN"),
        (shared.main["admin"], shared.partner["employee"], "NOT_FOUND"),
    ):
        data = await graphql(client, DEACTIVATE, {"input": {"id": target.gid}}, token=who.token)
        assert errors(data, "coWorkerDeactivate") == [("id", code)]
    assert (await rows(db, m.CoWorker, id=shared.partner["employee"].co_worker_id))[0].active is True


# --- what each side sees of the other -----------------------------------------------------------

SECONDARIES = """
query Secondaries($id: ID!) {
  node(id: $id) {
    ... on Project {
      secondaryProjects { number name status company { databaseName } coWorkers { id } project { id } }
      mainProjectLink { name }
    }
  }
}
"""

TIMESHEET = """
query Timesheet {
  timeRecords(first: 10) {
    nodes {
      hours
      project { name mainProjectLink { number name company { name } } }
    }
  }
}
"""


async def test_a_main_project_shows_its_secondary_projects_with_their_co_workers(db, client, shared):
    await add_member(client, shared, shared.guest)
    await add_member(client, shared, shared.colleague_guest)
    [secondary] = await secondaries(db, shared.main_project_id)
    data = await graphql(client, SECONDARIES, {"id": shared.main_gid}, token=shared.main["admin"].token)
    assert data["node"] == {
        "secondaryProjects": [{
            "number": secondary.number, "name": "Dam inspection", "status": "ACTIVE",
            "company": {"databaseName": "fjellvik"},
            "coWorkers": [{"id": shared.guest.gid}, {"id": shared.colleague_guest.gid}],
            "project": None,  # a node of the partner company, which the main company's admin does not see
        }],
        "mainProjectLink": None,
    }
    # the partner's admin sees the secondary project itself, and from it the main project
    data = await graphql(client, SECONDARIES, {"id": gid("Project", secondary.id)}, token=shared.partner["admin"].token)
    assert data["node"] == {"secondaryProjects": [], "mainProjectLink": {"name": "Dam inspection"}}


async def test_a_co_workers_timesheet_marks_partner_linked_projects_with_the_main_project_and_its_company(
    db, client, shared
):
    await add_member(client, shared, shared.guest)
    [secondary] = await secondaries(db, shared.main_project_id)
    [main] = await rows(db, m.Project, id=shared.main_project_id)
    own_project = await add_project(db, shared.partner, shared.partner_customer_id, "Internal work",
                                    members=[shared.partner["employee"]])
    await add_time_records(db, shared.partner, secondary.id, shared.partner["employee"])
    await add_time_records(db, shared.partner, own_project, shared.partner["employee"], start=dt.date(2026, 3, 3))
    data = await graphql(client, TIMESHEET, token=shared.partner["employee"].token)
    projects = {r["project"]["name"]: r["project"]["mainProjectLink"] for r in data["timeRecords"]["nodes"]}
    assert projects == {
        "Dam inspection": {"number": main.number, "name": "Dam inspection", "company": {"name": "Nordlys"}},
        "Internal work": None,
    }


async def test_co_workers_of_one_company_added_at_the_same_moment_share_one_secondary_project(db, client, shared):
    import asyncio

    results = await asyncio.gather(add_member(client, shared, shared.guest),
                                   add_member(client, shared, shared.colleague_guest))
    codes = [errors(r, "projectMemberAdd") for r in results]
    # both succeed (one waited for the other), or one is told to try again: never two secondary projects
    assert all(c in ([], [("coWorkerId", "CONFLICT")]) for c in codes), codes
    [secondary] = await secondaries(db, shared.main_project_id)
    added = [p for p, c in zip((shared.guest, shared.colleague_guest), codes) if c == []]
    assert {p.co_worker_id for p in await rows(db, m.ProjectMember, project_id=shared.main_project_id)} == {
        p.co_worker_id for p in added}
    assert len(await rows(db, m.ProjectMember, project_id=secondary.id)) == len(added)


async def test_reopening_the_main_project_leaves_a_secondary_without_co_workers_closed(db, client, shared):
    # given a secondary project closed because its company's last co-worker left the main project
    await add_member(client, shared, shared.guest)
    await graphql(client, REMOVE, {"input": {"projectId": shared.main_gid, "coWorkerId": shared.guest.gid}},
                  token=shared.main["admin"].token)
    token = shared.main["admin"].token

    # when the main project is closed and reopened
    for status in ("CLOSED", "ACTIVE"):
        data = await graphql(client, UPDATE_PROJECT, {"input": {"id": shared.main_gid, "status": status}}, token=token)
        assert errors(data, "projectUpdate") == []

    # then the secondary stays closed (until a co-worker of its company is added again)
    [secondary] = await secondaries(db, shared.main_project_id)
    assert secondary.status == m.ProjectStatus.CLOSED


COPIES = """
query Copies($id: ID!) {
  node(id: $id) {
    ... on Project {
      activities { nodes { name copiedFromId copiedFrom { id } } }
      milestones { nodes { name shownInPlan copiedFromId } }
    }
  }
}
"""


async def test_a_secondary_projects_activities_and_milestones_show_where_they_were_copied_from(db, client, shared):
    await add_member(client, shared, shared.guest)
    [secondary] = await secondaries(db, shared.main_project_id)
    main_activities = await rows(db, m.Activity, project_id=shared.main_project_id)
    [main_milestone] = await rows(db, m.Milestone, project_id=shared.main_project_id)
    data = await graphql(client, COPIES, {"id": gid("Project", secondary.id)}, token=shared.partner["admin"].token)
    assert data["node"]["activities"]["nodes"] == [
        # the partner's admin is told which activity it is, though that activity is the main company's to show
        {"name": a.name, "copiedFromId": gid("Activity", a.id), "copiedFrom": None} for a in main_activities]
    assert data["node"]["milestones"]["nodes"] == [
        {"name": main_milestone.name, "shownInPlan": False, "copiedFromId": gid("Milestone", main_milestone.id)}]


UPDATE_MILESTONE = """
mutation Update($input: MilestoneUpdateInput!) {
  milestoneUpdate(input: $input) { milestone { id } userErrors { field message code } }
}
"""

DELETE_MILESTONE = """
mutation Delete($input: MilestoneDeleteInput!) {
  milestoneDelete(input: $input) { userErrors { field message code } }
}
"""


async def test_milestones_changed_and_deleted_on_the_main_project_follow_on_the_secondary(db, client, shared):
    await add_member(client, shared, shared.guest)
    [secondary] = await secondaries(db, shared.main_project_id)
    [milestone] = await rows(db, m.Milestone, project_id=shared.main_project_id)
    token = shared.main["admin"].token

    # a secondary's copy is changed only through the main project
    [copy] = await rows(db, m.Milestone, project_id=secondary.id)
    data = await graphql(client, UPDATE_MILESTONE, {"input": {"id": gid("Milestone", copy.id), "completed": True}},
                         token=shared.partner["admin"].token)
    assert errors(data, "milestoneUpdate") == [("id", "INHERITED_FROM_MAIN")]

    data = await graphql(client, UPDATE_MILESTONE, {"input": {"id": gid("Milestone", milestone.id), "name": "Handover",
                                                              "dueDate": "2026-10-01", "completed": True}}, token=token)
    assert errors(data, "milestoneUpdate") == []
    [copy] = await rows(db, m.Milestone, project_id=secondary.id)
    assert (copy.name, copy.due_date, copy.completed, copy.shown_in_plan) == (
        "Handover", dt.date(2026, 10, 1), True, False)

    data = await graphql(client, DELETE_MILESTONE, {"input": {"id": gid("Milestone", milestone.id)}}, token=token)
    assert errors(data, "milestoneDelete") == []
    assert await rows(db, m.Milestone, project_id=secondary.id) == []
