"""The provider's signing keys: read from its discovery document and JWKS, cached, and fetched again at most once per
interval, so that a flood of tokens naming made-up key ids costs a dictionary lookup each and nothing more.

If the provider is down, the keys fetched before keep working; with none at all, a token cannot be checked (503).
"""

import json
import logging
import threading
import time
import urllib.request
from typing import Any

import jwt

from .errors import InvalidTokenError, ProviderUnavailableError
from .settings import AuthSettings, check_web_url

logger = logging.getLogger(__name__)

PUBLIC_KEY_TYPES = {"RSA", "EC", "OKP"}
"""The key types a token may be checked with: a symmetric (``oct``) key that a JWKS lists is never used."""
MAX_DOCUMENT_BYTES = 1024 * 1024
"""The largest discovery document or JWKS read: a provider's are a few kilobytes."""


def fetch_json(url: str, timeout: float) -> Any:
    """The JSON document at an http(s) URL, or an ``OSError`` or ``ValueError`` saying why it cannot be read."""
    request = urllib.request.Request(check_web_url(url), headers={"Accept": "application/json"})
    # The URL was checked to be http(s) above, so no file or other scheme is opened.
    with urllib.request.urlopen(request, timeout=timeout) as response:  # nosec B310
        body = response.read(MAX_DOCUMENT_BYTES + 1)
    if len(body) > MAX_DOCUMENT_BYTES:
        raise ValueError(f"{url} answered more than {MAX_DOCUMENT_BYTES} bytes")
    return json.loads(body)


def public_keys(jwks: Any) -> dict[str, dict[str, Any]]:
    """The signing keys of a JWKS (RFC 7517) by their ids: public keys meant for signatures, each with an id."""
    if not isinstance(jwks, dict) or not isinstance(jwks.get("keys"), list):
        raise ValueError("the JWKS has no list of keys")
    return {
        key["kid"]: key
        for key in jwks["keys"]
        if isinstance(key, dict)
        and isinstance(key.get("kid"), str)
        and key.get("kty") in PUBLIC_KEY_TYPES
        and key.get("use", "sig") == "sig"
    }


class ProviderKeys:
    """The keys of one provider, shared by the threads of a process and fetched by one of them at a time."""

    def __init__(self, settings: AuthSettings) -> None:
        self.issuer = settings.oidc_issuer
        self.discovery_url = settings.oidc_discovery_url
        self.refresh_seconds = settings.oidc_keys_refresh_seconds
        self.max_age_seconds = settings.oidc_keys_max_age_seconds
        self.timeout = settings.oidc_fetch_timeout_seconds
        self.keys: dict[str, dict[str, Any]] = {}
        self.parsed: dict[tuple[str, str], jwt.PyJWK] = {}
        self.fetched_at = -float("inf")
        self.attempted_at = -float("inf")
        self.failure: str | None = None
        self.lock = threading.Lock()

    def cached(self, kid: str, algorithm: str) -> jwt.PyJWK | None:
        """The key with this id for this algorithm if it is known and fresh, without waiting for anything."""
        if time.monotonic() - self.fetched_at > self.max_age_seconds or kid not in self.keys:
            return None
        return self.parse(kid, algorithm)

    def find(self, kid: str, algorithm: str) -> jwt.PyJWK:
        """The key with this id for this algorithm, fetching the keys first if they are stale or lack it and the last
        fetch is long enough ago. Blocks while it fetches: call it from a thread that may wait."""
        with self.lock:
            now = time.monotonic()
            stale = now - self.fetched_at > self.max_age_seconds or kid not in self.keys
            if stale and now - self.attempted_at >= self.refresh_seconds:
                self.refresh(now)
            if kid in self.keys:
                return self.parse(kid, algorithm)
            if self.failure is not None:
                retry_after = self.attempted_at + self.refresh_seconds - now
                raise ProviderUnavailableError(self.failure, retry_after)
        raise InvalidTokenError("the provider publishes no key with its key id")

    def refresh(self, now: float) -> None:
        """Fetch the keys again (``now`` being the time of ``time.monotonic``); if that fails, keep the ones fetched
        before and remember why."""
        self.attempted_at = now
        try:
            discovery = fetch_json(self.discovery_url, self.timeout)
            if not isinstance(discovery, dict) or discovery.get("issuer") != self.issuer:
                raise ValueError(f"the discovery document does not name {self.issuer} as its issuer")
            keys = public_keys(fetch_json(str(discovery.get("jwks_uri")), self.timeout))
        except (OSError, ValueError) as error:
            self.failure = str(error) or type(error).__name__
            return
        self.keys, self.parsed, self.fetched_at, self.failure = keys, {}, now, None

    def parse(self, kid: str, algorithm: str) -> jwt.PyJWK:
        """The key with this id, ready to check signatures of this algorithm; parsed once."""
        parsed = self.parsed.get((kid, algorithm))
        if parsed is None:
            jwk = self.keys[kid]
            if jwk.get("alg", algorithm) != algorithm:
                raise InvalidTokenError("its key is not for its algorithm")
            try:
                parsed = jwt.PyJWK(jwk, algorithm)
            except jwt.PyJWTError as error:
                logger.debug("The key %s cannot check %s: %s", kid, algorithm, error)
                raise InvalidTokenError("its key is not for its algorithm") from None
            self.parsed[(kid, algorithm)] = parsed
        return parsed
