"""A real OpenID Connect issuer for the tests: an HTTP server on 127.0.0.1 that serves a discovery document and the
JWKS of keys the tests make (RSA and EC), and signs the tokens the tests present with them.

It also runs the authorization code flow with PKCE for the clients a test registers: its authorization endpoint
signs in the user a test chose (as a provider does once the user typed their password) and sends the browser back
with a code; its token endpoint gives an ID token for the code, once, to the client it was issued to, for the
redirect URI it was issued for, and only with the PKCE verifier of its challenge.

It counts the requests it answers, so that a test can tell how often the application fetched its keys.
"""

import base64
import collections
import hashlib
import hmac
import itertools
import json
import secrets
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote_plus, urlencode

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

DISCOVERY_PATH = "/.well-known/openid-configuration"
JWKS_PATH = "/keys"
AUTHORIZATION_PATH = "/protocol/openid-connect/auth"
TOKEN_PATH = "/protocol/openid-connect/token"
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


@dataclass
class Client:
    """A client registered at the issuer: its secret (None: a public client) and its redirect URIs."""

    secret: str | None = None
    redirect_uris: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class Grant:
    """What an authorization code was issued for."""

    client_id: str
    redirect_uri: str
    challenge: str
    nonce: str | None
    subject: str


class Issuer:
    """An issuer at ``url``, bound to its port as soon as it is made, answering once ``start`` has run."""

    def __init__(self, keys: Iterable[SigningKey] = (), port: int = 0, browser_host: str = "127.0.0.1") -> None:
        self.published = list(keys) or [SigningKey.make("RS256"), SigningKey.make("ES256")]
        self.requests: collections.Counter[str] = collections.Counter()
        self.available = True
        """When False, every request is answered 503, as by a provider that is down behind its load balancer."""
        self.server = ThreadingHTTPServer(("127.0.0.1", port), self.handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/realms/tests"
        self.browser_url = self.url.replace("127.0.0.1", browser_host, 1)
        """Where browsers reach the issuer (its authorization endpoint), as a provider may name a host for them other
        than the one services fetch its documents and keys from."""
        self.thread: threading.Thread | None = None
        self.clients: dict[str, Client] = {}
        self.user: str | None = None
        """The subject that the authorization endpoint signs in: None, nobody (it answers login_required)."""
        self.user_claims: dict[str, Any] = {}
        """Claims of the user's ID token besides the required ones, such as ``name``."""
        self.codes: dict[str, Grant] = {}
        self.id_token_of: Callable[[dict[str, Any]], str] | None = None
        """What makes the ID token of a code from its claims; None: the first published key signs them. A test puts
        a forger here (another key, a changed claim, no signature)."""

    def handler(self) -> type[BaseHTTPRequestHandler]:
        issuer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                issuer.requests[self.path] += 1
                path, _, query = self.path.partition("?")
                if path == "/realms/tests" + AUTHORIZATION_PATH:
                    self.answer(*issuer.authorize(dict(parse_qsl(query))))
                    return
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

            def do_POST(self) -> None:
                issuer.requests[self.path] += 1
                body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
                if self.path != "/realms/tests" + TOKEN_PATH:
                    self.answer(404, {}, {"error": "not_found"})
                    return
                self.answer(*issuer.redeem(dict(parse_qsl(body)), self.headers.get("Authorization")))

            def answer(self, status: int, headers: dict[str, str], document: dict[str, Any]) -> None:
                body = json.dumps(document).encode()
                self.send_response(status)
                for name, value in {"Content-Type": "application/json", **headers}.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                """Quiet: the tests count the requests instead."""

        return Handler

    def discovery(self) -> dict[str, Any]:
        return {
            "issuer": self.url,
            "jwks_uri": self.url + JWKS_PATH,
            "authorization_endpoint": self.browser_url + AUTHORIZATION_PATH,
            "token_endpoint": self.url + TOKEN_PATH,
            "response_types_supported": ["code"],
            "code_challenge_methods_supported": ["S256"],
        }

    def authorize(self, query: dict[str, str]) -> tuple[int, dict[str, str], dict[str, Any]]:
        """The authorization endpoint: a client's request is answered by sending the browser back to its redirect
        URI with a code for the chosen user (302), or with an error; a request that names no registered client and
        redirect URI is answered here, never sent on (400)."""
        client, redirect_uri = self.clients.get(query.get("client_id", "")), query.get("redirect_uri", "")
        if client is None or redirect_uri not in client.redirect_uris:
            return 400, {}, {"error": "invalid_request", "error_description": "unknown client or redirect URI"}
        back = {"state": query["state"]} if "state" in query else {}
        pkce = query.get("code_challenge_method") == "S256" and query.get("code_challenge")
        if query.get("response_type") != "code" or not pkce or "openid" not in query.get("scope", "").split():
            back["error"] = "invalid_request"
        elif self.user is None:
            back["error"] = "login_required"
        else:
            code = secrets.token_urlsafe(16)
            self.codes[code] = Grant(
                query["client_id"], redirect_uri, query["code_challenge"], query.get("nonce"), self.user
            )
            back["code"] = code
        return 302, {"Location": f"{redirect_uri}?{urlencode(back)}"}, {}

    def redeem(self, form: dict[str, str], authorization: str | None) -> tuple[int, dict[str, str], dict[str, Any]]:
        """The token endpoint: a code, once, for its client (authenticated when it has a secret), its redirect URI
        and the verifier of its challenge."""
        client_id = form.get("client_id", "")
        secret = None
        if authorization is not None and authorization.startswith("Basic "):
            pair = base64.b64decode(authorization.removeprefix("Basic ")).decode()
            client_id, _, secret = (unquote_plus(part) for part in pair.partition(":"))
        client = self.clients.get(client_id)
        if client is None or (client.secret is not None and not hmac.compare_digest(client.secret, secret or "")):
            return 401, {}, {"error": "invalid_client"}
        grant = self.codes.pop(form.get("code", ""), None)
        verifier = form.get("code_verifier", "")
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        if (
            form.get("grant_type") != "authorization_code"
            or grant is None
            or grant.client_id != client_id
            or grant.redirect_uri != form.get("redirect_uri")
            or not hmac.compare_digest(grant.challenge, challenge)
        ):
            return 400, {}, {"error": "invalid_grant"}
        now = int(time.time())
        claims = {
            "iss": self.url,
            "sub": grant.subject,
            "aud": client_id,
            "iat": now,
            "exp": now + 60,
            **({"nonce": grant.nonce} if grant.nonce is not None else {}),
            **self.user_claims,
        }
        key = self.published[0]
        id_token = (
            self.id_token_of(claims)
            if self.id_token_of is not None
            else jwt.encode(claims, key.private_key, key.algorithm, headers={"kid": key.kid, "typ": "JWT"})
        )
        access_token = self.token(grant.subject, audience=client_id)
        return 200, {}, {"access_token": access_token, "token_type": "Bearer", "expires_in": 60, "id_token": id_token}

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
