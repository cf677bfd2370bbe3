"""Guessing and flooding, bounded: password checks and registrations are counted per client address and per account,
behind trusted proxies only by the address they saw, and nobody can lock an owner out from one address."""

import socket
from collections.abc import Callable, Iterator
from datetime import timedelta
from ipaddress import ip_network

import httpx2
import pytest
import redis
from sqlalchemy import Connection, func, insert, select

from {{ cookiecutter.package_name }}.auth import AUTH_URL, TOKEN_URL
from {{ cookiecutter.package_name }}.auth.models import SignInAttempts
from {{ cookiecutter.package_name }}.core import database
from {{ cookiecutter.package_name }}.core.models import utc_now
from {{ cookiecutter.package_name }}.settings import Settings

from .auth import ME, PASSWORD, assert_oauth_error, password_grant, register, signed_up
from .helpers import assert_problem, counted_in_redis

WINDOW = 15 * 60


def guess(client: httpx2.Client, email: str, times: int, address: str | None = None) -> list[int]:
    """Wrong passwords for an account, from ``address`` as a trusted proxy forwards it (or from the client itself)."""
    headers = {"X-Forwarded-For": address} if address else {}
    return [
        client.post(
            TOKEN_URL,
            data={"grant_type": "password", "username": email, "password": f"guess number {number:06}"},
            headers=headers,
        ).status_code
        for number in range(times)
    ]


def sign_in_from(client: httpx2.Client, email: str, address: str, password: str = PASSWORD) -> httpx2.Response:
    data = {"grant_type": "password", "username": email, "password": password}
    return client.post(TOKEN_URL, data=data, headers={"X-Forwarded-For": address})


def assert_too_many(response: httpx2.Response) -> None:
    assert_problem(response, 429)
    assert 0 < int(response.headers["retry-after"]) <= WINDOW


def counters(settings: Settings) -> int:
    found: list[int] = []
    database.run_on_connection(
        settings,
        lambda connection: found.append(
            connection.execute(select(func.count()).select_from(SignInAttempts)).scalar_one()
        ),
    )
    return found[0]


@pytest.fixture
def behind_proxy(make_client: Callable[[Settings], httpx2.Client], settings: Settings) -> httpx2.Client:
    """The application behind a trusted proxy on the loopback network, which the test client calls from."""
    return make_client(settings.model_copy(update={"trusted_proxies": [ip_network("127.0.0.0/8")]}))


def test_guessing_one_accounts_password_is_stopped_for_that_account_alone(
    anonymous_client: httpx2.Client, settings: Settings
) -> None:
    register(anonymous_client, "ada@example.com")
    register(anonymous_client, "bob@example.com")
    limit = settings.sign_in_attempts_per_account_and_address

    assert guess(anonymous_client, "ada@example.com", limit) == [400] * limit

    assert_too_many(password_grant(anonymous_client, "ada@example.com"))
    assert password_grant(anonymous_client, "bob@example.com").status_code == 200


def test_an_unknown_account_is_stopped_as_a_known_one_is(anonymous_client: httpx2.Client, settings: Settings) -> None:
    limit = settings.sign_in_attempts_per_account_and_address

    assert guess(anonymous_client, "nobody@example.com", limit) == [400] * limit

    assert_too_many(password_grant(anonymous_client, "nobody@example.com"))


def test_a_successful_sign_in_clears_the_accounts_attempts(anonymous_client: httpx2.Client, settings: Settings) -> None:
    register(anonymous_client, "ada@example.com")
    limit = settings.sign_in_attempts_per_account_and_address
    guess(anonymous_client, "ada@example.com", limit - 1)

    assert password_grant(anonymous_client, "ada@example.com").status_code == 200

    assert guess(anonymous_client, "ada@example.com", limit) == [400] * limit


def test_guessing_from_one_address_is_stopped_across_accounts(
    make_client: Callable[[Settings], httpx2.Client], settings: Settings
) -> None:
    client = make_client(settings.model_copy(update={"sign_in_attempts_per_address": 3}))

    assert [guess(client, f"user-{number}@example.com", 1)[0] for number in range(3)] == [400] * 3

    assert_too_many(password_grant(client, "someone-else@example.com"))


