"""GraphQL over HTTP: media types, status codes and GET, as the spec (and issue #10) describe them."""
from tests.factories import company_with_staff, graphql

GRAPHQL_RESPONSE = "application/graphql-response+json"
VIEWER = "{ viewer { email } }"
UNPARSEABLE = "{ viewer { "
INVALID = "{ viewer { shoeSize } }"
COERCION = "query($first: Int) { projects(first: $first) { totalCount } }"
MUTATION = 'mutation($c: ID!) { customerCreate(input: {companyId: $c, name: "Via GET"}) { userErrors { code } } }'
CUSTOMERS = "{ customers { totalCount } }"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_a_client_that_accepts_graphql_response_json_gets_it(db, client):
    acme = await company_with_staff(db)
    response = await client.post("/graphql", json={"query": VIEWER},
                                 headers={"Accept": GRAPHQL_RESPONSE, **bearer(acme["admin"].token)})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(GRAPHQL_RESPONSE)
    assert response.json()["data"] == {"viewer": {"email": acme["admin"].email}}


async def test_application_json_is_the_answer_to_json_a_wildcard_or_no_accept_header(client):
    for accept in ("application/json", "*/*", "application/*", None,
                   f"{GRAPHQL_RESPONSE};q=0.5, application/json"):
        headers = {"Accept": accept} if accept else {}
        response = await client.post("/graphql", json={"query": "{ __typename }"}, headers=headers)
        assert response.status_code == 200, accept
        assert response.headers["content-type"].startswith("application/json"), accept


async def test_a_client_that_accepts_neither_json_type_gets_406(client):
    response = await client.post("/graphql", json={"query": "{ __typename }"}, headers={"Accept": "text/plain"})
    assert response.status_code == 406
    assert "application/json" in response.json()["errors"][0]["message"]


async def test_unparseable_graphql_is_400_without_data_when_the_client_accepts_graphql_response_json(client):
    response = await client.post("/graphql", json={"query": UNPARSEABLE}, headers={"Accept": GRAPHQL_RESPONSE})
    assert response.status_code == 400
    body = response.json()
    assert "data" not in body
    assert body["errors"][0]["message"].startswith("Syntax Error")


async def test_an_invalid_document_or_variable_is_422_without_data_with_graphql_response_json(db, client):
    acme = await company_with_staff(db)  # signed in: variables are coerced when the operation may run
    for query, variables in ((INVALID, None), (COERCION, {"first": "many"})):
        response = await client.post("/graphql", json={"query": query, "variables": variables},
                                     headers={"Accept": GRAPHQL_RESPONSE, **bearer(acme["admin"].token)})
        assert response.status_code == 422, query
        assert "data" not in response.json()


async def test_request_errors_are_200_without_data_for_application_json_clients(client):
    for query in (UNPARSEABLE, INVALID):
        response = await client.post("/graphql", json={"query": query}, headers={"Accept": "application/json"})
        assert response.status_code == 200
        assert "data" not in response.json() and response.json()["errors"]


async def test_a_field_error_keeps_data_and_status_200_with_graphql_response_json(db, client):
    acme = await company_with_staff(db)
    response = await client.post(
        "/graphql", json={"query": "{ viewer { email } projects(first: 101) { totalCount } }"},
        headers={"Accept": GRAPHQL_RESPONSE, **bearer(acme["admin"].token)},
    )
    assert response.status_code == 200
    body = response.json()
    assert "data" in body  # null here: the failed field is non-null, so the error reaches the root
    assert body["errors"][0]["path"] == ["projects"]


async def test_queries_run_over_get_with_variables_in_the_url(db, client):
    acme = await company_with_staff(db)
    response = await client.get(
        "/graphql", params={"query": "query($n: Int) { projects(first: $n) { totalCount } }", "variables": '{"n": 1}'},
        headers={"Accept": GRAPHQL_RESPONSE, **bearer(acme["admin"].token)},
    )
    assert response.status_code == 200
    assert response.json()["data"] == {"projects": {"totalCount": 0}}


async def test_a_mutation_over_get_is_405_and_changes_nothing(db, client):
    acme = await company_with_staff(db)
    response = await client.get("/graphql", params={"query": MUTATION, "variables": f'{{"c": "{acme.gid}"}}'},
                                headers={"Accept": "application/json", **bearer(acme["admin"].token)})
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert "POST" in response.json()["errors"][0]["message"]
    assert await graphql(client, CUSTOMERS, token=acme["admin"].token) == {"customers": {"totalCount": 0}}
    # The same mutation over POST does change something: the GET was refused for its method alone.
    await graphql(client, MUTATION, {"c": acme.gid}, token=acme["admin"].token)
    assert await graphql(client, CUSTOMERS, token=acme["admin"].token) == {"customers": {"totalCount": 1}}


async def test_a_post_body_that_is_not_json_is_415(client):
    for content_type in ("text/plain", "application/graphql", "application/x-www-form-urlencoded", None):
        headers = {"Content-Type": content_type} if content_type else {}
        response = await client.post("/graphql", content=b'{"query": "{ __typename }"}', headers=headers)
        assert response.status_code == 415, content_type
        assert response.json()["errors"][0]["message"].startswith("Send the request body as application/json")


async def test_malformed_json_and_malformed_parameters_are_400_as_json(client):
    bodies = [
        b'{"query": ',
        b'{"qeury": "{ __typename }"}',
        b'{"query": 1}',
        b'{"query": "{ __typename }", "variables": "x"}',
        b'{"query": "{ __typename }", "operationName": ["x"]}',
        b'{"query": "{ __typename }", "extensions": 0}',
    ]
    for body in bodies:
        response = await client.post("/graphql", content=body,
                                     headers={"Content-Type": "application/json", "Accept": GRAPHQL_RESPONSE})
        assert response.status_code == 400, body
        assert response.headers["content-type"].startswith(GRAPHQL_RESPONSE), body
        assert response.json()["errors"][0]["message"], body


async def test_a_browser_opening_graphql_gets_graphiql(client):
    response = await client.get("/graphql", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "GraphiQL" in response.text
