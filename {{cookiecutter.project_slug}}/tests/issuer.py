"""A real OpenID Connect issuer for the tests: an HTTP server on 127.0.0.1 that serves a discovery document and the
JWKS of keys the tests make (RSA and EC), and signs the tokens the tests present with them.

It counts the requests it answers, so that a test can tell how often the application fetched its keys.
"""

import collections
import itertools
import json
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

DISCOVERY_PATH = "/.well-known/openid-configuration"
JWKS_PATH = "/keys"
_kids = itertools.count(1)


@dataclass(frozen=True)
class SigningKey:
    """A key of the issuer: its id, its algorithm, and the private key that signs with it."""

    kid: str
    algorithm: str
    private_key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey

    @classmethod
    def make(cls, algorithm: str = "RS256") -> "SigningKey":
        private_key = (
            ec.generate_private_key(ec.SECP256R1())
            if algorithm == "ES256"
            else rsa.generate_private_key(public_exponent=65537, key_size=2048)
        )
        return cls(f"test-key-{next(_kids)}", algorithm, private_key)

    @property
    def jwk(self) -> dict[str, Any]:
        """The public half, as a JWKS lists it."""
        public_key = self.private_key.public_key()
        if isinstance(public_key, rsa.RSAPublicKey):
            jwk: dict[str, Any] = RSAAlgorithm.to_jwk(public_key, as_dict=True)
        else:
            jwk = ECAlgorithm.to_jwk(public_key, as_dict=True)
        return {**jwk, "kid": self.kid, "alg": self.algorithm, "use": "sig"}


class Issuer:
    """An issuer at ``url``, bound to its port as soon as it is made, answering once ``start`` has run."""

    def __init__(self, keys: Iterable[SigningKey] = ()) -> None:
        self.published = list(keys) or [SigningKey.make("RS256"), SigningKey.make("ES256")]
        self.requests: collections.Counter[str] = collections.Counter()
        self.available = True
        """When False, every request is answered 503, as by a provider that is down behind its load balancer."""
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self.handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/realms/tests"
        self.thread: threading.Thread | None = None

    def handler(self) -> type[BaseHTTPRequestHandler]:
        issuer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                issuer.requests[self.path] += 1
                documents = {
                    "/realms/tests" + DISCOVERY_PATH: issuer.discovery,
                    "/realms/tests" + JWKS_PATH: issuer.jwks,
                }
                document = documents.get(self.path)
                status = 404 if document is None else 200 if issuer.available else 503
                body = json.dumps(document() if document and status == 200 else {"error": status}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                """Quiet: the tests count the requests instead."""

        return Handler

    def discovery(self) -> dict[str, Any]:
        return {"issuer": self.url, "jwks_uri": self.url + JWKS_PATH}

    def jwks(self) -> dict[str, Any]:
        return {"keys": [key.jwk for key in self.published]}

    @property
    def key_fetches(self) -> int:
        return self.requests["/realms/tests" + JWKS_PATH]

    def start(self) -> "Issuer":
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        """Stop answering and close the port: the provider is down."""
        if self.thread is not None:
            self.server.shutdown()
            self.thread.join()
        self.server.server_close()

    def token(
        self,
        subject: str,
        *,
        audience: str,
        realm_roles: Iterable[str] = (),
        key: SigningKey | None = None,
        header_type: str | None = "at+jwt",
        **claims: Any,
    ) -> str:
        """An access token as a provider issues it (RFC 9068), valid for a minute, with its roles where Keycloak puts
        them; ``header_type`` is its ``typ`` header (None: none)."""
        key = key or self.published[0]
        now = int(time.time())
        payload = {
            "iss": self.url,
            "sub": subject,
            "aud": audience,
            "iat": now,
            "nbf": now,
            "exp": now + 60,
            "scope": "openid profile",
            "realm_access": {"roles": list(realm_roles)},
            **claims,
        }
        return jwt.encode(payload, key.private_key, key.algorithm, headers={"kid": key.kid, "typ": header_type})
