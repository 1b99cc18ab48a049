"""CORS for single-page apps on the configured origins (PARTNERGRAPH_CORS_ORIGINS); none when unset."""
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware

from domain.platform.settings import Settings


def cors_middleware(settings: Settings) -> list[Middleware]:
    if not settings.cors_origins:
        return []
    return [Middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_methods=["GET", "POST"],
        # Bearer tokens, not cookies: no credentials mode, so a page can never ride on a user's cookies.
        allow_credentials=False,
        allow_headers=[
            "Authorization", "Content-Type", "Accept", "GraphQL-Preflight", "Apollo-Require-Preflight",
            "Apollographql-Client-Name", "Apollographql-Client-Version",
        ],
        expose_headers=["Retry-After"],
        max_age=600,
    )]
