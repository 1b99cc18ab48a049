"""Depth, alias and token limits: Strawberry's own limiter extensions, with the values of this app's settings."""
from collections.abc import Iterator

from strawberry.extensions import MaxAliasesLimiter, MaxTokensLimiter, QueryDepthLimiter, SchemaExtension
from strawberry.types import ExecutionContext

from domain.settings import Settings, get_settings


def settings_of(execution_context: ExecutionContext) -> Settings:
    """The settings of the app serving this request (tests run apps with different ones side by side)."""
    return getattr(execution_context.context, "settings", None) or get_settings()


class RequestLimits(SchemaExtension):
    """Refuses a document deeper, with more aliases, or longer in tokens than the settings allow, before it runs.

    Strawberry's limiters take their limits when built; the schema is built once at import, so this
    builds them per request from the settings of the app that serves it and lets each add its rule.
    """

    def on_operation(self) -> Iterator[None]:
        settings = settings_of(self.execution_context)
        limiters = (
            MaxTokensLimiter(max_token_count=settings.max_query_tokens),
            QueryDepthLimiter(max_depth=settings.max_query_depth),
            MaxAliasesLimiter(max_alias_count=settings.max_query_aliases),
        )
        for limiter in limiters:
            limiter.execution_context = self.execution_context
            # Each limiter's hook only sets a parse option or adds a validation rule before it yields.
            next(iter(limiter.on_operation()))
        yield
