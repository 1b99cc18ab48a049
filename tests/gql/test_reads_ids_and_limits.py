"""Malformed ids and out-of-range page sizes get a null or a clear GraphQL error, never a server fault."""
import base64

import pytest

from domain.platform.validation import MAX_ID_LENGTH
from tests.factories import add_customer, add_project, company_with_staff, gid, graphql

NODE = """
query Node($id: ID!) { node(id: $id) { id ... on Project { name } } }
"""

NODES = """
query Nodes($ids: [ID!]!) { nodes(ids: $ids) { id } }
"""

ENTITY = """
query Entity($representations: [_Any!]!) { _entities(representations: $representations) { ... on Project { id name } } }
"""

PROJECTS = """
query Projects($first: Int, $customerId: ID) { projects(first: $first, customerId: $customerId) { edges { node { id } } } }
"""

NESTED = """
query Nested($first: Int, $after: String) {
  projects { edges { node { name members(first: $first, after: $after) { edges { node { createdAt } } } } } }
}
"""


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


MALFORMED_IDS = [
    "garbage",
    "",
    "   ",
    "%%%",
    b64("Project"),  # no colon
    b64("Project:"),
    b64("Project:abc"),
    b64("Project:0"),
    b64("Project:-1"),
    b64("Project: 1"),
    b64("Project:1.0"),
    b64("Project:" + "9" * 30),  # beyond any primary key
    b64("Project:2147483648"),
    b64("Nope:1"),  # no such type
    b64("Viewer:1"),  # a type that is not a Node
    b64("ProjectMember:1"),
    b64(":1"),
    "UHJvamVjdDox\n",
    "UHJvamVjdDox=",
    "é" * 10,
    "x" * MAX_ID_LENGTH,  # longer ones are refused before anything runs (below)
]


@pytest.fixture
async def acme_with_project(db):
    acme = await company_with_staff(db)
    project_id = await add_project(db, acme, await add_customer(db, acme))
    return acme, project_id


@pytest.mark.parametrize("bad_id", MALFORMED_IDS)
async def test_a_malformed_id_gives_null_not_an_error(db, client, acme_with_project, bad_id):
    acme, _ = acme_with_project
    response = await client.post(
        "/graphql", json={"query": NODE, "variables": {"id": bad_id}},
        headers={"Authorization": f"Bearer {acme['admin'].token}"},
    )
    assert response.status_code == 200
    assert "errors" not in response.json()
    assert response.json()["data"] == {"node": None}


async def test_malformed_ids_among_good_ones_are_null_in_place(db, client, acme_with_project):
    acme, project_id = acme_with_project
    ids = [MALFORMED_IDS[0], gid("Project", project_id), *MALFORMED_IDS[1:]]
    data = await graphql(client, NODES, {"ids": ids}, token=acme["admin"].token)
    assert data["nodes"] == [None, {"id": gid("Project", project_id)}] + [None] * (len(MALFORMED_IDS) - 1)


async def test_an_id_longer_than_any_global_id_is_refused_as_invalid_input_naming_it(db, client, acme_with_project):
    acme, project_id = acme_with_project
    body = await graphql(client, NODES, {"ids": [gid("Project", project_id), "x" * (MAX_ID_LENGTH + 1)]},
                         token=acme["admin"].token, expect_errors=True)
    assert "data" not in body
    assert [e["extensions"] for e in body["errors"]] == [{"code": "INVALID_INPUT", "field": "ids.1"}]


async def test_a_well_formed_id_of_a_missing_object_gives_null(db, client, acme_with_project):
    acme, project_id = acme_with_project
    data = await graphql(client, NODE, {"id": gid("Project", project_id + 1000)}, token=acme["admin"].token)
    assert data == {"node": None}


async def test_an_id_of_one_type_does_not_find_an_object_of_another(db, client, acme_with_project):
    acme, project_id = acme_with_project
    data = await graphql(client, ENTITY, {"representations": [
        {"__typename": "Project", "id": gid("Customer", project_id)},
        {"__typename": "Project", "id": "garbage"},
        {"__typename": "Project", "id": gid("Project", project_id)},
    ]}, token=acme["admin"].token)
    assert data["_entities"] == [None, None, {"id": gid("Project", project_id), "name": "Website"}]


async def test_more_than_a_hundred_ids_at_once_are_refused_naming_ids(db, client, acme_with_project):
    acme, _ = acme_with_project
    body = await graphql(client, NODES, {"ids": ["x"] * 101}, token=acme["admin"].token, expect_errors=True)
    assert body["errors"][0]["extensions"] == {"code": "INVALID_INPUT", "field": "ids"}


@pytest.mark.parametrize("first", [-1, 101, 10_000])
async def test_a_page_size_out_of_range_is_an_error_naming_first(db, client, acme_with_project, first):
    acme, _ = acme_with_project
    body = await graphql(client, PROJECTS, {"first": first}, token=acme["admin"].token, expect_errors=True)
    assert body["data"] is None
    [error] = body["errors"]
    assert error["extensions"] == {"code": "INVALID_INPUT", "field": "first"}
    assert "'first' must be between 0 and 100" in error["message"]


@pytest.mark.parametrize("first", [-5, 101])
async def test_a_nested_page_size_out_of_range_is_an_error_at_that_field(db, client, acme_with_project, first):
    acme, _ = acme_with_project
    body = await graphql(client, NESTED, {"first": first}, token=acme["admin"].token, expect_errors=True)
    # connections are non-null, so the error empties the response rather than leaving a half-read page
    assert body["data"] is None
    assert body["errors"][0]["path"] == ["projects", "edges", 0, "node", "members"]
    assert body["errors"][0]["extensions"] == {"code": "INVALID_INPUT", "field": "first"}


async def test_a_bad_nested_cursor_is_an_error_naming_after(db, client, acme_with_project):
    acme, _ = acme_with_project
    body = await graphql(client, NESTED, {"after": "garbage"}, token=acme["admin"].token, expect_errors=True)
    assert body["data"] is None
    assert body["errors"][0]["path"] == ["projects", "edges", 0, "node", "members"]
    assert body["errors"][0]["extensions"] == {"code": "INVALID_INPUT", "field": "after"}


@pytest.mark.parametrize("bad_id", ["garbage", b64("Project:1")])
async def test_a_filter_with_a_malformed_or_wrong_type_id_names_the_filter(db, client, acme_with_project, bad_id):
    acme, _ = acme_with_project
    body = await graphql(client, PROJECTS, {"customerId": bad_id}, token=acme["admin"].token, expect_errors=True)
    assert body["errors"][0]["extensions"]["field"] == "customerId"
    assert body["errors"][0]["extensions"]["code"] in {"INVALID_INPUT", "NOT_FOUND"}
