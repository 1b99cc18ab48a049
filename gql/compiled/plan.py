"""A query's plan, made once per (document, operation) and kept beside the parsed documents: for each level,
the columns to select and, for each response key, how its value is made from a row.

graphql-core collects the fields (fragments merged, type conditions applied) exactly as its executor does;
a document with any directive is not planned, so what is collected never depends on the variables. Anything
the catalogue (gql.compiled.shapes) does not cover makes the whole operation unplanned: it runs on the general
executor.
"""
import itertools
import logging
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    FieldNode, FragmentSpreadNode, GraphQLField, GraphQLNonNull, GraphQLObjectType, GraphQLSchema, InlineFragmentNode,
    OperationDefinitionNode, OperationType, SelectionSetNode, get_named_type, get_nullable_type, is_leaf_type,
    is_list_type,
)
from graphql.execution.collect_fields import collect_fields, collect_subfields

from gql.compiled import shapes

log = logging.getLogger("partnergraph.compiled")
from gql.protection.validation import CACHE_SIZE

# Root fields covered, and the arguments each may take (any other argument: not planned).
NODE_ARGS = {"id"}
NODES_ARGS = {"ids"}
ENTITIES_ARGS = {"representations"}
REPORT_ARGS = {"filter"}
CONNECTION_ARGS = {"first", "after"}
DATED_ARGS = {"first", "after", "dateFrom", "dateTo"}
PAGE_INFO = {"hasNextPage", "hasPreviousPage", "startCursor", "endCursor"}


class Unplanned(Exception):
    """The operation uses something the planner does not cover."""


@dataclass
class Leaf:
    key: str
    read: Any  # shapes.Column | shapes.Computed | str (a constant: __typename)
    serialize: Any
    non_null: bool


_PREFIXES = itertools.count()


@dataclass
class Relation:
    key: str
    spec: Any  # shapes.ToOne | shapes.LinkedMain
    target: "ObjectPlan"
    non_null: bool
    # The labels' prefix of the target's columns where its parent's statement reads them along (gql.compiled.run):
    # unique in the process, so no two relations' columns share a label.
    prefix: str = field(default_factory=lambda: f"j{next(_PREFIXES)}_", compare=False, repr=False)


@dataclass
class ConnectionPlan:
    key: str
    spec: Any  # shapes.Children, or shapes.RootList for a top-level list
    field_def: GraphQLField
    node: FieldNode  # for the arguments, read per request
    type_name: str
    parts: list  # ("nodes", ObjectPlan) | ("edges", [(key, "cursor"|"node"|"__typename", plan)]) | ("pageInfo", …)
    # Statements built once for this plan (gql.compiled.run), by their form (the viewer's access shape, …).
    statements: dict = field(default_factory=dict, compare=False, repr=False)

    def node_plans(self) -> list["ObjectPlan"]:
        found = []
        for kind, _key, value in self.parts:
            if kind == "nodes":
                found.append(value)
            elif kind == "edges":
                found.extend(plan for _k, part, plan in value if part == "node")
        return found


@dataclass
class ObjectPlan:
    type_name: str
    fields: list = field(default_factory=list)  # Leaf | Relation | ConnectionPlan, in response order
    statements: dict = field(default_factory=dict, compare=False, repr=False)  # as ConnectionPlan.statements

    def columns(self) -> set[str]:
        shape = shapes.SHAPES.get(self.type_name)
        found = {"id"} if shape is not None and "id" in shape.fields else set()
        for item in self.fields:
            if isinstance(item, Leaf) and isinstance(item.read, shapes.Column):
                found.add(item.read.key)
            elif isinstance(item, Leaf) and isinstance(item.read, shapes.Computed):
                found.update(item.read.keys)
            elif isinstance(item, Relation):
                found.add(item.spec.key)
            elif isinstance(item, EmbeddedPlan):
                found |= item.target.columns()
            elif isinstance(item, DerivedPlan):
                found.update((item.spec.key, *item.spec.keys))
        return found


@dataclass
class EmbeddedPlan:
    key: str
    target: "ObjectPlan"  # made of the same rows


