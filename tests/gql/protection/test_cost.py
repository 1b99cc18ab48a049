"""The cost map, without a database: objects 1, lists times their size, connections times `first`."""
from graphql import get_named_type, get_nullable_type, is_leaf_type, is_list_type, parse

from domain.model import Tier
from domain.partners.setup import CompanyFacts, pair_steps, settings_steps
from gql.protection.cost import DEFAULT_LIST_SIZE, LIST_BOUNDS, MUTATION_COST, actual_cost, requested_cost
from gql.schema import schema

SCHEMA = schema._schema


def cost(query: str, variables: dict | None = None, operation_name: str | None = None) -> int:
    return requested_cost(SCHEMA, parse(query), operation_name, variables)


def test_a_connection_costs_one_plus_first_times_its_nodes():
    assert cost("{ projects(first: 10) { nodes { name } } }") == 1 + 10


def test_edges_and_their_nodes_are_objects_each_but_page_info_and_scalars_are_free():
    query = "{ projects(first: 10) { edges { cursor node { name } } pageInfo { hasNextPage } totalCount } }"
    assert cost(query) == 1 + 10 * (1 + 1)


def test_a_connection_without_first_counts_the_default_page_and_one_that_refuses_first_counts_no_items():
    assert cost("{ projects { nodes { name } } }") == 1 + 20
    assert cost("{ projects(first: 100) { nodes { name } } }") == 1 + 100
    assert cost("{ projects(first: 5000) { nodes { name } } }") == 1  # INVALID_INPUT: no items come back
    assert cost("{ projects(first: -1) { nodes { name } } }") == 1


def test_nested_connections_multiply():
    query = "{ projects(first: 10) { nodes { members(first: 50) { nodes { coWorker { email } } } } } }"
    assert cost(query) == 1 + 10 * (1 + 1 + 50 * (1 + 1))


def test_first_comes_from_the_variables_or_their_defaults():
    query = "query($n: Int = 5) { projects(first: $n) { nodes { name } } }"
    assert cost(query) == 1 + 5
    assert cost(query, {"n": 40}) == 1 + 40


def test_nodes_cost_as_many_as_the_ids_given_and_the_dearest_type_counts_for_each():
    query = """query($ids: [ID!]!) { nodes(ids: $ids) {
        id ... on Project { customer { name } } ... on Customer { contacts { name } } } }"""
    assert cost(query, {"ids": ["a", "b", "c"]}) == 3 * (1 + DEFAULT_LIST_SIZE)


def test_fragments_count_like_the_fields_they_hold():
    query = "{ projects(first: 3) { nodes { ...P } } } fragment P on Project { customer { name } }"
    assert cost(query) == 1 + 3 * (1 + 1)


def test_introspection_and_typename_are_free():
    assert cost("{ __typename __schema { types { name fields { name type { name } } } } }") == 0


def test_a_mutation_costs_more_than_a_read():
    query = 'mutation { customerCreate(input: {companyId: "x", name: "y"}) { customer { id } userErrors { code } } }'
    assert cost(query) == MUTATION_COST + 1 + 1


def test_of_several_operations_the_named_one_counts():
    query = "query A { viewer { email } } query B { projects(first: 30) { nodes { id } } }"
    assert cost(query, operation_name="A") == 1
    assert cost(query, operation_name="B") == 31


def test_the_actual_cost_counts_the_objects_returned():
    document = parse("{ projects(first: 10) { edges { node { name customer { name } } } pageInfo { hasNextPage } } }")
    data = {"projects": {
        "edges": [{"node": {"name": "a", "customer": {"name": "c"}}}, {"node": {"name": "b", "customer": None}}],
        "pageInfo": {"hasNextPage": False},
    }}
    assert actual_cost(SCHEMA, document, None, data) == 1 + 2 * (1 + 1) + 1
    assert actual_cost(SCHEMA, document, None, None) == 0


def test_a_plain_list_with_a_bound_counts_its_bound_and_one_without_counts_the_default():
    secondaries = LIST_BOUNDS[("Project", "secondaryProjects")]
    assert secondaries == 7 != DEFAULT_LIST_SIZE  # a partner group holds at most 8 companies
    query = "{ projects(first: 10) { nodes { secondaryProjects { company { name } coWorkers { name } } } } }"
    # secondaryProjects counts 7 items; coWorkers, a list without a bound, the default 10
    assert cost(query) == 1 + 10 * (1 + 7 * (1 + 1 + 10 * 1)) == 851
    assert cost("{ customers(first: 2) { nodes { contacts { name } } } }") == 1 + 2 * (1 + DEFAULT_LIST_SIZE)
    assert cost('{ customerMatches(companyId: "x", name: "y") { company { name } } }') == 20 * 2


def test_a_bound_is_the_lists_own_and_does_not_reach_the_lists_below_it():
    query = "{ partnerGroups(first: 1) { nodes { members { company { partners { partnerCompany { name } } } } } } }"
    # members: at most 8; partners below them: the default 10
    assert cost(query) == 1 + 1 * (1 + 8 * (1 + 1 + 10 * (1 + 1)))


def test_every_bound_names_a_plain_list_of_objects_of_the_schema():
    for (type_name, field_name), bound in LIST_BOUNDS.items():
        field = SCHEMA.get_type(type_name).fields[field_name]
        assert is_list_type(get_nullable_type(field.type)), (type_name, field_name)
        assert not is_leaf_type(get_named_type(field.type)), (type_name, field_name)
        assert "first" not in field.args, (type_name, field_name)  # a connection counts its `first`
        assert bound > 0


def test_a_partner_status_bound_is_every_step_a_pair_can_miss():
    nothing_done = [CompanyFacts(i, f"c{i}", Tier.STANDARD, partner_companies_enabled=False) for i in (1, 2)]
    worst = [*settings_steps(nothing_done[0]), *settings_steps(nothing_done[1]), *pair_steps(*nothing_done, {})]
    assert LIST_BOUNDS[("PartnerStatus", "missingSteps")] == len(worst)
