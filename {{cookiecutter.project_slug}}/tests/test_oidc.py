"""Tokens of an OpenID Connect provider, tried as an attacker would: forged, expired, unsigned, meant for another
service or client, ID tokens, signed with the provider's public key as an HMAC secret, naming keys that do not exist;
and the provider rotating its keys, going down, and coming back. The provider is a real HTTP server (``issuer.py``)."""

import base64
import hmac
import json
import re
import secrets
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx2
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from pydantic import ValidationError

from {{ cookiecutter.package_name }}.__main__ import main
from {{ cookiecutter.package_name }}.auth import USERS_URL
from {{ cookiecutter.package_name }}.auth.settings import SERVICE
from {{ cookiecutter.package_name }}.items import URL as ITEMS
from {{ cookiecutter.package_name }}.settings import Settings

from .auth import ISSUER, TEST_SETTINGS, bearer
from .helpers import assert_problem, documented_operations
from .issuer import Issuer, SigningKey

ENV_PREFIX = "{{ cookiecutter.__env_prefix }}"
ME = f"{USERS_URL}/me"
KEYS_PATH = "/realms/tests/keys"
INJECTED = "Text-Of-The-Attacker"


def assert_refused(response: httpx2.Response, *, token_given: bool = True) -> None:
    """401, a problem, and the challenge of RFC 6750."""
    assert_problem(response, 401)
    expected = 'Bearer error="invalid_token"' if token_given else "Bearer"
    assert response.headers["www-authenticate"] == expected


def token(subject: str = "ada", *, issuer: Issuer = ISSUER, **claims: Any) -> str:
    return issuer.token(subject, audience=SERVICE, **claims)


def b64(value: bytes) -> str:
    return base64.urlsafe_b64encode(value).rstrip(b"=").decode()


def hand_made(header: dict[str, Any], payload: dict[str, Any], hmac_key: bytes | None = None) -> str:
    """A token written by hand, as an attacker writes one: unsigned, or with an HMAC of the key given."""
    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(payload).encode())}"
    signature = b"" if hmac_key is None else hmac.digest(hmac_key, signing_input.encode(), "sha256")
    return f"{signing_input}.{b64(signature)}"


def claims_of(token: str) -> dict[str, Any]:
    claims: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    return claims


def public_key_pem(key: SigningKey) -> bytes:
    return key.private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


@pytest.fixture
def issuer() -> Iterator[Issuer]:
    """An issuer of the test's own, which the test may rotate, break or stop."""
    issuer = Issuer().start()
    yield issuer
    issuer.stop()


@pytest.fixture
def client_of(make_client: Callable[[Settings], httpx2.Client], settings: Settings) -> Callable[..., httpx2.Client]:
    """A client of a new application that trusts ``issuer``, with settings changed as given."""

    def make(issuer: Issuer, **changes: Any) -> httpx2.Client:
        return make_client(settings.model_copy(update={"oidc_issuer": issuer.url, **changes}))

    return make


# Valid tokens


def test_a_providers_token_names_the_principal_and_its_role(anonymous_client: httpx2.Client) -> None:
    member = anonymous_client.get(ME, headers=bearer(token("ada")))
    admin = anonymous_client.get(ME, headers=bearer(token("root", realm_roles=["admin", "offline_access"])))

    assert member.status_code == 200, member.text
    assert member.json() == {"subject": "ada", "role": "member"}
    assert admin.json() == {"subject": "root", "role": "admin"}


@pytest.mark.parametrize("algorithm", ["RS256", "ES256"])
def test_rsa_and_ec_keys_are_accepted(client_of: Callable[..., httpx2.Client], algorithm: str) -> None:
    key = SigningKey.make(algorithm)
    issuer = Issuer([key]).start()
    try:
        response = client_of(issuer).get(ME, headers=bearer(token(issuer=issuer, key=key)))
    finally:
        issuer.stop()

    assert response.status_code == 200, response.text


