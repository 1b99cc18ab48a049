"""Bounded text: every String and ID the API takes has a maximum (domain.platform.validation.MAX_LENGTH), checked
before anything runs; searches match `%`, `_` and the escape character literally. The fuzz case walks the
schema, so a new argument or input field is covered the day it is added."""
import json
import logging
from types import SimpleNamespace

import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLUnionType,
    get_named_type,
)
from graphql.pyutils import Undefined
from sqlalchemy import func, select

from domain import model as m
from domain.platform.validation import MAX_LENGTH
from gql.schema import schema
from tests.factories import add_customer, add_project, company_with_staff, graphql
from tests.uploads import PREFLIGHT, multipart_body

OVER_LONG = "x" * 100_000
GRAPHQL_SCHEMA = schema._schema
# A well-formed value for each scalar an operation must send for the field to be valid otherwise.
DUMMY = {"String": "x", "ID": "Q29tcGFueTox", "Int": 1, "Float": 1.0, "Boolean": False, "Date": "2026-01-02",
         "Decimal": "1", "Time": "08:00", "DateTime": "2026-01-02T08:00:00+00:00", "Upload": None, "JSON": {}}
SEARCHES = {
    "projects": "{ projects(search: $text) { nodes { id } } }",
    "customers": "{ customers(search: $text) { nodes { id } } }",
    "coWorkers": "{ coWorkers(search: $text) { nodes { id } } }",
    "files": "{ files(search: $text) { nodes { id } } }",
}


def _nullable(type_):
    return type_.of_type if isinstance(type_, GraphQLNonNull) else type_


def dummy(type_):
    """A value of a required input: required fields filled, optional ones left out."""
    type_ = _nullable(type_)
    if isinstance(type_, GraphQLList):
        return [dummy(type_.of_type)]
    if isinstance(type_, GraphQLInputObjectType):
        return {name: dummy(f.type) for name, f in type_.fields.items()
                if isinstance(f.type, GraphQLNonNull) and f.default_value is Undefined}
    if isinstance(type_, GraphQLEnumType):
        return next(iter(type_.values))
    return DUMMY.get(type_.name, "x")


def text_sites(type_, path: list[str]):
    """The path of every String and ID inside an input of this type (`.0` for a list's first item)."""
    type_ = _nullable(type_)
    if isinstance(type_, GraphQLList):
        yield from text_sites(type_.of_type, [*path, "0"])
    elif isinstance(type_, GraphQLInputObjectType):
        for name, field in type_.fields.items():
            yield from text_sites(field.type, [*path, name])
    elif isinstance(type_, GraphQLScalarType) and type_.name in ("String", "ID"):
        yield path


def with_text(type_, steps: list[str], text: str):
    """A value of the type whose text at `steps` is `text`; the rest is the least that is valid."""
    type_ = _nullable(type_)
    if isinstance(type_, GraphQLList):
        return [with_text(type_.of_type, steps[1:], text)]
    if isinstance(type_, GraphQLInputObjectType):
        return {**dummy(type_), steps[0]: with_text(type_.fields[steps[0]].type, steps[1:], text)}
    return text


def _selection(type_) -> str:
    return " { __typename }" if isinstance(get_named_type(type_), (GraphQLObjectType, GraphQLInterfaceType,
                                                                    GraphQLUnionType)) else ""


def literal(value, type_) -> str:
    """`value` of `type_` written in a document."""
    type_ = _nullable(type_)
    if isinstance(type_, GraphQLList):
        return f"[{', '.join(literal(item, type_.of_type) for item in value)}]"
    if isinstance(type_, GraphQLInputObjectType):
        return "{" + ", ".join(f"{k}: {literal(v, type_.fields[k].type)}" for k, v in value.items()) + "}"
    if isinstance(type_, GraphQLEnumType) or value is None:
        return str(value) if value is not None else "null"
    return json.dumps(value)


def _required_literals(field) -> list[str]:
    return [f"{name}: {literal(dummy(a.type), a.type)}" for name, a in field.args.items()
            if isinstance(a.type, GraphQLNonNull)]


def _paths_from_query() -> dict[str, tuple[str, int]]:
    """For each object type, the shortest selection from Query that reaches it: (its opening, braces to close)."""
    reached: dict[str, tuple[str, int]] = {"Query": ("", 0)}
    queue = ["Query"]
    while queue:
        name = queue.pop(0)
        opening, depth = reached[name]
        for field_name, field in GRAPHQL_SCHEMA.get_type(name).fields.items():
            target = get_named_type(field.type)
            args = _required_literals(field)
            step = f"{field_name}{'(' + ', '.join(args) + ')' if args else ''} {{ "
            targets = ([target] if isinstance(target, GraphQLObjectType) else
                       GRAPHQL_SCHEMA.get_possible_types(target) if isinstance(target, (GraphQLInterfaceType,
                                                                                        GraphQLUnionType)) else [])
            for possible in targets:
                if possible.name in reached:
                    continue
                fragment = "" if possible is target else f"... on {possible.name} {{ "
                reached[possible.name] = (opening + step + fragment, depth + 1 + bool(fragment))
                queue.append(possible.name)
    return reached