@dataclass
class DerivedPlan:
    key: str
    spec: Any  # shapes.Derived
    target: "ObjectPlan"  # the columns read of the named row
    serialize: Any
    non_null: bool


@dataclass
class BatchedPlan:
    key: str
    spec: Any  # shapes.Batched
    serialize: Any
    many: bool  # a list of leaves


@dataclass
class ByIdsPlan:
    key: str
    spec: Any  # shapes.ByIds
    target: "ObjectPlan"


@dataclass
class ViewerRoot:
    """`viewer`: the request's viewer is its row."""
    key: str
    plan: "ObjectPlan"


@dataclass
class TotalsPlan:
    key: str
    spec: Any  # shapes.Totals
    target: "ObjectPlan"  # of each total


@dataclass
class ReportRoot:
    """`hoursReport(filter)`: the field's own resolver (gql.schema.hours.report) reads the filter."""
    key: str
    field_node: FieldNode
    field_def: GraphQLField
    report: ObjectPlan  # of the HoursReport
    strawberry_schema: Any  # converts the arguments as the resolver gets them


@dataclass
class NestedPlan:
    key: str
    spec: Any  # shapes.Nested | shapes.Loaded
    target: "ObjectPlan"
    many: bool
    non_null: bool


@dataclass
class ResolvedRoot:
    """A root field answered by its own resolver (shapes.RESOLVED_ROOTS), its result completed by the builder."""
    key: str
    field_node: FieldNode
    field_def: GraphQLField
    plan: ObjectPlan  # of each object it gives
    strawberry_schema: Any  # converts the arguments as the resolver gets them
    many: bool
    non_null: bool


@dataclass
class NodeRoot:
    key: str
    field_node: FieldNode
    field_def: GraphQLField
    by_type: dict[str, ObjectPlan]  # the plan for each covered runtime type
    many: bool = False  # `nodes(ids)` rather than `node(id)`
    entities: bool = False  # Federation's `_entities(representations)`


@dataclass
class Plan:
    roots: list  # NodeRoot | ReportRoot | ViewerRoot | ResolvedRoot | ConnectionPlan (a top-level list)


@dataclass
class EventLeaf:
    """A leaf of a subscription's event read from the event object (the field's Python attribute), or a constant
    (__typename)."""
    key: str
    attribute: str | None
    constant: Any
    serialize: Any
    non_null: bool


@dataclass
class EventNode:
    """The event's `node`, planned as a node of its type with the event's row as the root row."""
    key: str
    plan: ObjectPlan
    non_null: bool


@dataclass
class EventPlan:
    """The selection of a subscription's event: the subscription field's key and the event's fields."""
    key: str
    type_name: str
    fields: list  # EventLeaf | EventNode, in response order
    non_null: bool


