"""The production sign-in (issue 18, item 8): azure-identity's real ClientSecretCredential gets its token from an
HTTPS authority, here the Graph emulator on 127.0.0.1 with a certificate from a test certificate authority, and
msgraph-sdk calls Graph with it. The CA is given as a deployment gives it: SSL_CERT_FILE in the process's
environment (honoured by aiohttp, azure-identity's async transport, and by httpx, msgraph-sdk's), so the
sign-in runs in a process of its own started with that variable."""
import datetime as dt
import ipaddress
import os
import ssl
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from tests.graph_emulator import GraphEmulator
from tests.integrations.sharepoint.conftest import SITE_URL

ROOT = Path(__file__).parents[3]

SIGN_IN = """
import asyncio, sys
from integrations.sharepoint.connection import SharePointConnection, credential_for
from integrations.sharepoint.graph import GraphSession

async def main():
    origin = sys.argv[1]
    connection = SharePointConnection(tenant_id="contoso.onmicrosoft.com", client_id="client", client_secret="secret",
                                      site_url=sys.argv[2], graph_url=origin + "/v1.0", authority=origin)
    credential = credential_for(connection)
    async with GraphSession(connection, credential=credential) as graph:
        site_id, _ = await graph.site()
    print(type(credential).__module__, type(credential).__name__, site_id)

asyncio.run(main())
"""


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def a_certificate_authority_and_a_loopback_certificate(folder: Path) -> tuple[Path, Path, Path]:
    """ca.pem (the test CA), server.pem and server-key.pem (for 127.0.0.1 and localhost, signed by the CA)."""
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = _name("partnergraph test CA")
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False, key_encipherment=False,
                                       data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                       crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    server = (x509.CertificateBuilder().subject_name(_name("127.0.0.1")).issuer_name(ca.subject)
              .public_key(key.public_key()).serial_number(x509.random_serial_number())
              .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=1))
              .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                                                          x509.DNSName("localhost")]), critical=False)
              .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
              .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
              .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
              .sign(ca_key, hashes.SHA256()))
    paths = folder / "ca.pem", folder / "server.pem", folder / "server-key.pem"
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(server.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return paths


@pytest.fixture
def https_graph_emulator(tmp_path):
    ca, certificate, key = a_certificate_authority_and_a_loopback_certificate(tmp_path)
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(certificate, key)
    with GraphEmulator(tls=tls) as emulator:
        yield emulator, ca


def sign_in(emulator: GraphEmulator, **environment: str) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items()
           if key not in ("SSL_CERT_FILE", "SSL_CERT_DIR", "REQUESTS_CA_BUNDLE")}
    return subprocess.run([sys.executable, "-c", SIGN_IN, emulator.origin, SITE_URL], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, env={**env, **environment})


def test_client_secret_credential_signs_in_at_an_https_authority_trusted_through_ssl_cert_file(
    https_graph_emulator,
):
    emulator, ca = https_graph_emulator
    assert emulator.origin.startswith("https://127.0.0.1:")

    done = sign_in(emulator, SSL_CERT_FILE=str(ca))

    assert done.returncode == 0, done.stderr[-3000:]
    module, name, site_id = done.stdout.split()
    assert (module.split(".")[:2], name) == (["azure", "identity"], "ClientSecretCredential")
    assert site_id in emulator.state.sites
    assert [path for _, path, _ in emulator.calls("token")] == ["POST /contoso.onmicrosoft.com/oauth2/v2.0/token"]
    assert emulator.calls("site")[0][2]["authorization"] == "Bearer emulator-token"


def test_without_the_ca_the_sign_in_refuses_the_unknown_certificate(https_graph_emulator):
    emulator, _ = https_graph_emulator

    done = sign_in(emulator)

    assert done.returncode != 0
    assert "CERTIFICATE_VERIFY_FAILED" in done.stderr or "certificate verify failed" in done.stderr
    assert emulator.calls() == []
