"""Accounts, tokens and per-user data, tried as an attacker would: forged, expired and unsigned tokens, reused refresh
tokens, another member's items, a password that changed, an account that was switched off."""

import io
import re
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx2
import jwt
import pytest
from pwdlib import PasswordHash
from pydantic import SecretStr, ValidationError
from sqlalchemy import Connection, insert, select, update

from {{ cookiecutter.package_name }}.__main__ import main
from {{ cookiecutter.package_name }}.auth import AUTH_URL, TOKEN_URL, USERS_URL
from {{ cookiecutter.package_name }}.auth.models import LinkToken, RefreshToken, User
from {{ cookiecutter.package_name }}.auth.tokens import (
    ALGORITHM,
    LEEWAY_SECONDS,
    AccessClaims,
    AccessTokens,
    InvalidTokenError,
    key_id,
)
from {{ cookiecutter.package_name }}.core import database
from {{ cookiecutter.package_name }}.core.metrics_files import MULTIPROCESS_VARIABLE
from {{ cookiecutter.package_name }}.core.models import utc_now
from {{ cookiecutter.package_name }}.core.principals import Role
from {{ cookiecutter.package_name }}.items import URL as ITEMS
from {{ cookiecutter.package_name }}.settings import Settings

from .auth import (
    ME,
    PASSWORD,
    assert_oauth_error,
    assert_refused,
    bearer,
    password_grant,
    refresh_grant,
    register,
    signed_up,
    token,
)
from .helpers import assert_problem, documented_operations
from .live_server import Launch, counting_workers, live_client

ENV_PREFIX = "{{ cookiecutter.__env_prefix }}"
OTHER_KEY = "another-service-signing-key-0123456789"
BOTH_WORKERS_SECONDS = 20


def change_user(settings: Settings, email: str, **values: Any) -> None:
    """Change an account in the database directly, as an operator or another replica would."""

    def change(connection: Connection) -> None:
        connection.execute(update(User).where(User.email == email).values(**values))
        connection.commit()

    database.run_on_connection(settings, change)


def stored_hash(settings: Settings, email: str) -> str:
    hashes: list[str] = []

    def read(connection: Connection) -> None:
        hashes.append(connection.execute(select(User.password_hash).where(User.email == email)).scalar_one())

    database.run_on_connection(settings, read)
    return hashes[0]


def claims(settings: Settings, **changes: Any) -> dict[str, Any]:
    """The claims of a valid access token for account 1, with some changed."""
    now = int(time.time())
    valid = {
        "sub": "1",
        "iat": now,
        "exp": now + 60,
        "iss": settings.token_issuer,
        "aud": settings.token_audience,
        "jti": "test",
        "ver": 1,
    }
    return {**valid, **changes}


def signed(payload: dict[str, Any], key: str, *, kid: str | None = None) -> str:
    return jwt.encode(payload, key, ALGORITHM, headers={"kid": kid or key_id(key.encode())})


# Registration


def test_register_creates_a_member_and_hides_the_password_hash(anonymous_client: httpx2.Client) -> None:
    response = anonymous_client.post(f"{AUTH_URL}/register", json={"email": "Ada@Example.com", "password": PASSWORD})

    assert response.status_code == 201, response.text
    user = response.json()
    assert response.headers["location"] == f"{USERS_URL}/{user['id']}"
    assert user["email"] == "ada@example.com"
    assert user["role"] == "member"
    assert user["is_active"] is True
    assert not {"password", "password_hash"} & user.keys()


def test_an_email_is_taken_whatever_its_case(anonymous_client: httpx2.Client) -> None:
    register(anonymous_client, "ada@example.com")

    response = anonymous_client.post(f"{AUTH_URL}/register", json={"email": "ADA@example.com", "password": PASSWORD})

    assert_problem(response, 409)


@pytest.mark.parametrize(
    "password",
    [
        pytest.param("short-password", id="14 characters"),
        pytest.param("x" * 129, id="129 characters"),
        pytest.param("ada@example.com", id="the e-mail address"),
        pytest.param("a" * 20, id="one character repeated"),
    ],
)
def test_a_password_against_the_rules_is_422(anonymous_client: httpx2.Client, password: str) -> None:
    response = anonymous_client.post(f"{AUTH_URL}/register", json={"email": "ada@example.com", "password": password})

    assert_problem(response, 422)


