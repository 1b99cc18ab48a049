"""Every text the API is sent is held to its maximum before anything reads or writes with it: each String and
ID argument and input field, written in the document or sent as a variable, at any depth (input objects,
lists). The maxima are domain.platform.validation's, by the field's name.

- In a query or subscription, or in the arguments of a field below a mutation's root, an over-long text fails
  the request's validation, coded INVALID_INPUT, with `field` naming it as the operation spells it (`search`,
  `after`, `input.name`): no resolver runs.
- A mutation's own `input` is bad input in a mutation, which the API answers with userErrors (README
  "Errors"): the root mutation's resolver is not called and its payload holds one INVALID_INPUT userError per
  over-long field, named as the use cases name them (`description`, `contacts.0.email`). So nothing is written.
"""
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from graphql import (
    GraphQLError,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLScalarType,
    ListValueNode,
    ObjectValueNode,
    StringValueNode,
    TypeInfo,
    TypeInfoVisitor,
    ValidationContext,
    GraphQLField,
    GraphQLSchema,
    ValidationRule,
    ValueNode,
    default_field_resolver,
    get_nullable_type,
    VariableNode,
    Visitor,
    visit,
)
from strawberry.extensions import SchemaExtension

from domain.platform.errors import InvalidInput
from domain.platform.validation import text_limit
from gql.protection.validation import CACHE_SIZE, per_request
from gql.schema.common import UserError

MAX_ERRORS = 10  # a list of a thousand over-long tags is refused with the first ten


def _limit(type_: GraphQLInputType, field: str, owner: str | None) -> int | None:
    """The maximum of a text of this type in this field; None when the type is not text."""
    if isinstance(type_, GraphQLScalarType) and type_.name in ("String", "ID"):
        return text_limit(field, type_name=owner, is_id=type_.name == "ID")
    return None


def _raw(type_: GraphQLInputType, value: Any, path: str, field: str, owner: str | None) -> Iterator[GraphQLError]:
    """The over-long texts in a variable's value (JSON as sent), walked by the type it is used as."""
    if isinstance(type_, GraphQLNonNull):
        yield from _raw(type_.of_type, value, path, field, owner)
    elif isinstance(type_, GraphQLList):
        for i, item in enumerate(value if isinstance(value, list) else [value]):
            yield from _raw(type_.of_type, item, f"{path}.{i}" if isinstance(value, list) else path, field, owner)
    elif isinstance(type_, GraphQLInputObjectType) and isinstance(value, Mapping):
        for name, item in value.items():
            if name in type_.fields:
                yield from _raw(type_.fields[name].type, item, f"{path}.{name}", name, type_.name)
    elif isinstance(value, str):
        yield from _checked(type_, len(value), path, field, owner)


def _literal(type_: GraphQLInputType, node: ValueNode, path: str, field: str, owner: str | None,
             variables: Mapping[str, Any]) -> Iterator[GraphQLError]:
    """The over-long texts in an argument as the document writes it, and in the variables it uses."""
    if isinstance(node, VariableNode):
        yield from _raw(type_, variables.get(node.name.value), path, field, owner)
    elif isinstance(type_, GraphQLNonNull):
        yield from _literal(type_.of_type, node, path, field, owner, variables)
    elif isinstance(type_, GraphQLList):
        if isinstance(node, ListValueNode):
            for i, item in enumerate(node.values):
                yield from _literal(type_.of_type, item, f"{path}.{i}", field, owner, variables)
        else:
            yield from _literal(type_.of_type, node, path, field, owner, variables)
    elif isinstance(type_, GraphQLInputObjectType) and isinstance(node, ObjectValueNode):
        for item in node.fields:
            name = item.name.value
            if name in type_.fields:
                yield from _literal(type_.fields[name].type, item.value, f"{path}.{name}", name, type_.name,
                                    variables)
    elif isinstance(node, StringValueNode):
        yield from _checked(type_, len(node.value), path, field, owner)


def _checked(type_: GraphQLInputType, length: int, path: str, field: str, owner: str | None
             ) -> Iterator[GraphQLError]:
    limit = _limit(type_, field, owner)
    if limit is not None and length > limit:
        yield GraphQLError(f"`{path}` takes at most {limit} characters; {length} were sent.",
                           extensions={"code": InvalidInput.code, "field": path})


