"""The compiled root fields answered by their own resolver (gql.compiled.shapes.RESOLVED_ROOTS): a domain use
case whose checks, argument decoding and errors are the resolver's, called once with the arguments converted as
Strawberry converts them; its result (objects of the schema's types) is completed by the run's builder, with no
resolver per field below it. A resolver that raises hands the request back to the general executor
(gql.compiled.execution), which gives that error.
"""
import inspect
from dataclasses import dataclass
from typing import Any

from graphql.execution.values import get_argument_values
from strawberry.types.arguments import convert_arguments

from gql.compiled.plan import ResolvedRoot


@dataclass(frozen=True)
class _Info:
    """What these resolvers read of their Info: the request's context (viewer, db)."""
    context: Any


class NullForNonNull(Exception):
    """The resolver gave null for a non-null field: the general executor's error is the answer."""


async def answer(run: Any, root: ResolvedRoot) -> Any:
    arguments = get_argument_values(root.field_def, root.field_node, run.variables)
    definition = root.field_def.extensions["strawberry-definition"]
    converter = root.strawberry_schema.schema_converter
    kwargs = convert_arguments(arguments, definition.arguments, scalar_registry=converter.scalar_registry,
                               config=root.strawberry_schema.config)
    resolver = definition.base_resolver
    if resolver.info_parameter is not None:
        kwargs[resolver.info_parameter.name] = _Info(run.context)
    value = resolver.wrapped_func(None, **kwargs)
    if inspect.isawaitable(value):
        value = await value
    if not root.many and value is None:
        if root.non_null:
            raise NullForNonNull(root.key)
        return None
    objects = list(value) if root.many else [value]
    await run.read_ahead(root.plan, objects)
    completed = await run.complete(root.plan, objects)
    return completed if root.many else completed[0]