def test_registration_can_be_switched_off(make_client: Callable[[Settings], httpx2.Client], settings: Settings) -> None:
    client = make_client(settings.model_copy(update={"registration_enabled": False}))

    response = client.post(f"{AUTH_URL}/register", json={"email": "ada@example.com", "password": PASSWORD})

    assert_problem(response, 403)


# The token endpoint


def test_the_password_grant_issues_a_bearer_token_that_is_not_cached(anonymous_client: httpx2.Client) -> None:
    register(anonymous_client, "ada@example.com")

    response = password_grant(anonymous_client, "ADA@example.com")

    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    tokens = response.json()
    assert tokens["token_type"] == "bearer"
    assert tokens["expires_in"] == 15 * 60
    assert tokens["refresh_token"]
    header = jwt.get_unverified_header(tokens["access_token"])
    assert header["alg"] == ALGORITHM
    assert header["kid"]
    assert anonymous_client.get(ME, headers=bearer(tokens["access_token"])).json()["email"] == "ada@example.com"


def test_a_wrong_password_and_an_unknown_email_get_the_same_answer(anonymous_client: httpx2.Client) -> None:
    register(anonymous_client, "ada@example.com")

    wrong_password = password_grant(anonymous_client, "ada@example.com", "not the password at all")
    unknown_email = password_grant(anonymous_client, "nobody@example.com")

    assert_oauth_error(wrong_password, "invalid_grant")
    assert_oauth_error(unknown_email, "invalid_grant")
    assert wrong_password.json() == unknown_email.json()