def test_the_roles_claim_and_the_admin_role_come_from_the_settings(
    client_of: Callable[..., httpx2.Client], issuer: Issuer
) -> None:
    """As Entra ID puts them: a top-level ``roles`` claim."""
    client = client_of(issuer, oidc_roles_claim="roles", oidc_admin_role="Service.Admin")

    admin = client.get(ME, headers=bearer(token(issuer=issuer, roles=["Service.Admin"])))
    keycloak_admin = client.get(ME, headers=bearer(token(issuer=issuer, realm_roles=["Service.Admin"])))

    assert admin.json()["role"] == "admin"
    assert keycloak_admin.json()["role"] == "member"


@pytest.mark.parametrize(
    ("roles", "role"),
    [
        pytest.param(["user", "admin"], "admin", id="a list"),
        pytest.param("admin", "admin", id="one name"),
        pytest.param("user admin", "member", id="names in a string"),
        pytest.param(["user admin"], "member", id="names in a string in a list"),
        pytest.param(["admin", 1], "member", id="a list with a number"),
        pytest.param({"admin": True}, "member", id="an object"),
        pytest.param(1, "member", id="a number"),
    ],
)
def test_a_roles_claim_is_a_list_of_names_and_a_string_is_one_name_never_split(
    anonymous_client: httpx2.Client, roles: Any, role: str
) -> None:
    response = anonymous_client.get(ME, headers=bearer(token(realm_access={"roles": roles})))

    assert response.status_code == 200, response.text
    assert response.json()["role"] == role


def test_required_scopes_are_checked_with_403_and_the_challenge_of_rfc_6750(
    client_of: Callable[..., httpx2.Client], issuer: Issuer
) -> None:
    client = client_of(issuer, oidc_required_scopes=["items"])

    without = client.get(ME, headers=bearer(token(issuer=issuer)))
    with_scope = client.get(ME, headers=bearer(token(issuer=issuer, scope="openid items")))
    entra_style = client.get(ME, headers=bearer(token(issuer=issuer, scope=None, scp="items")))
    okta_style = client.get(ME, headers=bearer(token(issuer=issuer, scope=None, scp=["items"])))

    assert_problem(without, 403)
    assert without.headers["www-authenticate"] == 'Bearer error="insufficient_scope", scope="items"'
    assert with_scope.status_code == entra_style.status_code == okta_style.status_code == 200


# Forged and stale tokens


def other_key_with_our_kid() -> str:
    forger = SigningKey.make("RS256")
    return jwt.encode(claims_of(token()), forger.private_key, "RS256", headers={"kid": ISSUER.published[0].kid})


def hmac_with_the_public_key() -> str:
    """The algorithm confusion attack: the public key, which anyone can read, used as an HMAC secret."""
    key = ISSUER.published[0]
    return hand_made({"alg": "HS256", "kid": key.kid}, claims_of(token()), public_key_pem(key))


@pytest.mark.parametrize(
    "forge",
    [
        pytest.param(lambda: "not-a-jwt", id="not a JWT"),
        pytest.param(lambda: token(exp=int(time.time()) - 120), id="expired"),
        pytest.param(lambda: token(nbf=int(time.time()) + 120), id="not yet valid"),
        pytest.param(lambda: token(iss="https://evil.example.com/realms/tests"), id="another issuer"),
        pytest.param(lambda: token(aud="another-service"), id="another audience"),
        pytest.param(lambda: token(sub=""), id="empty subject"),
        pytest.param(lambda: token(sub="x" * 256), id="subject too long"),
        pytest.param(lambda: token(sub=7), id="subject a number"),
        pytest.param(lambda: token(sub=True), id="subject a boolean"),
        pytest.param(lambda: token(sub=["ada"]), id="subject a list"),
        pytest.param(lambda: token(sub={"id": "ada"}), id="subject an object"),
        pytest.param(
            lambda: hand_made({"alg": "none", "kid": ISSUER.published[0].kid}, claims_of(token())), id="alg none"
        ),
        pytest.param(hmac_with_the_public_key, id="HS256 with the public key"),
        pytest.param(other_key_with_our_kid, id="another key, the provider's kid"),
        pytest.param(lambda: jwt.encode(claims_of(token()), ISSUER.published[0].private_key, "RS256"), id="no kid"),
        pytest.param(
            lambda: jwt.encode(
                {k: v for k, v in claims_of(token()).items() if k != "exp"},
                ISSUER.published[0].private_key,
                "RS256",
                headers={"kid": ISSUER.published[0].kid},
            ),
            id="no expiry",
        ),
        pytest.param(
            lambda: jwt.encode(
                claims_of(token()), ISSUER.published[0].private_key, "RS512", headers={"kid": ISSUER.published[0].kid}
            ),
            id="another algorithm than its key's",
        ),
        pytest.param(
            lambda: jwt.encode(
                claims_of(token()), ISSUER.published[0].private_key, "RS256", headers={"kid": "made-up"}
            ),
            id="unknown kid",
        ),
    ],
)
def test_a_forged_or_stale_token_is_refused(anonymous_client: httpx2.Client, forge: Callable[[], str]) -> None:
    assert_refused(anonymous_client.get(ME, headers=bearer(forge())))