class _Compiler:
    def __init__(self, schema: GraphQLSchema, fragments, variable_values, operation: OperationDefinitionNode):
        self.schema, self.fragments, self.variables, self.operation = schema, fragments, variable_values, operation

    def subfields(self, return_type: GraphQLObjectType, details) -> dict:
        return collect_subfields(self.schema, self.fragments, self.variables, self.operation, return_type,
                                 details).grouped_field_set

    def object_plan(self, type_name: str, details) -> ObjectPlan:
        graphql_type = self.schema.get_type(type_name)
        grouped = self.subfields(graphql_type, details)
        plan = ObjectPlan(type_name)
        for key, field_details in grouped.items():
            plan.fields.append(self.field_plan(graphql_type, key, field_details))
        return plan

    def field_plan(self, parent: GraphQLObjectType, key: str, details):
        node = details[0].node
        name = node.name.value
        if name == "__typename":
            return Leaf(key, parent.name, None, True)
        field_def = parent.fields[name]
        non_null = isinstance(field_def.type, GraphQLNonNull)
        named = get_named_type(field_def.type)
        if parent.name == "LinkedProject":
            return self.linked_field(named, key, name, details, non_null, field_def)
        spec = shapes.SHAPES[parent.name].fields.get(name) if parent.name in shapes.SHAPES else None
        if spec is None:
            raise Unplanned(f"{parent.name}.{name}")
        if isinstance(spec, shapes.Children):
            allowed = DATED_ARGS if spec.dated else CONNECTION_ARGS
            return self.connection(key, spec, field_def, details, allowed)
        if isinstance(spec, shapes.ReportRecords):
            return self.connection(key, spec, field_def, details, CONNECTION_ARGS)
        _no_arguments(details)
        if isinstance(spec, shapes.ChildList):
            if spec.target not in shapes.SHAPES:
                raise Unplanned(spec.target)
            # Run as a page of MAX_PAGE children whose nodes are the list (gql.compiled.run.Run.complete).
            return ConnectionPlan(key, spec, field_def, node, named.name,
                                  [("nodes", key, self.object_plan(spec.target, details))])
        if isinstance(spec, (shapes.Column, shapes.Computed)):
            if not is_leaf_type(named):
                raise Unplanned(f"{parent.name}.{name} is not a leaf")
            return Leaf(key, spec, named.serialize, non_null)
        if isinstance(spec, shapes.ToOne):
            return Relation(key, spec, self.object_plan(named.name, details), non_null)
        if isinstance(spec, shapes.LinkedMain):
            return Relation(key, spec, self.object_plan("LinkedProject", details), non_null)
        if isinstance(spec, shapes.Embedded):
            return EmbeddedPlan(key, self.object_plan(spec.target, details))
        if isinstance(spec, shapes.Derived):
            if not is_leaf_type(named):
                raise Unplanned(f"{parent.name}.{name} is not a leaf")
            target = ObjectPlan(spec.target, [Leaf(column, shapes.Column(column), None, False)
                                              for column in spec.target_columns])
            return DerivedPlan(key, spec, target, named.serialize, non_null)
        if isinstance(spec, shapes.Batched):
            if not is_leaf_type(named):
                raise Unplanned(f"{parent.name}.{name} is not a leaf")
            return BatchedPlan(key, spec, named.serialize, is_list_type(get_nullable_type(field_def.type)))
        if isinstance(spec, (shapes.Nested, shapes.Loaded)):
            return NestedPlan(key, spec, self.object_plan(named.name, details),
                              is_list_type(get_nullable_type(field_def.type)), non_null)
        if isinstance(spec, shapes.ByIds):
            return ByIdsPlan(key, spec, self.object_plan(spec.target, details))
        if isinstance(spec, shapes.Totals):
            return TotalsPlan(key, spec, self.object_plan(spec.target, details))
        raise Unplanned(f"{parent.name}.{name}")

    def linked_field(self, named, key, name, details, non_null, field_def):
        if name not in shapes.LINKED_PROJECT:
            raise Unplanned(f"LinkedProject.{name}")
        _no_arguments(details)
        if name == "company":
            return Relation(key, shapes.ToOne("company_id", "Company"), self.object_plan("Company", details), non_null)
        return Leaf(key, shapes.Column(name), named.serialize, non_null)

    def connection(self, key, spec, field_def: GraphQLField, details, allowed: set[str]) -> ConnectionPlan:
        for detail in details:
            if {argument.name.value for argument in detail.node.arguments or ()} - allowed:
                raise Unplanned(f"arguments of {key}")
        if len({_arguments_text(detail.node) for detail in details}) > 1:
            raise Unplanned(f"{key} merged from fields with different arguments")
        connection_type = get_named_type(field_def.type)
        node_type = get_named_type(connection_type.fields["nodes"].type).name
        parts = []
        for part_key, part_details in self.subfields(connection_type, details).items():
            name = part_details[0].node.name.value
            if name == "__typename":
                parts.append(("typename", part_key, connection_type.name))
            elif name == "nodes":
                parts.append(("nodes", part_key, self.object_plan(node_type, part_details)))
            elif name == "edges":
                edge_type = get_named_type(connection_type.fields["edges"].type)
                edge_parts = []
                for edge_key, edge_details in self.subfields(edge_type, part_details).items():
                    edge_name = edge_details[0].node.name.value
                    if edge_name == "node":
                        edge_parts.append((edge_key, "node", self.object_plan(node_type, edge_details)))
                    elif edge_name in ("cursor", "__typename"):
                        edge_parts.append((edge_key, edge_name, edge_type.name))
                    else:
                        raise Unplanned(f"Edge.{edge_name}")
                parts.append(("edges", part_key, edge_parts))
            elif name == "totalCount":
                parts.append(("totalCount", part_key, None))
            elif name == "pageInfo":
                info_type = get_named_type(connection_type.fields["pageInfo"].type)
                info_parts = []
                for info_key, info_details in self.subfields(info_type, part_details).items():
                    info_name = info_details[0].node.name.value
                    if info_name not in PAGE_INFO and info_name != "__typename":
                        raise Unplanned(f"PageInfo.{info_name}")
                    info_parts.append((info_key, info_name, info_type.name))
                parts.append(("pageInfo", part_key, info_parts))
            else:
                raise Unplanned(f"{connection_type.name}.{name}")
        if spec.target not in shapes.SHAPES:
            raise Unplanned(spec.target)
        return ConnectionPlan(key, spec, field_def, details[0].node, connection_type.name, parts)

    def root(self) -> Plan:
        query_type = self.schema.query_type
        grouped = collect_fields(self.schema, self.fragments, self.variables, query_type, self.operation).grouped_field_set
        roots = []
        for key, details in grouped.items():
            node = details[0].node
            name = node.name.value
            if len(details) > 1 and len({_arguments_text(d.node) for d in details}) > 1:
                raise Unplanned(f"{key} merged from fields with different arguments")
            arguments = {argument.name.value for argument in node.arguments or ()}
            field_def = query_type.fields.get(name)
            if (name == "node" and arguments <= NODE_ARGS) or (name == "nodes" and arguments <= NODES_ARGS):
                by_type = {type_name: self.object_plan(type_name, details) for type_name in shapes.NODE_TYPES}
                roots.append(NodeRoot(key, node, field_def, by_type, many=name == "nodes"))
            elif name == "_entities" and arguments <= ENTITIES_ARGS:
                # The _Entity union's members the catalogue covers; a representation of any other type hands back.
                members = {member.name for member in self.schema.get_type("_Entity").types}
                by_type = {type_name: self.object_plan(type_name, details) for type_name in shapes.NODE_TYPES
                           if type_name in members}
                roots.append(NodeRoot(key, node, field_def, by_type, many=True, entities=True))
            elif name == "viewer" and not arguments:
                roots.append(ViewerRoot(key, self.object_plan("Viewer", details)))
            elif name == "hoursReport" and arguments <= REPORT_ARGS:
                roots.append(ReportRoot(key, node, field_def, self.object_plan("HoursReport", details),
                                        self.schema._strawberry_schema))
            elif name in shapes.RESOLVED_ROOTS:
                roots.append(ResolvedRoot(
                    key, node, field_def, self.object_plan(get_named_type(field_def.type).name, details),
                    self.schema._strawberry_schema, is_list_type(get_nullable_type(field_def.type)),
                    isinstance(field_def.type, GraphQLNonNull)))
            elif name in shapes.ROOT_LISTS:
                spec = shapes.ROOT_LISTS[name]
                roots.append(self.connection(key, spec, field_def, details, {"first", "after", *spec.arguments}))
            else:
                raise Unplanned(f"Query.{name}")
        return Plan(roots)


    def event(self) -> EventPlan:
        root_type = self.schema.subscription_type
        grouped = collect_fields(self.schema, self.fragments, self.variables, root_type, self.operation).grouped_field_set
        if len(grouped) != 1:
            raise Unplanned("a subscription of several fields")
        (key, details), = grouped.items()
        field_def = root_type.fields[details[0].node.name.value]
        event_type = get_nullable_type(field_def.type)
        if not isinstance(event_type, GraphQLObjectType):
            raise Unplanned(f"Subscription.{key} is not an object")
        fields: list = []
        for sub_key, sub_details in self.subfields(event_type, details).items():
            name = sub_details[0].node.name.value
            if name == "__typename":
                fields.append(EventLeaf(sub_key, None, event_type.name, None, True))
                continue
            _no_arguments(sub_details)
            sub_def = event_type.fields[name]
            definition = (sub_def.extensions or {}).get("strawberry-definition")
            if definition is None or definition.base_resolver is not None:
                raise Unplanned(f"{event_type.name}.{name} has a resolver")
            named = get_named_type(sub_def.type)
            non_null = isinstance(sub_def.type, GraphQLNonNull)
            if name == "node" and named.name in shapes.SHAPES and shapes.SHAPES[named.name].model is not None:
                fields.append(EventNode(sub_key, self.object_plan(named.name, sub_details), non_null))
            elif is_leaf_type(named):
                fields.append(EventLeaf(sub_key, definition.python_name, None, named.serialize, non_null))
            else:
                raise Unplanned(f"{event_type.name}.{name}")
        return EventPlan(key, event_type.name, fields, isinstance(field_def.type, GraphQLNonNull))


