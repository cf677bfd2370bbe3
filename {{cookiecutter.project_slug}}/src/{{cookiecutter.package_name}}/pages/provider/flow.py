"""The authorization code flow with PKCE (RFC 6749, RFC 7636, OpenID Connect Core 3.1), without HTTP of this site's
own: the address that sends a browser to the provider, and the checks on its way back.

What the browser must bring back (``state``), what the ID token must carry (``nonce``) and what proves this site asked
for the code (the PKCE verifier) travel in a short-lived cookie signed with the pages' key, never in the URL. The ID
token is checked by the API's own token checks (``auth.tokens``), against the keys it fetches (``auth.keys``).
"""

import base64
import functools
import hmac
import json
import logging
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import asdict, dataclass
from http import HTTPStatus
from typing import Any

from authlib.common.security import generate_token
from authlib.oauth2.rfc6749.parameters import prepare_grant_uri
from authlib.oauth2.rfc7636 import create_s256_code_challenge

from ...auth.authority import Authority
from ...auth.errors import InvalidTokenError, ProviderUnavailableError
from ...auth.keys import fetch_json
from ...auth.settings import check_web_url
from ...core.errors import ServiceError
from ..security import signed, unsigned
from .sessions import Member
from .settings import SignInSettings

logger = logging.getLogger(__name__)

PENDING_COOKIE = "sign_in"
SECURE_PENDING_COOKIE = "__Host-sign_in"
PENDING_PURPOSE = "sign-in"
PENDING_SECONDS = 600
"""How long a browser has at the provider to sign in: the cookie that holds the flow's secrets lasts as long."""
ID_TOKEN_CLAIMS = ["sub", "exp", "iat", "iss", "aud", "nonce"]
NAME_CLAIMS = ("name", "preferred_username", "email")
"""The claims that the pages call a member by, the first one present."""
MAX_TOKEN_RESPONSE_BYTES = 1024 * 1024


class SignInError(ServiceError):
    """The way back from the provider did not prove a sign-in that this browser started. The reason is a fixed text
    of this module, never text of a token or of the provider."""

    status = HTTPStatus.BAD_REQUEST

    def __init__(self, reason: str) -> None:
        super().__init__(f"The sign-in did not complete: {reason}. Sign in again.")


@functools.lru_cache(maxsize=4)
def discovered(discovery_url: str, timeout: float) -> dict[str, Any]:
    """The provider's discovery document, fetched at the first sign-in and kept for the process's life: its
    endpoints do not change as its keys do. A failed fetch is not kept, so the next sign-in tries again."""
    try:
        document = fetch_json(discovery_url, timeout)
    except (OSError, ValueError) as error:
        raise ProviderUnavailableError(str(error) or type(error).__name__, 1) from None
    if not isinstance(document, dict):
        raise ProviderUnavailableError("its discovery document is not a JSON object", 1)
    return document


def endpoint(authority: Authority, name: str) -> str:
    """The URL of one of the provider's endpoints (``authorization_endpoint``, ``token_endpoint``)."""
    url = discovered(authority.keys.discovery_url, authority.keys.timeout).get(name)
    if not isinstance(url, str):
        raise ProviderUnavailableError(f"its discovery document names no {name}", 1)
    return check_web_url(url)


def pending_cookie(secure: bool) -> str:
    return SECURE_PENDING_COOKIE if secure else PENDING_COOKIE


@dataclass(frozen=True)
class PendingSignIn:
    """A sign-in sent to the provider and not back yet."""

    state: str
    nonce: str
    verifier: str
    next_url: str
    started_at: float

    def sealed(self, key: bytes) -> str:
        """The cookie's value: readable by the browser, changed by nobody but this site."""
        return signed(key, json.dumps(asdict(self)), PENDING_PURPOSE)

    @classmethod
    def unsealed(cls, key: bytes, value: str | None) -> "PendingSignIn":
        message = unsigned(key, value, PENDING_PURPOSE)
        if message is None:
            raise SignInError("no sign-in was started in this browser")
        pending = cls(**json.loads(message))
        if time.time() - pending.started_at > PENDING_SECONDS:
            raise SignInError("it took too long")
        return pending