def library_message(token: str) -> str:
    """What PyJWT says of a token it refuses, checked with the provider's key as this service checks it."""
    key = jwt.PyJWK(ISSUER.published[0].jwk)
    with pytest.raises(jwt.PyJWTError) as refusal:
        jwt.decode(token, key, algorithms=["RS256"], audience=SERVICE, issuer=ISSUER.url)
    return str(refusal.value)


@pytest.mark.parametrize(
    "forge",
    [
        pytest.param(lambda: "not-a-jwt", id="not a JWT"),
        pytest.param(lambda: f"{b64(b'{oops')}.{b64(b'{}')}.", id="a header that is not JSON"),
        pytest.param(lambda: token(exp=int(time.time()) - 120), id="expired"),
        pytest.param(lambda: token(aud="another-service"), id="another audience"),
        pytest.param(other_key_with_our_kid, id="another key"),
        pytest.param(lambda: hand_made({"alg": INJECTED, "kid": "k"}, claims_of(token())), id="the alg"),
        pytest.param(lambda: hand_made({"alg": "RS256", "typ": INJECTED}, claims_of(token())), id="the typ"),
        pytest.param(lambda: hand_made({"alg": "RS256", "kid": INJECTED}, claims_of(token())), id="the kid"),
        pytest.param(
            lambda: hand_made({"alg": "RS256", "kid": "k", "crit": [INJECTED]}, claims_of(token())),
            id="a critical extension",
        ),
    ],
)
def test_a_refusal_repeats_neither_the_token_nor_the_librarys_message(
    anonymous_client: httpx2.Client, forge: Callable[[], str]
) -> None:
    forged = forge()
    response = anonymous_client.get(ME, headers=bearer(forged))

    assert_refused(response)
    answer = f"{response.text} {dict(response.headers)}".lower()
    assert INJECTED.lower() not in answer
    assert library_message(forged).lower() not in answer


def test_without_a_token_every_protected_operation_is_401(anonymous_client: httpx2.Client) -> None:
    protected = [
        operation for operation, statuses in documented_operations(anonymous_client).items() if "401" in statuses
    ]
    assert {(ME, "get"), (ITEMS, "get")} <= set(protected)
    for path, method in protected:
        url = re.sub(r"\{\w+\}", "1", path)
        assert_refused(anonymous_client.request(method, url, json={}), token_given=False)


def test_a_basic_authorization_header_is_no_token(anonymous_client: httpx2.Client) -> None:
    assert_refused(anonymous_client.get(ITEMS, headers={"Authorization": "Basic YWRhOnNlY3JldA=="}), token_given=False)


