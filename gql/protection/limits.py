"""Depth, alias and token limits: Strawberry's own limiter extensions, with the values of this app's settings."""
from collections.abc import Iterator
from functools import lru_cache

from strawberry.extensions import MaxAliasesLimiter, MaxTokensLimiter, QueryDepthLimiter, SchemaExtension
from strawberry.types import ExecutionContext

from domain.platform.settings import Settings, get_settings
from gql.protection.validation import ValidationOnce


def settings_of(execution_context: ExecutionContext) -> Settings:
    """The settings of the app serving this request (tests run apps with different ones side by side)."""
    return getattr(execution_context.context, "settings", None) or get_settings()


@lru_cache(maxsize=16)
def _limiters(max_tokens: int, max_depth: int, max_aliases: int) -> tuple[SchemaExtension, ...]:
    """Built once per set of limits, so their validation rules are the same classes request after request
    (gql.protection.validation caches verdicts by rule). Sharing them is safe: each hook only sets a parse
    option or adds a rule, synchronously, for the request whose execution_context it was just given."""
    return (
        MaxTokensLimiter(max_token_count=max_tokens),
        QueryDepthLimiter(max_depth=max_depth),
        MaxAliasesLimiter(max_alias_count=max_aliases),
    )


class RequestLimits(ValidationOnce):
    """Refuses a document deeper, with more aliases, or longer in tokens than the settings allow, before it runs;
    parses and validates each query text once (ValidationOnce: the limits are validation rules and a parse
    option, so the two belong together).

    Strawberry's limiters take their limits when built; the schema is built once at import, so this
    takes them (built once per set of limits) from the settings of the app that serves the request and
    lets each add its rule.
    """

    def on_operation(self) -> Iterator[None]:
        settings = settings_of(self.execution_context)
        limiters = _limiters(settings.max_query_tokens, settings.max_query_depth, settings.max_query_aliases)
        for limiter in limiters:
            limiter.execution_context = self.execution_context
            # Each limiter's hook only sets a parse option or adds a validation rule before it yields.
            next(iter(limiter.on_operation()))
        yield