def test_every_process_sees_the_same_counts(
    anonymous_client: httpx2.Client, make_client: Callable[[Settings], httpx2.Client], settings: Settings
) -> None:
    """Two applications on one database, as two workers or two replicas are."""
    other_process = make_client(settings)
    register(anonymous_client, "ada@example.com")
    limit = settings.sign_in_attempts_per_account_and_address
    guess(anonymous_client, "ada@example.com", limit - 1)
    guess(other_process, "ada@example.com", 1)

    assert_too_many(password_grant(anonymous_client, "ada@example.com"))


# The owner, elsewhere


def test_guesses_from_one_address_do_not_lock_the_owner_out_from_another(
    behind_proxy: httpx2.Client, settings: Settings
) -> None:
    register(behind_proxy, "ada@example.com")
    limit = settings.sign_in_attempts_per_account_and_address
    guess(behind_proxy, "ada@example.com", limit, address="203.0.113.66")

    assert_too_many(sign_in_from(behind_proxy, "ada@example.com", "203.0.113.66"))
    assert sign_in_from(behind_proxy, "ada@example.com", "198.51.100.7").status_code == 200


def test_a_guess_spread_over_many_addresses_still_ends_for_that_account(
    make_client: Callable[[Settings], httpx2.Client], settings: Settings
) -> None:
    client = make_client(
        settings.model_copy(update={"trusted_proxies": [ip_network("127.0.0.0/8")], "sign_in_attempts_per_account": 6})
    )
    register(client, "ada@example.com")
    for host in range(3):
        assert guess(client, "ada@example.com", 2, address=f"203.0.113.{host + 1}") == [400, 400]

    assert_too_many(sign_in_from(client, "ada@example.com", "203.0.113.99"))


# Client addresses


def test_behind_a_trusted_proxy_each_client_has_its_own_address_counter(
    make_client: Callable[[Settings], httpx2.Client], settings: Settings
) -> None:
    client = make_client(
        settings.model_copy(update={"trusted_proxies": [ip_network("127.0.0.1")], "sign_in_attempts_per_address": 3})
    )
    assert [guess(client, f"user-{n}@example.com", 1, address="203.0.113.1")[0] for n in range(3)] == [400] * 3

    assert_too_many(sign_in_from(client, "someone@example.com", "203.0.113.1"))
    assert_oauth_error(sign_in_from(client, "someone@example.com", "203.0.113.2"), "invalid_grant")


def test_a_forged_forwarded_for_gains_nothing(
    make_client: Callable[[Settings], httpx2.Client], settings: Settings
) -> None:
    """From an untrusted peer the header is ignored; through a trusted proxy, only what the proxy appended counts."""
    untrusted = make_client(settings.model_copy(update={"sign_in_attempts_per_address": 2}))
    trusted = make_client(
        settings.model_copy(update={"trusted_proxies": [ip_network("127.0.0.1")], "sign_in_attempts_per_address": 2})
    )
    for client, forged in ((untrusted, "198.51.100.{}"), (trusted, "198.51.100.{}, 203.0.113.9")):
        for number in range(2):
            assert guess(client, f"user-{number}@example.com", 1, address=forged.format(number)) == [400]

        assert_too_many(sign_in_from(client, "someone@example.com", forged.format(7)))


def test_a_malformed_forwarded_for_is_believed_no_further_than_the_proxy(
    make_client: Callable[[Settings], httpx2.Client], settings: Settings
) -> None:
    client = make_client(
        settings.model_copy(update={"trusted_proxies": [ip_network("127.0.0.1")], "sign_in_attempts_per_address": 2})
    )
    for malformed in ("not-an-address", "999.0.2.1"):
        assert guess(client, "someone@example.com", 1, address=f"203.0.113.8, {malformed}") == [400]

    assert_too_many(sign_in_from(client, "someone@example.com", "still-not-an-address"))
    assert_oauth_error(sign_in_from(client, "someone@example.com", "203.0.113.8"), "invalid_grant")


# What is counted, and for how long


