"""Signing in and reaching Graph: settings, the app-only credential, loopback-only plain http, the lazy SDK."""
import subprocess
import sys

import pytest

from domain.platform.settings import Settings
from domain.sharepoint.layout import placement
from integrations.sharepoint.connection import LoopbackCredential, SharePointConnection, credential_for, graph_service_client
from integrations.sharepoint.graph import GraphSession
from domain.sharepoint.client import Site, TransferTarget
from integrations.sharepoint.transfer import transfer_file
from tests.integrations.sharepoint.conftest import connection_to


def a_connection(**values) -> SharePointConnection:
    return SharePointConnection(tenant_id="t", client_id="c", client_secret="s",
                                site_url="https://contoso.sharepoint.com/sites/partners", **values)


def test_the_graph_url_authority_and_fragment_size_come_from_settings():
    settings = Settings(_env_file=None, sharepoint_graph_url="https://graph.microsoft.us/v1.0/",
                        sharepoint_authority="https://login.microsoftonline.us", sharepoint_chunk_bytes=5 * 327680)
    connection = SharePointConnection.from_settings(
        settings, Site(tenant_id="t", client_id="c", client_secret="s", site_url="https://x.sharepoint.us/sites/a"))
    assert (connection.graph_url, connection.authority, connection.chunk_bytes) == (
        "https://graph.microsoft.us/v1.0", "https://login.microsoftonline.us", 5 * 327680)
    assert connection.scope == "https://graph.microsoft.us/.default"
    assert (connection.site_hostname, connection.site_path) == ("x.sharepoint.us", "/sites/a")


def test_a_fragment_size_that_is_not_a_multiple_of_320_kib_is_refused_by_settings():
    with pytest.raises(ValueError):
        Settings(_env_file=None, sharepoint_chunk_bytes=1_000_000)


async def test_a_real_authority_gets_azure_identitys_client_secret_credential():
    credential = credential_for(a_connection())
    from azure.identity.aio import ClientSecretCredential

    assert isinstance(credential, ClientSecretCredential)
    await credential.close()


def test_plain_http_is_allowed_only_on_this_machine():
    with pytest.raises(ValueError):
        credential_for(a_connection(authority="http://login.example.com"))
    with pytest.raises(ValueError):
        graph_service_client(a_connection(graph_url="http://graph.example.com/v1.0"), object())


async def test_against_the_emulator_on_its_own_a_loopback_authority_signs_in_with_client_credentials(
    graph_emulator, tmp_path
):
    connection = connection_to(graph_emulator)
    credential = credential_for(connection)
    assert isinstance(credential, LoopbackCredential)
    path = tmp_path / "a.txt"
    path.write_bytes(b"hello")
    async with GraphSession(connection, credential=credential) as graph:
        result = await transfer_file(graph, TransferTarget(placement("Acme", "a.txt"), 5), path)
    assert result.name == "a.txt"
    assert graph_emulator.calls("token") and graph_emulator.calls("site")[0][2]["authorization"] == "Bearer emulator-token"


def test_the_server_and_the_transfer_code_load_without_importing_msgraph():
    code = ("import sys, gql.app, partnergraph.cli, integrations.sharepoint.transfer; "
            "sys.exit(1 if any(m == 'msgraph' or m.startswith('msgraph.') for m in sys.modules) else 0)")
    assert subprocess.run([sys.executable, "-c", code], cwd=str(__import__("pathlib").Path(__file__).parents[3])).returncode == 0
