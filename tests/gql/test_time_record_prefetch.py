"""A page of time records loads the co-workers, projects and activities its nodes select before they resolve
(gql.schema.hours.types.prefetch_relations): one statement per relation selected, none for one not selected, and the
same answers through `nodes`, `edges { node }` and fragments. (Run compiled on PostgreSQL, a page of one parent reads
its records' co-workers and activities along in its own statement: no statement more.)"""
import datetime as dt

import pytest

from tests.factories import add_customer, add_project, add_time_records, company_with_staff, gid, graphql
from tests.gql.test_statement_count import counting_statements

BARE = """
query Bare($id: ID!) { node(id: $id) { ... on Project { timeRecords(first: 10) { nodes { id hours } } } } }
"""
WITH_RELATIONS = """
query WithRelations($id: ID!) {
  node(id: $id) { ... on Project { timeRecords(first: 10) { nodes { id hours coWorker { name } activity { name } } } } }
}
"""
THROUGH_EDGES_AND_FRAGMENTS = """
query ThroughEdges($id: ID!) {
  node(id: $id) { ... on Project { timeRecords(first: 10) { edges { node { id hours ...Who activity { name } } } } } }
}
fragment Who on TimeRecord { coWorker { name } }
"""


@pytest.fixture
async def project_with_hours(db):
    acme = await company_with_staff(db)
    customer_id = await add_customer(db, acme)
    project_id = await add_project(db, acme, customer_id, members=[acme["employee"], acme["colleague"]])
    await add_time_records(db, acme, project_id, acme["employee"], count=3, start=dt.date(2026, 3, 2))
    await add_time_records(db, acme, project_id, acme["colleague"], count=3, start=dt.date(2026, 3, 9))
    return acme, project_id


async def test_each_relation_the_nodes_select_costs_one_statement_and_one_not_selected_none(db, client, project_with_hours):
    acme, project_id = project_with_hours
    variables, token = {"id": gid("Project", project_id)}, acme["admin"].token
    await graphql(client, BARE, variables, token=token)  # warm: the first request may load what later ones reuse
    with counting_statements(db, skip_begin=True) as bare:
        await graphql(client, BARE, variables, token=token)
    with counting_statements(db, skip_begin=True) as related:
        data = await graphql(client, WITH_RELATIONS, variables, token=token)
    assert len(related) == len(bare) + (2 if db.sqlite else 0)
    nodes = data["node"]["timeRecords"]["nodes"]
    assert len(nodes) == 6
    assert {n["coWorker"]["name"] for n in nodes} == {"Employee", "Colleague"}
    assert {n["activity"]["name"] for n in nodes} == {"Activity 1"}


async def test_edges_and_fragments_get_the_same_relations_in_as_many_statements(db, client, project_with_hours):
    acme, project_id = project_with_hours
    variables, token = {"id": gid("Project", project_id)}, acme["admin"].token
    await graphql(client, WITH_RELATIONS, variables, token=token)
    with counting_statements(db, skip_begin=True) as through_nodes:
        by_nodes = await graphql(client, WITH_RELATIONS, variables, token=token)
    with counting_statements(db, skip_begin=True) as through_edges:
        by_edges = await graphql(client, THROUGH_EDGES_AND_FRAGMENTS, variables, token=token)
    assert len(through_edges) == len(through_nodes)
    assert [e["node"] for e in by_edges["node"]["timeRecords"]["edges"]] == by_nodes["node"]["timeRecords"]["nodes"]