@pytest.mark.parametrize(
    ("field", "value"),
    [("username", "a" * 243 + "@example.com"), ("password", "p" * 129), ("refresh_token", "r" * 129)],
)
def test_an_over_long_token_parameter_is_an_invalid_request_that_counts_nothing(
    anonymous_client: httpx2.Client, settings: Settings, field: str, value: str
) -> None:
    grant = "refresh_token" if field == "refresh_token" else "password"
    data = {
        "grant_type": grant,
        "username": "ada@example.com",
        "password": PASSWORD,
        "refresh_token": "x",
        field: value,
    }

    assert_oauth_error(anonymous_client.post(TOKEN_URL, data=data), "invalid_request")
    assert counters(settings) == 0


def test_ended_windows_are_purged_by_the_next_attempt(anonymous_client: httpx2.Client, settings: Settings) -> None:
    ended = [
        {"key": f"password-address:192.0.2.{n}", "attempts": 3, "window_ends": utc_now() - timedelta(seconds=1)}
        for n in range(5)
    ]

    def add_ended(connection: Connection) -> None:
        connection.execute(insert(SignInAttempts), ended)
        connection.commit()

    database.run_on_connection(settings, add_ended)

    guess(anonymous_client, "ada@example.com", 1)

    assert counters(settings) == 3, "the ended counters are left, or this attempt's three are missing"


@pytest.mark.parametrize("action", ["password change", "account deletion"])
def test_the_current_password_is_checked_under_the_sign_in_limits(
    anonymous_client: httpx2.Client, settings: Settings, action: str
) -> None:
    headers = signed_up(anonymous_client, "ada@example.com")

    def confirm(password: str) -> httpx2.Response:
        if action == "password change":
            body = {"current_password": password, "new_password": "an entirely new passphrase"}
            return anonymous_client.post(f"{ME}/password", json=body, headers=headers)
        return anonymous_client.post(f"{ME}/delete", json={"current_password": password}, headers=headers)

    limit = settings.sign_in_attempts_per_account_and_address
    for number in range(limit):
        assert_problem(confirm(f"guess number {number:06}"), 403)

    assert_too_many(confirm(PASSWORD))


def test_registrations_are_limited_per_address(
    make_client: Callable[[Settings], httpx2.Client], settings: Settings
) -> None:
    client = make_client(settings.model_copy(update={"registrations_per_address": 2}))
    for number in range(2):
        register(client, f"user-{number}@example.com")

    response = client.post(f"{AUTH_URL}/register", json={"email": "user-9@example.com", "password": PASSWORD})

    assert_too_many(response)


# Where the counts live


@pytest.fixture
def redis_settings(settings: Settings) -> Iterator[Settings]:
    """Settings that count attempts in the tests' Redis database (see ``helpers.counted_in_redis``)."""
    with counted_in_redis(settings) as redis_counted:
        yield redis_counted


def test_with_redis_the_counts_live_in_redis_for_every_process(
    anonymous_client: httpx2.Client,
    make_client: Callable[[Settings], httpx2.Client],
    settings: Settings,
    redis_settings: Settings,
) -> None:
    first, second = make_client(redis_settings), make_client(redis_settings)
    register(anonymous_client, "ada@example.com")
    limit = settings.sign_in_attempts_per_account_and_address
    guess(first, "ada@example.com", limit - 1)
    guess(second, "ada@example.com", 1)

    assert_too_many(password_grant(first, "ada@example.com"))
    assert password_grant(anonymous_client, "ada@example.com").status_code == 200, "the database counted nothing"
    with redis.Redis.from_url(str(redis_settings.redis_url)) as server:
        assert max(int(server.get(key) or 0) for key in server.scan_iter("password-pair:*")) > limit


def test_with_redis_unreachable_a_sign_in_is_503(
    anonymous_client: httpx2.Client, make_client: Callable[[Settings], httpx2.Client], settings: Settings
) -> None:
    client = make_client(settings.model_copy(update={"redis_url": f"redis://127.0.0.1:{unused_port()}/0"}))
    register(anonymous_client, "ada@example.com")

    body = assert_problem(password_grant(client, "ada@example.com"), 503)

    assert "Redis" in body["detail"]


def unused_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port
