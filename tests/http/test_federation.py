"""Apollo Federation: the exported SDL composes with a second subgraph that extends Project
(@theguild/federation-composition), and @apollo/gateway answers a query that needs partnergraph's
`_entities` with the right data."""
import json

import httpx

from tests.http.live_server import REPO, run_node

PROJECTS = "{ projects(first: 3) { nodes { id name number customer { name } } } }"
THROUGH_THE_GATEWAY = "{ projectBudgets { id budgetHours name number customer { name } } }"


def test_a_gateway_query_joins_a_second_subgraph_with_projects_resolved_by_partnergraph(live_server):
    direct = httpx.post(live_server.graphql_url, json={"query": PROJECTS},
                        headers={"Authorization": f"Bearer {live_server.token}"}).json()
    projects = direct["data"]["projects"]["nodes"]
    assert len(projects) == 3
    budgets = {project["id"]: 100 + i for i, project in enumerate(projects)}

    out = run_node("federation.mjs", live_server.graphql_url, live_server.token, str(REPO / "schema.graphql"),
                   json.dumps(budgets), THROUGH_THE_GATEWAY, timeout=120)
    seen = json.loads(out)

    assert "errors" not in seen["result"], seen["result"]
    assert seen["result"]["data"]["projectBudgets"] == [
        {"budgetHours": budgets[p["id"]], **p} for p in projects
    ]
    # The gateway asked partnergraph for the projects by their keys, in one batch.
    assert len(seen["partnergraphQueries"]) == 1
    assert "_entities(representations:" in seen["partnergraphQueries"][0]
