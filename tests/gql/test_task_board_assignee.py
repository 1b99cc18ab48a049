"""The task board shows the assignee of a shared task in another group company (issue 19 item 5e): the viewer's own
record there, without its rates; their list of co-workers stays their companies'. Through HTTP."""
from tests.factories import graphql
from tests.gql.test_tasks import board_group

BOARD = """
query Board($companyIds: [ID!]) {
  taskBoard(companyIds: $companyIds) {
    nodes { name company { databaseName } assignee { name hourlyRate company { databaseName } } }
  }
}
"""
CO_WORKERS = "{ coWorkers(first: 100) { nodes { company { databaseName } } } }"


async def test_a_shared_tasks_assignee_in_the_other_group_company_is_shown(db, client):
    acme, birch, kari, _ = await board_group(db, client)
    nodes = (await graphql(client, BOARD, {}, token=kari.token))["taskBoard"]["nodes"]
    assert [(n["company"]["databaseName"], n["assignee"]) for n in nodes] == [
        ("acme", {"name": "Employee", "hourlyRate": None, "company": {"databaseName": "acme"}}),
        ("birch", {"name": "Employee", "hourlyRate": None, "company": {"databaseName": "birch"}}),
    ]


async def test_the_viewers_co_worker_list_stays_their_own_companies(db, client):
    acme, birch, kari, _ = await board_group(db, client)
    nodes = (await graphql(client, CO_WORKERS, token=kari.token))["coWorkers"]["nodes"]
    assert {n["company"]["databaseName"] for n in nodes} == {"acme"}


async def test_with_task_sharing_off_the_other_companys_record_stays_hidden(db, client):
    acme, birch, kari, _ = await board_group(db, client, share_tasks=False)
    nodes = (await graphql(client, BOARD, {}, token=kari.token))["taskBoard"]["nodes"]
    assert [n["company"]["databaseName"] for n in nodes] == ["acme"]