def test_made_up_key_ids_cost_one_fetch_per_interval_at_most(
    client_of: Callable[..., httpx2.Client], issuer: Issuer
) -> None:
    client = client_of(issuer)
    assert client.get(ME, headers=bearer(token(issuer=issuer))).status_code == 200
    fetched = issuer.key_fetches

    for _ in range(50):
        made_up = jwt.encode(
            claims_of(token(issuer=issuer)),
            issuer.published[0].private_key,
            "RS256",
            headers={"kid": secrets.token_hex(8)},
        )
        assert_refused(client.get(ME, headers=bearer(made_up)))

    assert fetched == issuer.key_fetches == 1


# ID tokens, and the clients a token is issued to


@pytest.mark.parametrize("header_type", ["at+jwt", "application/at+jwt", "JWT", "AT+JWT", None])
def test_an_access_token_is_typed_as_rfc_9068_or_as_a_plain_jwt_or_not_at_all(
    anonymous_client: httpx2.Client, header_type: str | None
) -> None:
    response = anonymous_client.get(ME, headers=bearer(token(header_type=header_type)))

    assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    "id_token",
    [
        pytest.param(lambda: token(header_type="id+jwt", azp="web-app"), id="typ id+jwt"),
        pytest.param(lambda: token(header_type="logout+jwt"), id="typ of another token"),
        pytest.param(lambda: token(header_type="JWT", nonce="n-0S6_WzA2Mj", azp="web-app"), id="a nonce"),
        pytest.param(lambda: token(header_type="JWT", typ="ID", azp="web-app"), id="Keycloak's typ claim ID"),
    ],
)
def test_an_id_token_meant_for_this_audience_is_refused(
    anonymous_client: httpx2.Client, id_token: Callable[[], str]
) -> None:
    assert_refused(anonymous_client.get(ME, headers=bearer(id_token())))


def test_any_client_of_the_provider_is_accepted_unless_the_settings_name_the_clients(
    anonymous_client: httpx2.Client,
) -> None:
    response = anonymous_client.get(ME, headers=bearer(token(azp="any-app")))

    assert response.status_code == 200, response.text