def authorization_url(
    authority: Authority, settings: SignInSettings, redirect_uri: str, next_url: str
) -> tuple[str, PendingSignIn]:
    """Where to send the browser to sign in, and what to remember until it comes back. May fetch the provider's
    discovery document: call it from a thread that may wait."""
    authorization_endpoint = endpoint(authority, "authorization_endpoint")
    pending = PendingSignIn(generate_token(32), generate_token(32), generate_token(64), next_url, time.time())
    url = prepare_grant_uri(
        authorization_endpoint,
        settings.oidc_client_id,
        "code",
        redirect_uri=redirect_uri,
        scope=settings.oidc_scopes,
        state=pending.state,
        nonce=pending.nonce,
        code_challenge=create_s256_code_challenge(pending.verifier),
        code_challenge_method="S256",
    )
    return str(url), pending


def checked_member(
    authority: Authority, settings: SignInSettings, pending: PendingSignIn, answer: dict[str, str], redirect_uri: str
) -> Member:
    """The member that the provider's answer (the callback's query) signs in, once every check passed: the state is
    this browser's, the code gives an ID token for this client with this sign-in's nonce. Waits for the provider."""
    state, code = answer.get("state"), answer.get("code")
    if not state or not hmac.compare_digest(state.encode(), pending.state.encode()):
        raise SignInError("the answer is not for the sign-in that this browser started")
    if "error" in answer or not code:
        raise SignInError("the provider did not sign you in")
    id_token = redeemed_id_token(authority, settings, code, pending.verifier, redirect_uri)
    try:
        header = authority.tokens.header(id_token)
        claims = authority.tokens.claims(
            id_token, authority.keys.find(header.kid, header.algorithm), settings.oidc_client_id, ID_TOKEN_CLAIMS
        )
        nonce = claims["nonce"]
        if not isinstance(nonce, str) or not hmac.compare_digest(nonce.encode(), pending.nonce.encode()):
            raise InvalidTokenError("its nonce is not this sign-in's")
        audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
        if len(audiences) > 1 and claims.get("azp") != settings.oidc_client_id:
            raise InvalidTokenError("it was issued to another client")
        principal = authority.tokens.claimed_principal(claims)
    except InvalidTokenError as error:
        logger.info("ID token refused: %s", error)
        raise SignInError("the provider's ID token did not pass its checks") from None
    name = next((claims[name] for name in NAME_CLAIMS if isinstance(claims.get(name), str)), principal.subject)
    return Member(principal, name)


def redeemed_id_token(authority: Authority, settings: SignInSettings, code: str, verifier: str, uri: str) -> str:
    """The ID token that the provider's token endpoint gives for the code, this client and the PKCE verifier."""
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": uri, "code_verifier": verifier}
    headers = {"Accept": "application/json", "Content-Type": "application/x-www-form-urlencoded"}
    if settings.oidc_client_secret is None:
        form["client_id"] = settings.oidc_client_id
    else:
        # RFC 6749, section 2.3.1: each part form-encoded, then the pair as HTTP Basic credentials.
        pair = ":".join(
            urllib.parse.quote_plus(part)
            for part in (settings.oidc_client_id, settings.oidc_client_secret.get_secret_value())
        )
        headers["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode()
    request = urllib.request.Request(
        endpoint(authority, "token_endpoint"), urllib.parse.urlencode(form).encode(), headers, method="POST"
    )
    try:
        # The endpoint was checked to be an http(s) URL, so no file or other scheme is opened.
        with urllib.request.urlopen(request, timeout=authority.keys.timeout) as response:  # nosec B310
            tokens: Any = json.loads(response.read(MAX_TOKEN_RESPONSE_BYTES))
    except urllib.error.HTTPError as error:
        error.close()
        logger.info("The token endpoint refused the code: %s", error.code)
        raise SignInError("the provider refused the code") from None
    except (OSError, ValueError) as error:
        logger.warning("The token endpoint cannot be reached: %s", error)
        raise SignInError("the provider cannot be reached") from None
    if not isinstance(tokens, dict) or not isinstance(tokens.get("id_token"), str):
        raise SignInError("the provider gave no ID token")
    id_token: str = tokens["id_token"]
    return id_token
