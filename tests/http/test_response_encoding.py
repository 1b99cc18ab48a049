"""Response bodies are compact JSON in UTF-8 (gql.http.json_body, orjson): non-ASCII text comes as its UTF-8 bytes,
not `\\uXXXX` escapes, on the full path and the lean path alike (byte for byte), and whatever orjson would encode
differently from json is encoded as json did."""
import datetime
import json
from decimal import Decimal

import pytest

from gql.compiled.execution import RUNS
from gql.http.json_body import json_body
from tests.factories import add_customer, add_project, company_with_staff, gid
from tests.http.apps import client_for

NAME = "Søren Æblegård — ✓"
PROJECT = "Prosjekt Ærø 北京 🚀"
PAGE = """query Page($id: ID!) { node(id: $id) { ... on Project { name customer { name } } } }"""
CREATE = """mutation($input: CustomerCreateInput!) {
  customerCreate(input: $input) { customer { name } userErrors { field code } } }"""


def _utf8(response, *texts: str) -> dict:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].endswith("; charset=utf-8")
    for text in texts:
        assert text.encode("utf-8") in response.content
    assert b"\\u" not in response.content
    return json.loads(response.content)


async def test_non_ascii_text_comes_as_utf8_on_the_full_and_the_lean_path_alike(db):
    acme = await company_with_staff(db)
    project = await add_project(db, acme, await add_customer(db, acme, NAME), PROJECT, leader=acme["leader"])
    headers = {"Authorization": f"Bearer {acme['admin'].token}"}
    variables = {"id": gid("Project", project)}
    async with client_for(db, execution_check=True, rate_limit=False) as client:
        # given a query answered by the full path (compiled), then again: the lean path, checked byte for byte
        # against the full path's answer (execution_check)
        before = RUNS["lean"]
        full = await client.post("/graphql", json={"query": PAGE, "variables": variables}, headers=headers)
        lean = await client.post("/graphql", json={"query": PAGE, "variables": variables}, headers=headers)
        got = await client.get("/graphql", params={"query": PAGE, "variables": json.dumps(variables)},
                               headers={**headers, "Accept": "application/graphql-response+json"})
        # and a mutation (the general executor) whose payload echoes a name it was given
        created = await client.post("/graphql", headers=headers, json={"query": CREATE, "variables": {
            "input": {"companyId": gid("Company", acme.id), "name": NAME + " 2"}}})
    # then every answer carries the text as UTF-8 and parses to the same values
    assert RUNS["lean"] == before + 2
    body = _utf8(full, NAME, PROJECT)
    assert body["data"]["node"] == {"name": PROJECT, "customer": {"name": NAME}}
    assert _utf8(lean, NAME, PROJECT) == _utf8(got, NAME, PROJECT) == body
    assert lean.content == got.content == full.content
    assert _utf8(created, NAME)["data"]["customerCreate"] == {"customer": {"name": NAME + " 2"}, "userErrors": []}


async def test_http_refusals_are_compact_json_too(db):
    async with client_for(db) as client:
        refused = await client.post("/graphql", json={"query": "{ __typename }"}, headers={"Accept": "text/html"})
    assert refused.status_code == 406
    assert refused.content.startswith(b'{"errors":[{"message":"Accept ')
    assert json.loads(refused.content)["errors"][0]["message"].startswith("Accept ")


def test_what_orjson_encodes_differently_is_encoded_as_json_did():
    # the same JSON, compact; non-ASCII and U+2028 as UTF-8, control characters escaped
    assert json_body({"a": [1, 2.5, None, True], "b": "x\u2028\x00" + NAME}) == \
        ('{"a":[1,2.5,null,true],"b":"x\u2028\\u0000' + NAME + '"}').encode("utf-8")
    # what orjson refuses and json accepted: as json encoded it (ASCII, escaped)
    for value in ({"cost": 2 ** 70}, {"cost": -(2 ** 64)}, {1: "one"}, {"text": "\ud800" + NAME}):
        assert json_body(value) == json.dumps(value, separators=(",", ":")).encode()
        assert json.loads(json_body(value)) == json.loads(json.dumps(value))
    # what json refused (a leaf not serialised by its scalar) is still refused, not written by orjson its own way
    for value in (datetime.date(2026, 1, 2), datetime.datetime(2026, 1, 2, 8), Decimal("1.5")):
        with pytest.raises(TypeError):
            json_body({"data": {"when": value}})