def _no_arguments(details) -> None:
    if any(detail.node.arguments for detail in details):
        raise Unplanned("arguments")


def _arguments_text(node: FieldNode) -> str:
    return repr([(a.name.value, a.value.to_dict()) for a in node.arguments or ()])


def _has_directives(selection_set: SelectionSetNode | None, fragments: dict) -> bool:
    for selection in selection_set.selections if selection_set else ():
        if selection.directives:
            return True
        if isinstance(selection, FragmentSpreadNode):
            fragment = fragments.get(selection.name.value)
            if fragment is None or fragment.directives or _has_directives(fragment.selection_set, fragments):
                return True
        elif isinstance(selection, (FieldNode, InlineFragmentNode)) and _has_directives(selection.selection_set,
                                                                                         fragments):
            return True
    return False


def _plannable(operation: OperationDefinitionNode, fragment_definitions: dict, kind: OperationType) -> bool:
    """An operation of `kind` without a directive anywhere (on it, its variables, its selections, its fragments)
    and without fragment variables: what the planner may cover at all."""
    return operation.operation == kind and not operation.directives \
        and not any(definition.directives for definition in operation.variable_definitions or ()) \
        and not any(fragment.variable_definitions for fragment in fragment_definitions.values()) \
        and not _has_directives(operation.selection_set, fragment_definitions)


