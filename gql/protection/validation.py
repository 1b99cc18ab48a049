"""Parsing and validation once per query text: the document, graphql-core's rules and the depth and alias
limits depend only on the text and the limits, so the parsed document and the verdict are kept for the next
request with the same text; the rules that depend on a request's variables (the cost) still run for each.

Parsing and validating a page-sized document took 2.5–5 ms of a 10–30 ms request (bench/README.md), and
clients send the same few documents again and again. Both caches are bounded (LRUs of CACHE_SIZE texts),
so unique query texts cannot grow memory.
"""
from collections import OrderedDict
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from graphql import GraphQLError, TypeInfo, ValidationContext, parse
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document

CACHE_SIZE = 512


def per_request(rule: type) -> type:
    """Marks a validation rule whose verdict depends on more than the document (variables): not cached.
    Such a rule does its work when built with the ValidationContext (it visits nothing)."""
    rule.per_request = True
    return rule


class _Verdicts:
    def __init__(self, size: int) -> None:
        self.size = size
        self.entries: OrderedDict[Any, list[GraphQLError]] = OrderedDict()

    def get(self, key: Any) -> list[GraphQLError] | None:
        found = self.entries.get(key)
        if found is not None:
            self.entries.move_to_end(key)
        return found

    def put(self, key: Any, errors: list[GraphQLError]) -> None:
        self.entries[key] = errors
        if len(self.entries) > self.size:
            self.entries.popitem(last=False)


_verdicts = _Verdicts(CACHE_SIZE)


_parse = lru_cache(maxsize=CACHE_SIZE)(parse)


class ValidationOnce(SchemaExtension):
    """The rules added by the extensions' on_operation hooks must be the same classes for the same limits
    (gql.protection.limits builds them once per set of limits), or nothing is ever found again."""

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        if context.graphql_document is None and context.query:
            try:
                context.graphql_document = _parse(context.query, **context.parse_options)
            except GraphQLError:
                pass  # Strawberry parses it again and answers the syntax error its own way
        yield

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        if document is None or not context.query or context.pre_execution_errors is not None:
            yield
            return
        schema = context.schema._schema
        rules = tuple(context.validation_rules)
        fixed = tuple(rule for rule in rules if not getattr(rule, "per_request", False))
        key = (id(schema), context.query, fixed)
        errors = _verdicts.get(key)
        if errors is None:
            errors = validate_document(schema, document, fixed)
            _verdicts.put(key, errors)
        errors = list(errors)
        for rule in rules:
            if getattr(rule, "per_request", False):
                rule(ValidationContext(schema, document, TypeInfo(schema), errors.append))
        # Set (even empty), so Strawberry does not validate again.
        context.pre_execution_errors = errors
        yield
