"""What an anonymous request (no Authorization header) may do: read the schema, nothing else.

Open to anyone: introspection (`__schema`, `__type`, `__typename`) and a federation gateway's
`_service { sdl }`, which describe the schema and no company. Every other root field (the reads, `viewer`
and `latestEventCursor` included, every mutation and subscription) needs a sign-in, and answers an
anonymous caller UNAUTHENTICATED with how to sign in:

- an operation made only of such fields is refused before it runs: a request error, no `data`, which
  the HTTP view answers with 401 and `WWW-Authenticate: Bearer` (gql/http/view.py), as a bad token is;
- in an operation that mixes them with open fields, each such field fails on its own (an error on its
  path; its null makes `data` null when the field cannot be null, as GraphQL has it) and the open fields
  answer.

A document that is not valid gets its validation errors first. Over a WebSocket the sign-in is
`connection_init`'s (gql/http/websocket.py): a connection without a token is closed, so every operation
there is signed in.
"""
from collections.abc import Callable, Iterator
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLResolveInfo,
    GraphQLSchema,
    InlineFragmentNode,
    SelectionSetNode,
    default_field_resolver,
)
from graphql.utilities import get_operation_ast
from strawberry.extensions import SchemaExtension

from gql.http.sign_in import HOW_TO_SIGN_IN

UNAUTHENTICATED = "UNAUTHENTICATED"
OPEN_ROOT_FIELDS = frozenset({"__schema", "__type", "__typename", "_service"})


def needs_sign_in(field_name: str) -> bool:
    return field_name not in OPEN_ROOT_FIELDS


def is_anonymous(context: Any) -> bool:
    viewer = getattr(context, "viewer", None)
    return viewer is None or not viewer.authenticated


def root_field_names(document: DocumentNode, operation_name: str | None) -> list[str]:
    """The names of the fields an operation selects at its root, through fragments (directives ignored)."""
    operation = get_operation_ast(document, operation_name)
    if operation is None:
        return []
    fragments = {d.name.value: d for d in document.definitions if getattr(d, "kind", None) == "fragment_definition"}

    def names(selection_set: SelectionSetNode, seen: frozenset[str]) -> Iterator[str]:
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                yield selection.name.value
            elif isinstance(selection, InlineFragmentNode):
                yield from names(selection.selection_set, seen)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                if name in fragments and name not in seen:
                    yield from names(fragments[name].selection_set, seen | {name})

    return list(names(operation.selection_set, frozenset()))


def refused_operation(fields: list[str]) -> GraphQLError:
    named = ", ".join(f"`{name}`" for name in dict.fromkeys(fields))
    return GraphQLError(
        f"Not signed in: {named} need{'s' if len(fields) == 1 else ''} a sign-in; {HOW_TO_SIGN_IN}. "
        "Without one, only the schema can be read (introspection).",
        extensions={"code": UNAUTHENTICATED},
    )


def refused_field(info: GraphQLResolveInfo) -> GraphQLError:
    # With its path, so graphql-core passes it on as it is (and the error masking leaves it alone).
    return GraphQLError(
        f"Not signed in: `{info.field_name}` needs a sign-in; {HOW_TO_SIGN_IN}.",
        nodes=info.field_nodes, path=info.path.as_list(), extensions={"code": UNAUTHENTICATED},
    )


class SignInRequired(SchemaExtension):
    """Refuses, before it runs, an anonymous operation whose root fields all need a sign-in.

    Listed after RequestLimits, whose hook has validated the document when this one starts: its verdict
    (errors first) stands, and a refusal set here is answered as a request error, as Strawberry answers
    any error found by validation (its own check runs before the hooks' code after `yield`)."""

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        if not context.pre_execution_errors and context.graphql_document is not None \
                and is_anonymous(context.context):
            fields = root_field_names(context.graphql_document, context.operation_name)
            if fields and all(needs_sign_in(name) for name in fields):
                context.pre_execution_errors = [refused_operation(fields)]
        yield


def _guarded(resolve: Callable[..., Any]) -> Callable[..., Any]:
    def guarded(root: Any, info: GraphQLResolveInfo, **arguments: Any) -> Any:
        if is_anonymous(info.context):
            raise refused_field(info)
        return resolve(root, info, **arguments)

    return guarded


def guard_root_fields(schema: GraphQLSchema) -> None:
    """Wraps the resolvers of every root field that needs a sign-in (once, when the schema is built), for
    the operations SignInRequired lets run because they mix such fields with open ones. Only root fields
    are wrapped: nothing is added to the resolution of the fields below them."""
    for root in (schema.query_type, schema.mutation_type, schema.subscription_type):
        for name, field in (root.fields if root else {}).items():
            if needs_sign_in(name):
                field.resolve = _guarded(field.resolve or default_field_resolver)
                if field.subscribe is not None:
                    field.subscribe = _guarded(field.subscribe)