def compile_plan(schema: GraphQLSchema, fragment_definitions: dict, fragments, variable_values,
                 operation: OperationDefinitionNode) -> Plan | None:
    """The plan of a query, or None when something in it is not covered."""
    if not _plannable(operation, fragment_definitions, OperationType.QUERY):
        return None
    try:
        return _Compiler(schema, fragments, variable_values, operation).root()
    except (Unplanned, KeyError, AttributeError) as error:
        log.debug("not planned: %r", error)
        return None


def compile_event_plan(schema: GraphQLSchema, fragment_definitions: dict, fragments, variable_values,
                       operation: OperationDefinitionNode) -> EventPlan | None:
    """The plan of a subscription's event selection (below the subscription field, the event object as its root),
    or None when something in it is not covered."""
    if not _plannable(operation, fragment_definitions, OperationType.SUBSCRIPTION):
        return None
    try:
        return _Compiler(schema, fragments, variable_values, operation).event()
    except (Unplanned, KeyError, AttributeError, ValueError) as error:
        log.debug("event not planned: %r", error)
        return None


class Plans:
    """The plans of the last CACHE_SIZE operations (as many as the parsed documents kept), by operation node:
    a document parsed once (gql.validation_cache) keeps its nodes, so its operation is found again."""

    def __init__(self, size: int = CACHE_SIZE) -> None:
        self.size = size
        self.entries: OrderedDict[int, tuple[OperationDefinitionNode, Plan | None]] = OrderedDict()

    def get(self, operation: OperationDefinitionNode, make) -> Plan | None:
        found = self.entries.get(id(operation))
        if found is not None and found[0] is operation:
            self.entries.move_to_end(id(operation))
            return found[1]
        plan = make()
        self.entries[id(operation)] = (operation, plan)
        if len(self.entries) > self.size:
            self.entries.popitem(last=False)
        return plan