def test_when_the_settings_name_clients_only_their_tokens_are_accepted(
    client_of: Callable[..., httpx2.Client], issuer: Issuer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(f"{ENV_PREFIX}OIDC_AUTHORIZED_PARTIES", '["web-app", "cli"]')
    client = client_of(issuer, oidc_authorized_parties=Settings().oidc_authorized_parties)

    def answer(**claims: Any) -> httpx2.Response:
        return client.get(ME, headers=bearer(token(issuer=issuer, **claims)))

    for claims in ({"azp": "web-app"}, {"client_id": "cli"}, {"azp": "cli", "client_id": "cli"}):
        assert answer(**claims).status_code == 200, claims
    refused: list[dict[str, Any]] = [
        {},
        {"azp": "other-app"},
        {"client_id": "other-app"},
        {"azp": "web-app", "client_id": "other-app"},
        {"azp": ["web-app"]},
    ]
    for claims in refused:
        assert_refused(answer(**claims))


# Keys that change, and a provider that goes down


def test_a_rotated_key_is_fetched_when_a_token_names_it_and_a_dropped_one_ends_with_the_cache(
    client_of: Callable[..., httpx2.Client], issuer: Issuer
) -> None:
    client = client_of(issuer, oidc_keys_refresh_seconds=0.01, oidc_keys_max_age_seconds=0.5)
    old_key = issuer.published[0]
    assert client.get(ME, headers=bearer(token(issuer=issuer, key=old_key))).status_code == 200

    new_key = SigningKey.make("ES256")
    issuer.published = [new_key, old_key]
    time.sleep(0.02)
    assert client.get(ME, headers=bearer(token(issuer=issuer, key=new_key))).status_code == 200
    assert issuer.key_fetches == 2

    issuer.published = [new_key]
    assert client.get(ME, headers=bearer(token(issuer=issuer, key=old_key))).status_code == 200
    time.sleep(0.5)
    assert_refused(client.get(ME, headers=bearer(token(issuer=issuer, key=old_key))))


def test_a_provider_that_went_down_leaves_its_cached_keys_working(
    client_of: Callable[..., httpx2.Client], issuer: Issuer
) -> None:
    client = client_of(issuer, oidc_keys_refresh_seconds=0.01, oidc_keys_max_age_seconds=0.01)
    valid = bearer(token(issuer=issuer))
    assert client.get(ME, headers=valid).status_code == 200

    issuer.stop()
    time.sleep(0.02)

    assert client.get(ME, headers=valid).status_code == 200
    assert client.get(ITEMS, headers=valid).status_code == 200


def test_with_the_provider_down_and_no_keys_a_request_is_503_and_says_when_to_retry(
    client_of: Callable[..., httpx2.Client], issuer: Issuer
) -> None:
    issuer.stop()
    client = client_of(issuer, oidc_keys_refresh_seconds=30)

    first = client.get(ITEMS, headers=bearer(token(issuer=issuer)))
    again = client.get(ME, headers=bearer(token(issuer=issuer)))

    for response in (first, again):
        body = assert_problem(response, 503)
        assert "identity provider" in body["detail"]
        assert 1 <= int(response.headers["retry-after"]) <= 30


def test_a_provider_that_answers_errors_is_503_until_it_recovers(
    client_of: Callable[..., httpx2.Client], issuer: Issuer
) -> None:
    issuer.available = False
    client = client_of(issuer, oidc_keys_refresh_seconds=0.01)
    valid = bearer(token(issuer=issuer))

    assert_problem(client.get(ME, headers=valid), 503)
    issuer.available = True
    time.sleep(0.02)
    assert client.get(ME, headers=valid).status_code == 200


def test_a_discovery_document_of_another_issuer_is_not_trusted(
    client_of: Callable[..., httpx2.Client], issuer: Issuer
) -> None:
    """A provider must name itself in its discovery document (OpenID Connect Discovery 1.0, section 4.3)."""
    impostor = Issuer().start()
    try:
        client = client_of(issuer, oidc_issuer=impostor.url.replace("127.0.0.1", "localhost"))
        response = client.get(ME, headers=bearer(token(issuer=impostor)))
    finally:
        impostor.stop()

    assert "does not name" in assert_problem(response, 503)["detail"]


# Settings and the command


@pytest.mark.parametrize(
    "change",
    [
        pytest.param({"oidc_algorithms": ["HS256"]}, id="an HMAC algorithm"),
        pytest.param({"oidc_algorithms": ["none"]}, id="no signature"),
        pytest.param({"oidc_algorithms": []}, id="no algorithm"),
        pytest.param({"oidc_issuer": "file:///etc/passwd"}, id="a file issuer"),
        pytest.param({"oidc_issuer": "realms/tests"}, id="a relative issuer"),
    ],
)
def test_unsafe_settings_are_refused_at_start(change: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        Settings(**{**TEST_SETTINGS, **change})


def test_the_document_declares_the_providers_discovery_url(anonymous_client: httpx2.Client) -> None:
    document = anonymous_client.get("/openapi.json").json()

    assert document["components"]["securitySchemes"] == {
        "OpenIDConnect": {
            "type": "openIdConnect",
            "openIdConnectUrl": f"{ISSUER.url}/.well-known/openid-configuration",
        }
    }
    assert document["paths"][ME]["get"]["security"] == [{"OpenIDConnect": []}]


def test_check_provider_lists_the_providers_keys(
    issuer: Issuer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(f"{ENV_PREFIX}OIDC_ISSUER", issuer.url)

    assert main(["check-provider"]) == 0

    printed = capsys.readouterr().out
    assert f"issuer: {issuer.url}" in printed
    assert all(f"key: {key.kid}" in printed for key in issuer.published)


def test_check_provider_says_why_the_keys_cannot_be_fetched(
    issuer: Issuer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    issuer.stop()
    monkeypatch.setenv(f"{ENV_PREFIX}OIDC_ISSUER", issuer.url)

    assert main(["check-provider"]) == 1
    assert capsys.readouterr().err.startswith("error: ")
    assert main(["check-provider", "extra"]) == 2
