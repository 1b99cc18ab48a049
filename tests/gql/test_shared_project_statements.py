"""A cascade to secondary projects costs a fixed number of SQL statements, whatever the number of activities
and milestones it copies (bulk writes, as the read side's statement-count test checks for loaders)."""
from sqlalchemy import func, select

from domain import model as m
from tests.factories import add_customer, add_person, add_project, gid, graphql
from tests.gql.test_shared_projects import ADD, CREATE_ACTIVITY, UPDATE_PROJECT
from tests.gql.test_statement_count import counting_statements
from tests.partner_seeds import group_of_companies


async def _family(db, client, name: str, size: int):
    """A group of three companies (fresh names per call), a main project with `size` activities and milestones,
    and one external co-worker from each partner company, not yet on it."""
    (main, *partners), _ = await group_of_companies(db, (f"{name}-main", f"{name}-one", f"{name}-two"))
    project_id = await add_project(db, main, await add_customer(db, main), "Dam inspection",
                                   activities=size, milestones=size)
    guests = [await add_person(db, main, f"guest_{p.database_name}", m.Role.EXTERNAL, home=p,
                               email=p["employee"].email) for p in partners]
    return main, project_id, guests


async def _statements(db, client, query, variables, token):
    with counting_statements(db) as statements:
        data = await graphql(client, query, variables, token=token)
    name = next(iter(data))
    assert data[name]["userErrors"] == [], data
    return statements


async def test_creating_secondary_projects_and_cascading_costs_the_same_statements_for_5_and_50_activities(db, client):
    counts = {}
    for name, size in (("small", 5), ("large", 50)):
        main, project_id, guests = await _family(db, client, name, size)
        token = main["admin"].token
        project = gid("Project", project_id)
        # (a first event in an emptied database also rebuilds the event log's counter row: not under test)
        await graphql(client, UPDATE_PROJECT, {"input": {"id": project, "name": "Warm-up"}}, token=token)
        counts[size] = [
            # the first co-worker of each partner company creates that company's secondary project
            len(await _statements(db, client, ADD, {"input": {"projectId": project, "coWorkerId": g.gid}}, token))
            for g in guests
        ] + [
            len(await _statements(db, client, UPDATE_PROJECT,
                                  {"input": {"id": project, "name": "Renamed", "status": "PLANNED"}}, token)),
            len(await _statements(db, client, CREATE_ACTIVITY,
                                  {"input": {"projectId": project, "name": "New"}}, token)),
        ]
        # and everything was copied: each secondary has every activity, the new one included
        secondary_ids = select(m.Project.id).where(m.Project.main_project_id == project_id)
        async with db.read() as session:
            copies = await session.scalar(select(func.count(m.Activity.id)).where(
                m.Activity.source_activity_id.isnot(None), m.Activity.project_id.in_(secondary_ids)))
        assert copies == 2 * (size + 1)
    assert counts[5] == counts[50], counts