def _over_long(field: GraphQLField, arguments, variables: Mapping[str, Any]) -> dict[str, GraphQLError]:
    """The over-long texts among these argument nodes of `field`, one per field path."""
    errors: dict[str, GraphQLError] = {}
    for node in arguments or ():
        argument = field.args.get(node.name.value)
        if argument is not None:
            name = node.name.value
            for error in _literal(argument.type, node.value, name, name, None, variables):
                errors.setdefault(error.extensions["field"], error)
    return errors


class _Arguments(Visitor):
    """The fields of a document that are sent arguments, with their argument nodes, in document order (the
    mutation's root fields left out: their inputs are bound_mutation_inputs')."""

    def __init__(self, type_info: TypeInfo, mutation: object) -> None:
        super().__init__()
        self.type_info, self.mutation = type_info, mutation
        self.found: list[tuple[GraphQLField, Any]] = []

    def enter_field(self, node, *_):
        field = self.type_info.get_field_def()
        if field is not None and node.arguments and self.type_info.get_parent_type() is not self.mutation:
            self.found.append((field, node.arguments))


# The fields with arguments of the last CACHE_SIZE documents (parsed once per text, gql.protection.validation):
# what depends on the document is found once, what depends on the variables is checked per request.
_documents: OrderedDict[int, tuple[Any, Any, list]] = OrderedDict()


def _fields_with_arguments(schema: GraphQLSchema, document: Any) -> list:
    found = _documents.get(id(document))
    if found is not None and found[0] is document and found[1] is schema:
        _documents.move_to_end(id(document))
        return found[2]
    arguments = _Arguments(TypeInfo(schema), schema.mutation_type)
    visit(document, TypeInfoVisitor(arguments.type_info, arguments))
    _documents[id(document)] = (document, schema, arguments.found)
    if len(_documents) > CACHE_SIZE:
        _documents.popitem(last=False)
    return arguments.found


def over_long_texts(schema: GraphQLSchema, document: Any, variables: Mapping[str, Any] | None) -> list[GraphQLError]:
    """The over-long texts of a request: in `document`'s arguments, and in the `variables` (as sent) they use."""
    errors: dict[str, GraphQLError] = {}  # one per field, however often the operation repeats it
    for field, arguments in _fields_with_arguments(schema, document):
        for path, error in _over_long(field, arguments, variables or {}).items():
            errors.setdefault(path, error)
    return list(errors.values())[:MAX_ERRORS]


class TextLimits(SchemaExtension):
    """Adds, per request (the variables differ), the validation rule that refuses over-long texts."""

    def on_operation(self) -> Iterator[None]:
        execution_context = self.execution_context

        @per_request
        class MaxTextLength(ValidationRule):
            def __init__(self, context: ValidationContext) -> None:
                super().__init__(context)
                for error in over_long_texts(context.schema, context.document, execution_context.variables):
                    context.report_error(error)

        execution_context.validation_rules = (*execution_context.validation_rules, MaxTextLength)
        yield


def _payload_refusing(resolve: Callable, field: GraphQLField) -> Callable:
    payload_type = get_nullable_type(field.type).extensions["strawberry-definition"].origin

    def resolver(root, info, **kwargs):
        errors = _over_long(field, info.field_nodes[0].arguments, info.variable_values)
        if not errors:
            return resolve(root, info, **kwargs)
        return payload_type(user_errors=[  # named as the use cases name their input's fields
            UserError(field=path.removeprefix("input."), message=error.message, code=InvalidInput.code)
            for path, error in list(errors.items())[:MAX_ERRORS]
        ])

    return resolver


def bound_mutation_inputs(schema: GraphQLSchema) -> None:
    """Wraps every root mutation's resolver (once, when the schema is built): over-long texts in its input
    are answered as userErrors in its payload, and the mutation does not run."""
    for field in schema.mutation_type.fields.values() if schema.mutation_type else ():
        field.resolve = _payload_refusing(field.resolve or default_field_resolver, field)
