"""Query cost in the style of GitHub's and Shopify's APIs: what a query may return, counted before it runs.

The cost map:
- every object a query may return costs 1 (a connection, an edge, a node, a payload); scalars and
  enums cost nothing, nor do `PageInfo` and `UserError` (bookkeeping) or introspection;
- a list multiplies the cost of its items by its size: inside a connection, the `first` asked for
  (20 when not given; none when outside 0..100, which the connection refuses); for a plain list in
  LIST_BOUNDS, its bound there (the most items it can hold); for `nodes(ids:)` and
  `_entities(representations:)`, the number of ids given; for any other list of objects, DEFAULT_LIST_SIZE;
- a mutation costs MUTATION_COST more than the objects it returns (a write is dearer than a read).

The requested cost is counted from the document (and variables) before anything runs; the actual cost
is counted the same way from the data the query did return.
"""
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLNamedType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    ListValueNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    ValueNode,
    VariableNode,
    get_named_type,
    get_nullable_type,
    is_abstract_type,
    is_leaf_type,
    is_list_type,
)

from domain.model import SeriesKind
from domain.partners.groups import MAX_GROUP_SIZE
from domain.projects.secondary import MAX_SECONDARY_PROJECTS
from domain.partners.shared_customers import MAX_MATCHES
from gql.pagination import DEFAULT_PAGE, MAX_PAGE

MUTATION_COST = 10
DEFAULT_LIST_SIZE = 10

# The plain (non-connection) lists of objects that cannot hold more than a bound the domain enforces or that
# holds by construction, by (type, field): they count that many items instead of DEFAULT_LIST_SIZE. A list
# that can grow without bound (a company's partners, a customer's contacts, a report's rows) is not here.
LIST_BOUNDS: dict[tuple[str, str], int] = {
    # One per other company of the main company's partner group (domain.projects.secondary).
    ("Project", "secondaryProjects"): MAX_SECONDARY_PROJECTS,
    # A group is registered with at most MAX_GROUP_SIZE companies and never gains one (former members included).
    ("PartnerGroup", "members"): MAX_GROUP_SIZE,
    # One series per company and kind (a unique constraint).
    ("CompanySettings", "numberSeries"): len(SeriesKind),
    # For a pair: 2 settings steps (PRO, the setting) for each company, 3 link steps (add, confirm, attach) each way.
    ("PartnerStatus", "missingSteps"): 2 * 2 + 2 * 3,
    # The query stops at MAX_MATCHES (domain.partners.shared_customers).
    ("Query", "customerMatches"): MAX_MATCHES,
}
FREE_TYPES = frozenset({"PageInfo", "UserError"})


def _operations(document: DocumentNode, operation_name: str | None) -> list[OperationDefinitionNode]:
    return [
        d for d in document.definitions
        if isinstance(d, OperationDefinitionNode)
        and (operation_name is None or (d.name is not None and d.name.value == operation_name))
    ]


def _fragments(document: DocumentNode) -> dict[str, FragmentDefinitionNode]:
    return {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}


def _variables(operation: OperationDefinitionNode, given: Mapping[str, Any] | None) -> dict[str, Any]:
    """The raw variable values, with the operation's defaults for those not given."""
    values = dict(given or {})
    for definition in operation.variable_definitions or ():
        name = definition.variable.name.value
        if name not in values and definition.default_value is not None:
            values[name] = _value(definition.default_value, {})
    return values


def _value(node: ValueNode, variables: Mapping[str, Any]) -> Any:
    """The little of an argument value cost needs: integers, lists (for their length) and variables."""
    if isinstance(node, VariableNode):
        return variables.get(node.name.value)
    if isinstance(node, IntValueNode):
        return int(node.value)
    if isinstance(node, ListValueNode):
        return [_value(item, variables) for item in node.values]
    return None