def text_arguments():
    """(test id, document, variables, the field the refusal must name) for every String and ID argument
    and input field of every field of the schema, each with a 100 kB text."""
    paths = _paths_from_query()
    roots = {GRAPHQL_SCHEMA.query_type.name: "query", GRAPHQL_SCHEMA.mutation_type.name: "mutation"}
    for type_name, type_ in sorted(GRAPHQL_SCHEMA.type_map.items()):
        if not isinstance(type_, GraphQLObjectType) or type_name.startswith("__"):
            continue
        if type_name not in roots and type_name not in paths:
            continue  # the Subscription root: tests/gql/test_text_limits.py checks it through the schema below
        for field_name, field in type_.fields.items():
            for arg_name, arg in field.args.items():
                if get_named_type(arg.type).name == "_Any":
                    continue
                for steps in text_sites(arg.type, []):
                    others = {name: dummy(a.type) for name, a in field.args.items()
                              if isinstance(a.type, GraphQLNonNull) and name != arg_name}
                    variables = {**others, arg_name: with_text(arg.type, steps, OVER_LONG)}
                    declared = ", ".join(f"${name}: {field.args[name].type}" for name in variables)
                    passed = ", ".join(f"{name}: ${name}" for name in variables)
                    selection = " { userErrors { field code } }" if type_name == "Mutation" else _selection(field.type)
                    call = f"{field_name}({passed}){selection}"
                    if type_name in roots:
                        document = f"{roots[type_name]}({declared}) {{ {call} }}"
                    else:
                        opening, depth = paths[type_name]
                        document = f"query({declared}) {{ {opening}{call}{' }' * depth} }}"
                    yield (f"{type_name}.{field_name}.{'.'.join([arg_name, *steps])}", document, variables,
                           ".".join([arg_name, *steps]))


TEXT_ARGUMENTS = list(text_arguments())


async def send(client, token: str, document: str, variables: dict):
    """POSTs the operation; fileUpload as the multipart request it must be, with a small file."""
    headers = {"Authorization": f"Bearer {token}"}
    if "fileUpload(" not in document:
        return await client.post("/graphql", json={"query": document, "variables": variables}, headers=headers)
    body, content_type = multipart_body({"query": document, "variables": variables},
                                        {"0": ("offer.pdf", b"%PDF-1.7", "application/pdf")},
                                        {"0": ["variables.input.file"]})
    return await client.post("/graphql", content=b"".join(body),
                             headers={**headers, **PREFLIGHT, "Content-Type": content_type})


@pytest.fixture
async def acme(db):
    return await company_with_staff(db)


def test_the_fuzz_case_reaches_every_text_argument_of_the_schema():
    # a guard on the walk itself: the lists' searches, nested cursors and deep input fields are all in it
    fields = {case[0] for case in TEXT_ARGUMENTS}
    assert {"Query.projects.search", "Query.files.tags.0", "Mutation.customerCreate.input.contacts.0.email",
            "Customer.projects.after", "ProjectMember.timeRecords.after", "HoursReport.records.after",
            "Mutation.sharePointConfigure.input.clientSecret", "Query.node.id"} <= fields
    assert len(fields) > 150


async def test_an_over_long_text_in_any_argument_or_input_field_is_refused_naming_it(db, client, acme, caplog):
    # given an authenticated admin, and every text argument and input field of the schema at 100 kB
    refused_otherwise = []
    with caplog.at_level(logging.ERROR, logger="partnergraph.errors"):
        for case_id, document, variables, field in TEXT_ARGUMENTS:
            # when each is sent
            response = await send(client, acme["admin"].token, document, variables)
            # then it is refused before anything runs, as INVALID_INPUT naming that field, never as a fault:
            # a mutation's input with a userError, anything else with the request's error
            body = response.json()
            codes = [(e.get("extensions") or {}).get("code") for e in body.get("errors", [])]
            assert response.status_code == 200 and "INTERNAL_SERVER_ERROR" not in codes, (case_id, body)
            if document.startswith("mutation"):
                payloads = list((body.get("data") or {}).values())
                refused = bool(payloads) and {"field": field.removeprefix("input."), "code": "INVALID_INPUT"} in (
                    payloads[0]["userErrors"])
            else:
                refused = "data" not in body and {"code": "INVALID_INPUT", "field": field} in [
                    e.get("extensions") for e in body["errors"]]
            if not refused:
                refused_otherwise.append((case_id, body))
    assert refused_otherwise == []
    assert not [r for r in caplog.records if r.name == "partnergraph.errors"]


