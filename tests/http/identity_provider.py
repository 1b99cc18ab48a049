"""A stand-in OpenID Connect issuer on 127.0.0.1: a discovery document and a JWKS, from keys the test makes."""
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


class IdentityProvider:
    def __init__(self) -> None:
        self.key, self.kid = new_key(), "key-1"
        self.requests: list[str] = []
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                provider.requests.append(self.path)
                if self.path == "/.well-known/openid-configuration":
                    body = {"issuer": provider.issuer, "jwks_uri": provider.issuer + "/jwks"}
                elif self.path == "/jwks":
                    jwk = jwt.algorithms.RSAAlgorithm.to_jwk(provider.key.public_key(), as_dict=True)
                    body = {"keys": [{**jwk, "kid": provider.kid, "use": "sig", "alg": "RS256"}]}
                else:
                    self.send_error(404)
                    return
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.issuer = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> "IdentityProvider":
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def token(self, *, email: str | None, audience: str = "partnergraph-spa", issuer: str | None = None,
              expires_in: int = 300, key: rsa.RSAPrivateKey | None = None, kid: str | None = None,
              algorithm: str = "RS256", **claims: Any) -> str:
        now = int(time.time())
        payload = {"iss": issuer or self.issuer, "aud": audience, "sub": f"user-{email}", "iat": now,
                   "exp": now + expires_in, **({"email": email} if email else {}), **claims}
        signing_key = key or self.key
        return jwt.encode(payload, signing_key, algorithm=algorithm, headers={"kid": kid or self.kid})