class _Counter:
    def __init__(self, schema: GraphQLSchema, fragments: dict[str, FragmentDefinitionNode],
                 variables: Mapping[str, Any], mutation_root: GraphQLNamedType | None) -> None:
        self.schema, self.fragments, self.variables, self.mutation_root = schema, fragments, variables, mutation_root
        self._object_fields: dict[tuple[int, str], tuple[SelectionSetNode, list]] = {}

    def object_cost(self, named: GraphQLNamedType, parent: GraphQLNamedType) -> int:
        own = 0 if named.name in FREE_TYPES else 1
        return own + (MUTATION_COST if parent is self.mutation_root else 0)

    def condition(self, type_condition, parent: GraphQLNamedType) -> GraphQLNamedType:
        found = self.schema.get_type(type_condition.name.value) if type_condition is not None else None
        return found or parent

    # --- requested: from the document -------------------------------------------------------------

    def selection_set(self, selection_set: SelectionSetNode, parent: GraphQLNamedType, page: int | None,
                      seen: frozenset[str] = frozenset()) -> int:
        # Fragments on other types of an abstract parent are alternatives: only the dearest counts.
        common, alternatives = 0, {}
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                common += self.field(selection, parent, page)
                continue
            if isinstance(selection, InlineFragmentNode):
                on = self.condition(selection.type_condition, parent)
                cost = self.selection_set(selection.selection_set, on, page, seen)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self.fragments.get(name)
                if fragment is None or name in seen:
                    continue
                on = self.condition(fragment.type_condition, parent)
                cost = self.selection_set(fragment.selection_set, on, page, seen | {name})
            else:  # pragma: no cover - graphql-core has no other selection kinds
                continue
            if is_abstract_type(parent) and on is not parent:
                alternatives[on.name] = alternatives.get(on.name, 0) + cost
            else:
                common += cost
        return common + max(alternatives.values(), default=0)

    def field(self, node: FieldNode, parent: GraphQLNamedType, page: int | None) -> int:
        definition = _field_of(parent, node.name.value)
        if definition is None or node.name.value.startswith("__"):
            return 0  # introspection and __typename are free; unknown fields fail validation anyway
        named = get_named_type(definition.type)
        if is_leaf_type(named):
            return 0
        arguments = {a.name.value: _value(a.value, self.variables) for a in node.arguments or ()}
        child_page = _page(arguments.get("first")) if "first" in definition.args else None
        inner = self.selection_set(node.selection_set, named, child_page) if node.selection_set else 0
        per_item = self.object_cost(named, parent) + inner
        if not is_list_type(get_nullable_type(definition.type)):
            return per_item
        return self.list_size(page, arguments, LIST_BOUNDS.get((parent.name, node.name.value))) * per_item

    @staticmethod
    def list_size(page: int | None, arguments: dict[str, Any], bound: int | None) -> int:
        if page is not None:
            return page
        if bound is not None:
            return bound
        sized = [len(v) for v in arguments.values() if isinstance(v, list)]
        return max(sized) if sized else DEFAULT_LIST_SIZE

    # --- actual: from the data returned -----------------------------------------------------------

    def entries(self, selection_set: SelectionSetNode, parent: GraphQLNamedType) -> list:
        """object_fields with, for each, the entries below it (None: leaves only), worked out before the data is
        walked, so each item of a list costs a lookup per object field and no more."""
        cache_key = (id(selection_set), parent.name, "entries")
        if (cached := self._object_fields.get(cache_key)) is not None:
            return cached[1]
        found = [(key, cost, self.entries(merged, named) or None)
                 for key, named, cost, merged in self.object_fields(selection_set, parent)]
        self._object_fields[cache_key] = (selection_set, found)
        return found

    def _over(self, entries: list, data: Mapping) -> int:
        total = 0
        for key, cost, below in entries:
            value = data.get(key)
            if value is None:
                continue
            if isinstance(value, list):
                if below is None:
                    total += cost * (len(value) - sum(item is None for item in value))
                    continue
                for item in value:
                    if item is not None:
                        total += cost + (self._over(below, item) if isinstance(item, Mapping) else 0)
            else:
                total += cost + (self._over(below, value) if below is not None and isinstance(value, Mapping) else 0)
        return total

    def object_fields(self, selection_set: SelectionSetNode,
                      parent: GraphQLNamedType) -> list[tuple[str, GraphQLNamedType, int, SelectionSetNode]]:
        """The response keys of a selection that hold objects: each with its type, its cost per object and the
        selection sets merged under it. Worked out once per selection and type, not once per item of a list
        (100 records of a page share one), which made counting a large result cost as much as executing it."""
        cache_key = (id(selection_set), parent.name)
        if (cached := self._object_fields.get(cache_key)) is not None:
            return cached[1]
        found = []
        for key, (definition, owner, sub_selections) in self.fields_by_key(selection_set, parent).items():
            if definition is None or is_leaf_type(named := get_named_type(definition.type)):
                continue
            merged = SelectionSetNode(selections=tuple(s for subs in sub_selections for s in subs.selections))
            found.append((key, named, self.object_cost(named, owner), merged))
        # The selection set is kept with its entry, so its id is not reused by another while the counter lives.
        self._object_fields[cache_key] = (selection_set, found)
        return found

    def fields_by_key(self, selection_set: SelectionSetNode, parent: GraphQLNamedType,
                      seen: frozenset[str] = frozenset()) -> dict[str, tuple[GraphQLField | None, Any, list]]:
        """Each response key with its field definition, owning type and the selection sets merged under it."""
        found: dict[str, tuple[GraphQLField | None, Any, list]] = {}
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                key = selection.alias.value if selection.alias else selection.name.value
                if selection.name.value.startswith("__"):
                    continue
                definition, owner, subs = found.get(key) or (_field_of(parent, selection.name.value), parent, [])
                if selection.selection_set is not None:
                    subs.append(selection.selection_set)
                found[key] = (definition, owner, subs)
                continue
            if isinstance(selection, InlineFragmentNode):
                on, inner, name = self.condition(selection.type_condition, parent), selection.selection_set, None
            elif isinstance(selection, FragmentSpreadNode) and selection.name.value in self.fragments:
                name = selection.name.value
                if name in seen:
                    continue
                fragment = self.fragments[name]
                on, inner = self.condition(fragment.type_condition, parent), fragment.selection_set
            else:
                continue
            for key, (definition, owner, subs) in self.fields_by_key(inner, on, seen | ({name} if name else set())).items():
                if key in found:
                    found[key][2].extend(subs)
                else:
                    found[key] = (definition, owner, subs)
        return found


