"""One company's way into Graph: its app registration, its site, and the signed-in clients built from them."""
import time
from dataclasses import dataclass, fields
from typing import Any
from urllib.parse import urlsplit

import httpx

from domain.sharepoint.client import Site

DEFAULT_GRAPH_URL = "https://graph.microsoft.com/v1.0"
DEFAULT_AUTHORITY = "https://login.microsoftonline.com"
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


@dataclass(frozen=True)
class SharePointConnection(Site):
    """A company's Site (its app registration, the secret already decrypted, and its site) with where Graph and
    its sign-in are and how large an upload's fragments are."""

    graph_url: str = DEFAULT_GRAPH_URL
    authority: str = DEFAULT_AUTHORITY
    chunk_bytes: int = 10 * 320 * 1024

    @property
    def scope(self) -> str:
        """App-only scope of the Graph in use (national clouds have their own host)."""
        parts = urlsplit(self.graph_url)
        return f"{parts.scheme}://{parts.netloc}/.default"

    @property
    def site_hostname(self) -> str:
        return urlsplit(self.site_url).hostname or ""

    @property
    def site_path(self) -> str:
        return "/" + urlsplit(self.site_url).path.strip("/")

    @classmethod
    def from_settings(cls, settings: Any, site: Site) -> "SharePointConnection":
        return cls(
            **{f.name: getattr(site, f.name) for f in fields(Site)},
            graph_url=settings.sharepoint_graph_url.rstrip("/"),
            authority=settings.sharepoint_authority.rstrip("/"),
            chunk_bytes=settings.sharepoint_chunk_bytes,
        )


class LoopbackCredential:
    """Client credentials against a sign-in authority on this machine (the Graph emulator run on its own):
    azure-identity accepts only https authorities. Same interface as azure.identity.aio credentials."""

    def __init__(self, authority: str, tenant_id: str, client_id: str, client_secret: str) -> None:
        self._url = f"{authority.rstrip('/')}/{tenant_id}/oauth2/v2.0/token"
        self._form = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": client_secret}
        self._token: Any = None

    async def get_token(self, *scopes: str, **kwargs: Any):
        from azure.core.credentials import AccessToken

        if self._token is None or self._token.expires_on - 60 < time.time():
            async with httpx.AsyncClient() as client:
                response = await client.post(self._url, data={**self._form, "scope": " ".join(scopes)})
                response.raise_for_status()
                body = response.json()
            self._token = AccessToken(body["access_token"], int(time.time()) + int(body.get("expires_in", 3600)))
        return self._token

    async def close(self) -> None:
        pass

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc) -> None:
        await self.close()


def credential_for(connection: SharePointConnection):
    """The app-only credential (one per configuration: it caches its token in memory)."""
    if urlsplit(connection.authority).scheme == "http":
        if urlsplit(connection.authority).hostname not in LOOPBACK:
            raise ValueError("a plain-http sign-in authority is allowed only on this machine (loopback)")
        return LoopbackCredential(
            connection.authority, connection.tenant_id, connection.client_id, connection.client_secret
        )
    from azure.identity.aio import ClientSecretCredential

    return ClientSecretCredential(
        connection.tenant_id, connection.client_id, connection.client_secret, authority=connection.authority
    )


def graph_service_client(connection: SharePointConnection, credential: Any):
    """msgraph's client pointed at the configured Graph (the SDK is imported here, on first use)."""
    parts = urlsplit(connection.graph_url)
    if parts.scheme != "https" and parts.hostname not in LOOPBACK:
        raise ValueError("a plain-http Graph URL is allowed only on this machine (loopback)")
    from kiota_authentication_azure.azure_identity_authentication_provider import (
        AzureIdentityAuthenticationProvider,
    )
    from msgraph import GraphRequestAdapter, GraphServiceClient

    provider = AzureIdentityAuthenticationProvider(credential, scopes=[connection.scope])
    client = GraphServiceClient(request_adapter=GraphRequestAdapter(provider, client=graph_http_client()))
    # Not an httpx base_url: that produces "//" paths (reference/graph-notes.md).
    client.request_adapter.base_url = connection.graph_url.rstrip("/")
    return client


def graph_http_client():
    """The SDK's own httpx pipeline without its RetryHandler. That handler retries 429/503/504 up to three
    times inside each call, under our own retries (graph.GraphSession.call) and the job queue's: an outage
    cost up to four times the requests, and waits nobody decided. Retrying is decided in one place, ours."""
    from kiota_http.kiota_client_factory import KiotaClientFactory
    from kiota_http.middleware import RetryHandler
    from msgraph.graph_request_adapter import options
    from msgraph_core import GraphClientFactory
    from msgraph_core.middleware import GraphTelemetryHandler
    from msgraph_core.middleware.options import GraphTelemetryHandlerOption

    middleware = [handler for handler in KiotaClientFactory.get_default_middleware(options)
                  if not isinstance(handler, RetryHandler)]
    middleware.append(GraphTelemetryHandler(options=options[GraphTelemetryHandlerOption.get_key()]))
    return GraphClientFactory.create_with_custom_middleware(middleware)
