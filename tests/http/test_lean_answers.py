"""A query whose document already ran compiled is answered on the lean path (gql.http.lean): the same bytes and
headers as the full path, with every per-request check the full path makes (variables, text limits, cost, rate
limit), and anything else left to the full path."""
import json

from gql.compiled.execution import RUNS
from gql.http import lean
from gql.compiled.run import Fallback, Run
from tests.factories import add_customer, add_project, add_time_records, company_with_staff, gid
from tests.http.apps import client_for

HOURS = """query Hours($id: ID!, $from: Date, $first: Int) { node(id: $id) { ... on Project { name
  leader { name } timeRecords(first: $first, dateFrom: $from) { totalCount nodes { hours date coWorker { name } } } } } }"""
GRAPHQL_RESPONSE = "application/graphql-response+json"


async def _project(db):
    acme = await company_with_staff(db)
    project = await add_project(db, acme, await add_customer(db, acme), leader=acme["leader"],
                                members=[acme["employee"]])
    await add_time_records(db, acme, project, acme["employee"], count=4)
    return acme, {"id": gid("Project", project), "from": "2026-03-01", "first": 3}


async def _post(client, token, variables, query=HOURS, accept=None):
    headers = {"Authorization": f"Bearer {token}", **({"Accept": accept} if accept else {})}
    return await client.post("/graphql", json={"query": query, "variables": variables}, headers=headers)


async def test_a_known_query_is_answered_lean_with_the_full_paths_bytes_and_headers(db):
    acme, variables = await _project(db)
    token = acme["admin"].token
    async with client_for(db, execution_check=False, rate_limit=False) as client:
        # given a document answered once (on the full path, compiled)
        before = RUNS["lean"]
        full = await _post(client, token, variables)
        assert RUNS["lean"] == before
        # when it is asked again, by POST and by GET in the other media type
        again = await _post(client, token, variables)
        got = await client.get("/graphql", params={"query": HOURS, "variables": json.dumps(variables)},
                               headers={"Authorization": f"Bearer {token}", "Accept": GRAPHQL_RESPONSE})
    # then both were lean, and each is the full path's answer, byte for byte, with its media type
    assert RUNS["lean"] == before + 2
    assert full.status_code == again.status_code == got.status_code == 200
    assert again.content == full.content
    assert json.loads(full.content)["data"]["node"]["timeRecords"]["totalCount"] == 4
    assert json.loads(full.content)["extensions"]["cost"]["actualQueryCost"] > 0
    assert again.headers["content-type"] == full.headers["content-type"] == "application/json; charset=utf-8"
    assert got.headers["content-type"] == f"{GRAPHQL_RESPONSE}; charset=utf-8"
    assert got.content == full.content


async def test_the_lean_path_makes_every_per_request_check_of_the_full_path(db):
    acme, variables = await _project(db)
    token = acme["admin"].token
    async with client_for(db, execution_check=False, max_query_cost=40, rate_limit_points=40,
                          rate_limit_restore_per_second=0.001) as client:
        first = await _post(client, token, variables)  # known from now on
        assert first.status_code == 200, first.text
        cost = json.loads(first.content)["extensions"]["cost"]
        before = RUNS["lean"]
        # a variable that is not a Date, an over-long ID, a page too dear: each refused as the full path refuses it
        bad_date = await _post(client, token, {**variables, "from": "soon"}, accept=GRAPHQL_RESPONSE)
        long_id = await _post(client, token, {**variables, "id": "x" * 5000}, accept=GRAPHQL_RESPONSE)
        too_dear = await _post(client, token, {**variables, "first": 100}, accept=GRAPHQL_RESPONSE)
        # and the rate limit is drawn from by lean answers until the client is throttled
        statuses = [(await _post(client, token, variables)).status_code for _ in range(6)]
    assert bad_date.status_code == 422 and "soon" in bad_date.text
    assert long_id.status_code == 422
    assert json.loads(long_id.content)["errors"][0]["extensions"] == {"code": "INVALID_INPUT", "field": "id"}
    assert too_dear.status_code == 422
    assert json.loads(too_dear.content)["errors"][0]["extensions"]["code"] == "MAX_COST_EXCEEDED"
    assert cost["requestedQueryCost"] * 2 <= 40 < cost["requestedQueryCost"] * 6
    assert statuses[0] == 200 and statuses[-1] == 429, statuses
    assert RUNS["lean"] - before == statuses.count(200)  # every 200 above was lean, every refusal the full path's


async def test_a_plan_handed_back_on_the_lean_path_is_answered_by_the_full_path_and_charged_once(db, monkeypatch):
    acme, variables = await _project(db)
    token = acme["admin"].token

    class HandsBack(Run):
        async def data(self, plan):
            raise Fallback("as a plan whose data it cannot answer")

    async with client_for(db, execution_check=False, rate_limit_restore_per_second=0.001) as client:
        first = json.loads((await _post(client, token, variables)).content)
        monkeypatch.setattr(lean, "Run", HandsBack)
        before = RUNS["lean"]
        second = json.loads((await _post(client, token, variables)).content)
    # then the full path answered (the same data), and the query's points were taken once
    assert RUNS["lean"] == before
    assert second["data"] == first["data"]
    available = [body["extensions"]["cost"]["throttleStatus"]["currentlyAvailable"] for body in (first, second)]
    assert available[0] - available[1] == first["extensions"]["cost"]["actualQueryCost"]


async def test_a_lean_answer_that_differs_from_the_full_paths_is_refused(db, monkeypatch):
    acme, variables = await _project(db)
    token = acme["admin"].token

    class Stale(Run):
        async def data(self, plan):
            found = await super().data(plan)
            return {"node": {**found["node"], "name": "as it was before"}}

    async with client_for(db, execution_check=True) as client:
        assert (await _post(client, token, variables)).status_code == 200
        monkeypatch.setattr(lean, "Run", Stale)
        before = RUNS["lean"]
        refused = await _post(client, token, variables)
    # then the check compared it with the full path's, three times, and answered a fault, not the stale name
    assert refused.status_code == 500
    assert "as it was before" not in refused.text
    assert json.loads(refused.content)["errors"][0]["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    assert RUNS["lean"] == before