def _field_of(parent: GraphQLNamedType, name: str) -> GraphQLField | None:
    fields = getattr(parent, "fields", None)
    return fields.get(name) if fields else None


def _page(first: Any) -> int:
    if not isinstance(first, int) or isinstance(first, bool):
        return DEFAULT_PAGE
    # Outside 0..MAX_PAGE the connection refuses `first` (INVALID_INPUT) and returns no items, so they
    # cost nothing, and the client hears about `first` rather than about the cost.
    return first if 0 <= first <= MAX_PAGE else 0


def _counters(schema: GraphQLSchema, document: DocumentNode, operation_name: str | None,
              variables: Mapping[str, Any] | None) -> Iterable[tuple[_Counter, OperationDefinitionNode]]:
    fragments = _fragments(document)
    mutation_root = schema.get_root_type(OperationType.MUTATION)
    for operation in _operations(document, operation_name):
        yield _Counter(schema, fragments, _variables(operation, variables), mutation_root), operation


def requested_cost(schema: GraphQLSchema, document: DocumentNode, operation_name: str | None = None,
                   variables: Mapping[str, Any] | None = None) -> int:
    """The most the operation may cost (of several operations and no name given: the dearest)."""
    costs = [
        counter.selection_set(operation.selection_set, root, None)
        for counter, operation in _counters(schema, document, operation_name, variables)
        if (root := schema.get_root_type(operation.operation)) is not None
    ]
    return max(costs, default=0)


def requested_cost_key(variables: Mapping[str, Any]) -> tuple:
    """What of a request's variables its requested cost depends on (_value reads integers and list lengths): two
    requests of one operation with the same key cost the same."""
    return tuple(sorted(
        (name, value if isinstance(value, int) and not isinstance(value, bool)
         else ("list", len(value)) if isinstance(value, list) else None)
        for name, value in variables.items()))


def actual_cost(schema: GraphQLSchema, document: DocumentNode, operation_name: str | None, data: Any) -> int:
    """What the operation did cost: the same map, counted over the data it returned."""
    return actual_cost_of(schema, document, operation_name)(data)


def actual_cost_of(schema: GraphQLSchema, document: DocumentNode,
                   operation_name: str | None) -> Callable[[Any], int]:
    """actual_cost of one operation, as a function of the data, with the walk over its selections worked out once
    (kept by whoever answers the same document again, gql.http.lean)."""
    for counter, operation in _counters(schema, document, operation_name, None):
        root = schema.get_root_type(operation.operation)
        if root is not None:
            entries = counter.entries(operation.selection_set, root)
            return lambda data: counter._over(entries, data) if isinstance(data, Mapping) else 0
    return lambda _data: 0