def test_an_unknown_email_costs_one_password_hash_verification_as_a_wrong_password_does(
    anonymous_client: httpx2.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    register(anonymous_client, "ada@example.com")
    verified: list[str] = []
    verify = PasswordHash.verify_and_update

    def counting(self: PasswordHash, password: str | bytes, hash: str | bytes) -> tuple[bool, str | None]:
        verified.append(str(hash))
        return verify(self, password, hash)

    monkeypatch.setattr(PasswordHash, "verify_and_update", counting)

    password_grant(anonymous_client, "ada@example.com", "not the password at all")
    password_grant(anonymous_client, "nobody@example.com")

    assert len(verified) == 2
    first, second = (hash.rsplit("$", 2)[0] for hash in verified)
    assert first == second, "both hashes must have the same algorithm and cost"


@pytest.mark.parametrize(
    ("form", "error"),
    [
        pytest.param({"username": "ada@example.com"}, "invalid_request", id="no grant type"),
        pytest.param({"grant_type": "password", "username": "ada@example.com"}, "invalid_request", id="no password"),
        pytest.param({"grant_type": "refresh_token"}, "invalid_request", id="no refresh token"),
        pytest.param({"grant_type": "client_credentials"}, "unsupported_grant_type", id="another grant"),
    ],
)
def test_a_malformed_token_request_is_an_oauth_error(
    anonymous_client: httpx2.Client, form: dict[str, str], error: str
) -> None:
    assert_oauth_error(anonymous_client.post(TOKEN_URL, data=form), error)


def test_a_json_token_request_is_415(anonymous_client: httpx2.Client) -> None:
    assert_problem(anonymous_client.post(TOKEN_URL, json={"grant_type": "password"}), 415)


def test_a_hash_of_another_cost_is_replaced_at_login(
    anonymous_client: httpx2.Client, make_client: Callable[[Settings], httpx2.Client], settings: Settings
) -> None:
    register(anonymous_client, "ada@example.com")
    before = stored_hash(settings, "ada@example.com")
    costlier = make_client(settings.model_copy(update={"password_hash_time_cost": 2}))

    assert password_grant(costlier, "ada@example.com").status_code == 200

    after = stored_hash(settings, "ada@example.com")
    assert ",t=1," in before
    assert ",t=2," in after
    assert password_grant(anonymous_client, "ada@example.com").status_code == 200


def test_issuing_tokens_purges_expired_refresh_and_link_tokens(
    anonymous_client: httpx2.Client, settings: Settings
) -> None:
    """Without the jobs' sweep, expired tokens would pile up: each token issued clears out a batch of them."""
    user_id = register(anonymous_client, "ada@example.com")["id"]
    expired, valid = utc_now() - timedelta(seconds=1), utc_now() + timedelta(days=1)
    rows: dict[type[RefreshToken] | type[LinkToken], dict[str, str]] = {
        RefreshToken: {"family": "a-family"},
        LinkToken: {"purpose": "password-reset"},
    }

    def add_tokens(connection: Connection) -> None:
        for model, columns in rows.items():
            connection.execute(
                insert(model),
                [
                    {"user_id": user_id, "token_hash": f"{model.__tablename__}-{name}", "expires_at": at, **columns}
                    for name, at in (("expired", expired), ("valid", valid))
                ],
            )
        connection.commit()

    left: list[str] = []

    def read_tokens(connection: Connection) -> None:
        for model in rows:
            hashes = connection.scalars(select(model.token_hash))
            left.extend(name for name in hashes if name.startswith(model.__tablename__))

    database.run_on_connection(settings, add_tokens)
    assert password_grant(anonymous_client, "ada@example.com").status_code == 200
    database.run_on_connection(settings, read_tokens)

    assert sorted(left) == ["link_tokens-valid", "refresh_tokens-valid"]


# Access tokens


def test_a_protected_operation_without_a_token_is_401(anonymous_client: httpx2.Client) -> None:
    protected = [
        operation for operation, statuses in documented_operations(anonymous_client).items() if "401" in statuses
    ]
    assert (ITEMS, "get") in protected
    for path, method in protected:
        url = re.sub(r"\{\w+\}", "1", path)
        assert_refused(anonymous_client.request(method, url, json={}), token_given=False)


def test_a_basic_authorization_header_is_no_token(anonymous_client: httpx2.Client) -> None:
    assert_refused(anonymous_client.get(ME, headers={"Authorization": "Basic YWRhOnNlY3JldA=="}), token_given=False)


@pytest.mark.parametrize(
    "forge",
    [
        pytest.param(lambda s: "not-a-jwt", id="not a JWT"),
        pytest.param(lambda s: signed(claims(s), OTHER_KEY), id="signed with another key"),
        pytest.param(
            lambda s: signed(claims(s), OTHER_KEY, kid=key_id(s.current_signing_key)), id="another key, our kid"
        ),
        pytest.param(
            lambda s: signed(claims(s, exp=int(time.time()) - 120), s.signing_key.get_secret_value()), id="expired"
        ),
        pytest.param(
            lambda s: signed(claims(s, aud="another-service"), s.signing_key.get_secret_value()), id="another audience"
        ),
        pytest.param(
            lambda s: signed(claims(s, iss="another-issuer"), s.signing_key.get_secret_value()), id="another issuer"
        ),
        pytest.param(lambda s: signed(claims(s, ver=2), s.signing_key.get_secret_value()), id="an older password's"),
        *(
            pytest.param(lambda s, c=changed: signed(claims(s, **c), s.signing_key.get_secret_value()), id=name)
            for name, changed in {
                "a subject with a leading zero": {"sub": "01"},
                "a subject in Arabic-Indic digits": {"sub": "\u0661"},
                "a superscript subject": {"sub": "\u00b9"},
                "a subject with a space": {"sub": " 1"},
                "a subject past any id": {"sub": "9" * 30},
                "an integer subject": {"sub": 1},
                "a boolean version": {"ver": True},
                "a version past any integer column": {"ver": 2**63},
            }.items()
        ),
        pytest.param(
            lambda s: jwt.encode(claims(s), "", "none", headers={"kid": key_id(s.current_signing_key)}),
            id="alg none",
        ),
        pytest.param(
            lambda s: jwt.encode(
                {k: v for k, v in claims(s).items() if k != "exp"},
                s.signing_key.get_secret_value(),
                ALGORITHM,
                headers={"kid": key_id(s.current_signing_key)},
            ),
            id="no expiry",
        ),
    ],
)
def test_a_forged_or_stale_token_is_refused(
    anonymous_client: httpx2.Client, settings: Settings, forge: Callable[[Settings], str]
) -> None:
    register(anonymous_client, "ada@example.com")

    body = assert_refused(anonymous_client.get(ME, headers=bearer(forge(settings))))

    assert body["detail"] in {
        "The access token is invalid: the token is malformed, forged, expired or meant for another service.",
        "The access token is invalid: the token was not signed by a key of this service.",
        "The access token is invalid: the token's subject is not an account of this service.",
        "The access token is invalid: the token's credentials version is not one this service issues.",
        "The access token no longer stands for an active account.",
    }, "the detail tells the token's own text or a library's message"


def test_another_method_on_the_callers_own_account_is_405(anonymous_client: httpx2.Client) -> None:
    headers = signed_up(anonymous_client, "ada@example.com")

    response = anonymous_client.patch(ME, headers=headers)

    assert_problem(response, 405)
    assert "GET" in response.headers["allow"]


def test_tokens_signed_with_a_previous_key_stay_valid_until_the_key_is_dropped(
    anonymous_client: httpx2.Client, make_client: Callable[[Settings], httpx2.Client], settings: Settings
) -> None:
    register(anonymous_client, "ada@example.com")
    old_token = token(anonymous_client, "ada@example.com")["access_token"]
    rotated = settings.model_copy(
        update={"signing_key": SecretStr(OTHER_KEY), "previous_signing_keys": [settings.signing_key]}
    )
    rotated_client = make_client(rotated)
    dropped_client = make_client(rotated.model_copy(update={"previous_signing_keys": []}))

    assert rotated_client.get(ME, headers=bearer(old_token)).status_code == 200
    new_token = token(rotated_client, "ada@example.com")["access_token"]
    assert jwt.get_unverified_header(new_token)["kid"] == key_id(OTHER_KEY.encode())
    assert_refused(dropped_client.get(ME, headers=bearer(old_token)))
    assert dropped_client.get(ME, headers=bearer(new_token)).status_code == 200


def test_a_token_checked_once_is_remembered_only_until_it_expires(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    tokens = AccessTokens(settings)
    issued = time.time()
    token = tokens.issue("1", 1)
    assert tokens.check(token) == AccessClaims("1", 1)

    monkeypatch.setattr(time, "time", lambda: issued + settings.access_token_seconds + LEEWAY_SECONDS + 1)

    with pytest.raises(InvalidTokenError, match="expired"):
        tokens.check(token)
    assert tokens.checked.cache_info().hits == 1


def test_a_deactivated_account_is_refused_from_its_next_request(
    anonymous_client: httpx2.Client, settings: Settings
) -> None:
    headers = signed_up(anonymous_client, "ada@example.com")
    assert anonymous_client.get(ME, headers=headers).status_code == 200

    change_user(settings, "ada@example.com", is_active=False)

    assert_refused(anonymous_client.get(ME, headers=headers))
    assert_oauth_error(password_grant(anonymous_client, "ada@example.com"), "invalid_grant")


# Refresh tokens


def test_a_refresh_token_is_exchanged_once_for_new_tokens(anonymous_client: httpx2.Client) -> None:
    register(anonymous_client, "ada@example.com")
    first = token(anonymous_client, "ada@example.com")

    second = refresh_grant(anonymous_client, first["refresh_token"])

    assert second.status_code == 200, second.text
    assert second.json()["refresh_token"] != first["refresh_token"]
    assert anonymous_client.get(ME, headers=bearer(second.json()["access_token"])).status_code == 200
    third = refresh_grant(anonymous_client, second.json()["refresh_token"])
    assert third.status_code == 200


def test_a_reused_refresh_token_ends_its_whole_family(anonymous_client: httpx2.Client) -> None:
    register(anonymous_client, "ada@example.com")
    stolen = token(anonymous_client, "ada@example.com")["refresh_token"]
    rightful = refresh_grant(anonymous_client, stolen).json()["refresh_token"]

    assert_oauth_error(refresh_grant(anonymous_client, stolen), "invalid_grant")

    assert_oauth_error(refresh_grant(anonymous_client, rightful), "invalid_grant")


def test_another_session_survives_a_reuse_in_one_family(anonymous_client: httpx2.Client) -> None:
    register(anonymous_client, "ada@example.com")
    stolen = token(anonymous_client, "ada@example.com")["refresh_token"]
    other_device = token(anonymous_client, "ada@example.com")["refresh_token"]
    refresh_grant(anonymous_client, stolen)

    refresh_grant(anonymous_client, stolen)

    assert refresh_grant(anonymous_client, other_device).status_code == 200


def test_a_revocation_without_a_token_is_422(anonymous_client: httpx2.Client) -> None:
    body = assert_problem(anonymous_client.post(f"{AUTH_URL}/revoke", data={"token_type_hint": "refresh_token"}), 422)

    assert [error["loc"] for error in body["errors"]] == [["body", "token"]]


def test_an_unknown_refresh_token_is_an_invalid_grant(anonymous_client: httpx2.Client) -> None:
    assert_oauth_error(refresh_grant(anonymous_client, "made-up"), "invalid_grant")


def test_a_revoked_refresh_token_is_refused_and_revoking_an_unknown_token_is_no_error(
    anonymous_client: httpx2.Client,
) -> None:
    register(anonymous_client, "ada@example.com")
    refresh_token = token(anonymous_client, "ada@example.com")["refresh_token"]

    assert anonymous_client.post(f"{AUTH_URL}/revoke", data={"token": refresh_token}).status_code == 200
    assert anonymous_client.post(f"{AUTH_URL}/revoke", data={"token": "made-up"}).status_code == 200

    assert_oauth_error(refresh_grant(anonymous_client, refresh_token), "invalid_grant")


# Changing one's password


def test_changing_the_password_ends_every_token_issued_before(anonymous_client: httpx2.Client) -> None:
    register(anonymous_client, "ada@example.com")
    tokens = token(anonymous_client, "ada@example.com")
    new_password = "a new and longer passphrase"

    response = anonymous_client.post(
        f"{ME}/password",
        json={"current_password": PASSWORD, "new_password": new_password},
        headers=bearer(tokens["access_token"]),
    )

    assert response.status_code == 204, response.text
    assert_refused(anonymous_client.get(ME, headers=bearer(tokens["access_token"])))
    assert_oauth_error(refresh_grant(anonymous_client, tokens["refresh_token"]), "invalid_grant")
    assert_oauth_error(password_grant(anonymous_client, "ada@example.com"), "invalid_grant")
    assert password_grant(anonymous_client, "ada@example.com", new_password).status_code == 200


def test_a_password_change_needs_the_current_password_and_a_new_one_within_the_rules(
    anonymous_client: httpx2.Client,
) -> None:
    headers = signed_up(anonymous_client, "ada@example.com")
    url = f"{ME}/password"

    wrong = anonymous_client.post(
        url,
        json={"current_password": "not the password at all", "new_password": "a new and longer passphrase"},
        headers=headers,
    )
    the_email = anonymous_client.post(
        url, json={"current_password": PASSWORD, "new_password": "ada@example.com"}, headers=headers
    )

    assert_problem(wrong, 403)
    assert_problem(the_email, 400)
    assert anonymous_client.get(ME, headers=headers).status_code == 200


# The first admin


def test_create_admin_makes_an_admin_with_the_password_from_standard_input(
    anonymous_client: httpx2.Client,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv(f"{ENV_PREFIX}DATABASE_URL", settings.database_url)
    monkeypatch.setattr(sys, "stdin", io.StringIO(f"{PASSWORD}\n"))

    assert main(["create-admin", "Root@example.com"]) == 0

    assert "root@example.com is a new admin" in capsys.readouterr().out
    tokens = token(anonymous_client, "root@example.com")
    assert anonymous_client.get(ME, headers=bearer(tokens["access_token"])).json()["role"] == "admin"


def test_create_admin_promotes_an_existing_member_and_keeps_their_password(
    anonymous_client: httpx2.Client, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    register(anonymous_client, "ada@example.com")
    monkeypatch.setenv(f"{ENV_PREFIX}DATABASE_URL", settings.database_url)
    monkeypatch.setattr(sys, "stdin", io.StringIO("another password, not used\n"))

    assert main(["create-admin", "ada@example.com"]) == 0

    tokens = token(anonymous_client, "ada@example.com")
    assert anonymous_client.get(ME, headers=bearer(tokens["access_token"])).json()["role"] == "admin"


@pytest.mark.parametrize(
    ("arguments", "password", "message"),
    [
        pytest.param(["create-admin"], PASSWORD, "usage: create-admin EMAIL", id="no e-mail"),
        pytest.param(["create-admin", "not-an-email"], PASSWORD, "error: value is not a valid email", id="bad e-mail"),
        pytest.param(
            ["create-admin", "root@example.com"], "short", "error: String should have at least 15", id="short"
        ),
    ],
)
def test_create_admin_refuses_bad_input_with_a_clear_message(
    arguments: list[str],
    password: str,
    message: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(f"{password}\n"))

    assert main(arguments) == 2

    assert capsys.readouterr().err.startswith(message)


# Admins and accounts


def signed_up_admin(client: httpx2.Client, settings: Settings, email: str = "root@example.com") -> dict[str, str]:
    headers = signed_up(client, email)
    change_user(settings, email, role=Role.ADMIN)
    return headers


def user_id(client: httpx2.Client, headers: dict[str, str]) -> int:
    identifier: int = client.get(ME, headers=headers).json()["id"]
    return identifier


def test_only_an_admin_lists_the_accounts(anonymous_client: httpx2.Client, settings: Settings) -> None:
    member = signed_up(anonymous_client, "ada@example.com")
    admin = signed_up_admin(anonymous_client, settings)

    assert_problem(anonymous_client.get(USERS_URL, headers=member), 403)
    page = anonymous_client.get(USERS_URL, params={"limit": 1, "offset": 1}, headers=admin).json()
    assert page["total"] == 2
    assert [user["email"] for user in page["users"]] == ["root@example.com"]


def test_a_member_reads_only_their_own_account(anonymous_client: httpx2.Client, settings: Settings) -> None:
    ada = signed_up(anonymous_client, "ada@example.com")
    bob = signed_up(anonymous_client, "bob@example.com")
    admin = signed_up_admin(anonymous_client, settings)
    ada_id = user_id(anonymous_client, ada)

    assert anonymous_client.get(f"{USERS_URL}/{ada_id}", headers=ada).json()["email"] == "ada@example.com"
    assert_problem(anonymous_client.get(f"{USERS_URL}/{ada_id}", headers=bob), 404)
    assert anonymous_client.get(f"{USERS_URL}/{ada_id}", headers=admin).status_code == 200
    assert_problem(anonymous_client.get(f"{USERS_URL}/{ada_id + 1000}", headers=admin), 404)


def test_an_admin_deactivates_an_account_which_is_refused_from_its_next_request(
    anonymous_client: httpx2.Client, settings: Settings
) -> None:
    ada = signed_up(anonymous_client, "ada@example.com")
    admin = signed_up_admin(anonymous_client, settings)
    url = f"{USERS_URL}/{user_id(anonymous_client, ada)}"

    assert_problem(anonymous_client.patch(url, json={"is_active": False}, headers=ada), 403)
    response = anonymous_client.patch(url, json={"is_active": False}, headers=admin)

    assert response.status_code == 200, response.text
    assert response.json()["is_active"] is False
    assert_refused(anonymous_client.get(ITEMS, headers=ada))


def test_a_deactivation_ends_every_session_and_a_reactivation_revives_none(
    anonymous_client: httpx2.Client, settings: Settings
) -> None:
    tokens = token(anonymous_client, register(anonymous_client, "ada@example.com")["email"])
    admin = signed_up_admin(anonymous_client, settings)
    url = f"{USERS_URL}/{user_id(anonymous_client, bearer(tokens['access_token']))}"

    assert anonymous_client.patch(url, json={"is_active": False}, headers=admin).status_code == 200
    assert anonymous_client.patch(url, json={"is_active": True}, headers=admin).status_code == 200

    assert_refused(anonymous_client.get(ITEMS, headers=bearer(tokens["access_token"])))
    assert_oauth_error(refresh_grant(anonymous_client, tokens["refresh_token"]), "invalid_grant")
    assert password_grant(anonymous_client, "ada@example.com").status_code == 200


def test_an_admin_makes_a_member_an_admin(anonymous_client: httpx2.Client, settings: Settings) -> None:
    ada = signed_up(anonymous_client, "ada@example.com")
    bob = signed_up(anonymous_client, "bob@example.com")
    admin = signed_up_admin(anonymous_client, settings)
    anonymous_client.post(ITEMS, json={"name": "Widget"}, headers=bob)

    response = anonymous_client.patch(
        f"{USERS_URL}/{user_id(anonymous_client, ada)}", json={"role": "admin"}, headers=admin
    )

    assert response.json()["role"] == "admin"
    assert anonymous_client.get(ITEMS, headers=ada).json()["total"] == 1


@pytest.mark.parametrize(
    ("change", "status"),
    [
        pytest.param({"role": None}, 422, id="null role"),
        pytest.param({"role": "owner"}, 422, id="unknown role"),
        pytest.param({"is_active": 1}, 422, id="a number for a flag"),
        pytest.param({"email": "x@example.com"}, 422, id="another field"),
    ],
)
def test_an_invalid_account_change_is_422(
    anonymous_client: httpx2.Client, settings: Settings, change: dict[str, Any], status: int
) -> None:
    ada = signed_up(anonymous_client, "ada@example.com")
    admin = signed_up_admin(anonymous_client, settings)

    assert_problem(
        anonymous_client.patch(f"{USERS_URL}/{user_id(anonymous_client, ada)}", json=change, headers=admin), status
    )


def test_an_admin_cannot_demote_or_deactivate_themselves(anonymous_client: httpx2.Client, settings: Settings) -> None:
    admin = signed_up_admin(anonymous_client, settings)
    url = f"{USERS_URL}/{user_id(anonymous_client, admin)}"

    assert_problem(anonymous_client.patch(url, json={"role": "member"}, headers=admin), 409)
    assert_problem(anonymous_client.patch(url, json={"is_active": False}, headers=admin), 409)
    assert anonymous_client.get(ME, headers=admin).json()["role"] == "admin"


# The signing key


def test_a_short_signing_key_is_refused_at_start_with_advice() -> None:
    with pytest.raises(ValidationError, match="at least 32 bytes long; generate one with"):
        Settings(signing_key="too-short")


def test_without_a_configured_key_every_worker_of_a_server_accepts_the_others_tokens(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The key made at start is shared with the workers, so a token issued by one is good at every other; if each
    worker made its own, about half of these requests, on connections of their own, would be refused. The workers'
    metrics files tell when both answer; twenty requests more then reach each with a chance of 1 - 2**-20."""
    metrics = tmp_path / "metrics"
    monkeypatch.setenv(MULTIPROCESS_VARIABLE, str(metrics))
    launch = Launch(settings, tmp_path, measured=False, workers="2", signing_key=None)
    try:
        server = launch.ready()
        # A connection per request, as from many clients.
        with live_client(server.base_url, headers={"Connection": "close"}) as client:
            register(client, "ada@example.com")
            headers = bearer(token(client, "ada@example.com")["access_token"])
            statuses = [client.get(ME, headers=headers).status_code]
            deadline = time.monotonic() + BOTH_WORKERS_SECONDS
            while len(counting_workers(metrics)) < 2:
                assert time.monotonic() < deadline, "one worker answered every request"
                statuses.append(client.get(ME, headers=headers).status_code)
            statuses += [client.get(ME, headers=headers).status_code for _ in range(20)]
    finally:
        launch.stop()

    assert statuses == [200] * len(statuses)


def test_the_signing_key_can_come_from_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """As a container secret provides it; a key set in the environment would come first."""
    monkeypatch.delenv(f"{ENV_PREFIX}SIGNING_KEY", raising=False)
    key_file = tmp_path / "signing_key"
    key_file.write_text(f"{OTHER_KEY}\n", encoding="utf-8")

    assert Settings(signing_key_file=key_file).current_signing_key == OTHER_KEY.encode()
    with pytest.raises(ValidationError, match="cannot read the signing key file"):
        Settings(signing_key_file=tmp_path / "missing")
    key_file.write_text("short", encoding="utf-8")
    with pytest.raises(ValidationError, match="at least 32 bytes long"):
        Settings(signing_key_file=key_file)