@pytest.mark.parametrize("list_name", SEARCHES)
async def test_a_search_longer_than_its_maximum_is_invalid_input_before_any_query(db, client, acme, list_name):
    # given a 60 kB search (SQLite refused such a LIKE pattern as "too complex", a masked fault)
    query = f"query($text: String) {SEARCHES[list_name]}"
    response = await client.post("/graphql", json={"query": query, "variables": {"text": "%" * 60_000}},
                                 headers={"Authorization": f"Bearer {acme['admin'].token}",
                                          "Accept": "application/graphql-response+json"})
    # then it is a 4xx naming `search`, with the maximum in the message
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error["extensions"] == {"code": "INVALID_INPUT", "field": "search"}
    assert error["message"] == f"`search` takes at most {MAX_LENGTH['search']} characters; 60000 were sent."


async def test_a_search_of_exactly_the_maximum_is_run(db, client, acme):
    data = await graphql(client, "query($text: String) { projects(search: $text) { totalCount } }",
                         {"text": "y" * MAX_LENGTH["search"]}, token=acme["admin"].token)
    assert data["projects"]["totalCount"] == 0


async def test_an_over_long_text_written_in_a_mutations_input_is_a_user_error_and_nothing_is_written(db, client, acme):
    # given a customerCreate whose contact's email, written as a literal, is over-long
    mutation = f"""mutation {{ customerCreate(input: {{companyId: "{acme.gid}", name: "Fjord",
        contacts: [{{name: "Kari", email: "{'k' * 400}@example.test"}}]}}) {{
          customer {{ id }} userErrors {{ field code message }} }} }}"""
    data = await graphql(client, mutation, token=acme["admin"].token)
    # then a userError names the field by its place in the input, and no customer was made
    assert data["customerCreate"] == {"customer": None, "userErrors": [{
        "field": "contacts.0.email", "code": "INVALID_INPUT",
        "message": f"`input.contacts.0.email` takes at most {MAX_LENGTH['email']} characters; 413 were sent."}]}
    async with db.read() as session:
        assert await session.scalar(select(func.count()).select_from(m.Customer)) == 0


async def test_an_over_long_text_in_a_subscription_argument_is_refused_before_it_starts():
    # given every text argument of every subscription at 100 kB (graphql-transport-ws runs the same schema)
    subscription = GRAPHQL_SCHEMA.subscription_type
    cases = [(name, arg_name) for name, field in subscription.fields.items() for arg_name in field.args
             if get_named_type(field.args[arg_name].type).name in ("String", "ID")]
    assert len(cases) >= 9
    for name, arg_name in cases:
        field = subscription.fields[name]
        document = (f"subscription($v: {field.args[arg_name].type}) {{ {name}({arg_name}: $v)"
                    f"{_selection(field.type)} }}")
        # when it is subscribed to
        stream = await schema.subscribe(document, variable_values={"v": OVER_LONG},
                                        context_value=SimpleNamespace(db=None, settings=None))
        first = await anext(stream)
        # then the subscription is refused before it starts, naming the argument
        assert [e.extensions for e in first.errors] == [{"code": "INVALID_INPUT", "field": arg_name}], name


@pytest.mark.parametrize("wildcard", ["%", "_", "/"])
async def test_a_search_matches_like_wildcards_and_the_escape_character_literally(db, client, acme, wildcard):
    # given projects, customers and files whose names differ only by a wildcard or the escape character
    customer = await add_customer(db, acme, name=f"Fjord{wildcard}kraft")
    await add_customer(db, acme, name="Fjordxkraft")
    await add_project(db, acme, customer, name=f"Web{wildcard}site")
    await add_project(db, acme, customer, name="Webxsite")
    token = acme["admin"].token
    # when each list is searched for the text with the wildcard in it
    projects = await graphql(client, "query($s: String) { projects(search: $s) { nodes { name } } }",
                             {"s": f"b{wildcard}s"}, token=token)
    customers = await graphql(client, "query($s: String) { customers(search: $s) { nodes { name } } }",
                              {"s": f"d{wildcard}k"}, token=token)
    # then only the name with that very character matches
    assert projects["projects"]["nodes"] == [{"name": f"Web{wildcard}site"}]
    assert customers["customers"]["nodes"] == [{"name": f"Fjord{wildcard}kraft"}]
