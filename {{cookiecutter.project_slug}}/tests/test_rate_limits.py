"""Rate limits per caller on the API: reads and writes counted apart, per member or per client address, over the
limit 429 with Retry-After and the draft's RateLimit fields; held by every worker of the production server, in the
database or in Redis.

The tests' settings raise the limits beyond any other test's requests (``helpers.RAISED_RATE_LIMITS``); each test
here sets its own.
"""

import random
import re
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from ipaddress import ip_network
from pathlib import Path

import httpx2
import pytest
import redis
from sqlalchemy import Connection, select

from {{ cookiecutter.package_name }}.core import database
from {{ cookiecutter.package_name }}.core.counters import RateLimitCounters
from {{ cookiecutter.package_name }}.core.metrics import METRICS_URL
from {{ cookiecutter.package_name }}.core.metrics_files import MULTIPROCESS_VARIABLE
from {{ cookiecutter.package_name }}.core.models import utc_now
from {{ cookiecutter.package_name }}.items import URL as ITEMS
from {{ cookiecutter.package_name }}.settings import Settings
from {{ cookiecutter.package_name }}.web.rate_limits import MAX_LEASE, Leases, Policy

from .auth import sign_in
from .helpers import assert_problem, counted_in_redis
from .live_server import Launch, counting_workers, live_client

WINDOW = 60
RATE_LIMIT = re.compile(r'^"(?P<policy>reads|writes)";r=(?P<remaining>\d+);t=(?P<reset>\d+)$')
CONCURRENT_REQUESTS = 60
SHARED_LIMIT = 40
BOTH_WORKERS_SECONDS = 30


def limited(settings: Settings, **limits: object) -> Settings:
    return settings.model_copy(update={"rate_limit_reads": 1000, "rate_limit_writes": 1000, **limits})


def remaining(response: httpx2.Response) -> tuple[str, int, int]:
    """The policy, what remains of it and the seconds to its window's end, from the RateLimit field."""
    match = RATE_LIMIT.match(response.headers["RateLimit"])
    assert match, response.headers["RateLimit"]
    return match["policy"], int(match["remaining"]), int(match["reset"])


def assert_limited(response: httpx2.Response, policy: str, quota: int) -> None:
    """429, a problem, Retry-After and the fields of the policy that was used up."""
    problem = assert_problem(response, 429)
    assert "Too many requests" in problem["detail"]
    assert response.headers["RateLimit-Policy"] == f'"{policy}";q={quota};w={WINDOW}'
    name, left, reset = remaining(response)
    assert (name, left) == (policy, 0)
    assert 1 <= int(response.headers["Retry-After"]) <= WINDOW
    assert reset <= int(response.headers["Retry-After"])


def test_a_caller_over_the_read_limit_gets_429_with_retry_after_and_the_fields(
    make_client: Callable[[Settings], httpx2.Client], settings: Settings
) -> None:
    client = make_client(limited(settings, rate_limit_reads=3))
    client.headers.update(sign_in(client))
    answers = [client.get(ITEMS) for _ in range(3)]

    assert [answer.status_code for answer in answers] == [200] * 3
    assert [remaining(answer)[:2] for answer in answers] == [("reads", 2), ("reads", 1), ("reads", 0)]
    assert {answer.headers["RateLimit-Policy"] for answer in answers} == {f'"reads";q=3;w={WINDOW}'}
    assert all(0 < remaining(answer)[2] <= WINDOW for answer in answers)
    assert_limited(client.get(ITEMS), "reads", 3)


def stored_counts(settings: Settings) -> list[int]:
    counts: list[int] = []

    def read(connection: Connection) -> None:
        counts.extend(connection.execute(select(RateLimitCounters.attempts)).scalars())

    database.run_on_connection(settings, read)
    return counts


def test_a_process_reserves_a_callers_requests_in_leases_and_counts_each_in_its_fields(
    make_client: Callable[[Settings], httpx2.Client], settings: Settings
) -> None:
    quota = 100 * MAX_LEASE
    client = make_client(limited(settings, rate_limit_reads=quota))
    answers = [client.get(ITEMS) for _ in range(MAX_LEASE + 1)]

    assert [remaining(answer)[1] for answer in answers] == list(range(quota - 1, quota - MAX_LEASE - 2, -1))
    assert stored_counts(settings) == [2 * MAX_LEASE]


def test_leases_let_no_caller_past_its_quota_however_processes_interleave() -> None:
    """Four processes share one counter, their reservations answered in any order: no more requests than the quota
    ever get through, and once every process has spent its leases, exactly the quota has, for a third as many
    writes to the counter or fewer."""
    policy = Policy("reads", 1000, timedelta(minutes=1))
    now = utc_now()
    window_ends = now + policy.window
    processes = [Leases() for _ in range(4)]
    chance = random.Random(31)
    stored = writes = served = 0
    in_flight: list[tuple[Leases, int, int]] = []
    last = 0

    def record(count: int) -> None:
        nonlocal served, last
        served += 1 if count <= policy.quota else 0
        last = count

    def ask(process: Leases) -> None:
        nonlocal stored, writes
        spent = process.spend("key", policy, now)
        if spent is not None:
            record(spent[0])
            return
        size = process.size("key", policy, now)
        stored += size
        writes += 1
        in_flight.append((process, size, stored))

    def answer(index: int) -> None:
        process, size, count = in_flight.pop(index)
        record(process.reserve("key", policy, (size, count, window_ends), now))

    for _ in range(2000):
        if in_flight and chance.random() < 0.4:
            answer(chance.randrange(len(in_flight)))
        else:
            ask(chance.choice(processes))
        assert served <= policy.quota
    while in_flight:
        answer(0)
    for process in processes:
        ask(process)
        while in_flight or last <= policy.quota:
            if in_flight:
                answer(0)
            else:
                ask(process)

    assert served == policy.quota
    assert all((process.spend("key", policy, now) or (0,))[0] > policy.quota for process in processes)
    assert writes < policy.quota / 3


def test_reads_and_writes_are_counted_apart_each_under_its_setting(
    make_client: Callable[[Settings], httpx2.Client], settings: Settings
) -> None:
    client = make_client(limited(settings, rate_limit_reads=100, rate_limit_writes=3))
    client.headers.update(sign_in(client))
    created = [client.post(ITEMS, json={"name": f"Item {number}"}) for number in range(3)]

    assert [answer.status_code for answer in created] == [201] * 3
    assert remaining(created[-1])[:2] == ("writes", 0)
    assert_limited(client.post(ITEMS, json={"name": "One too many"}), "writes", 3)
    assert client.get(ITEMS).json()["total"] == 3


def test_two_clients_behind_a_trusted_proxy_are_counted_apart(
    make_client: Callable[[Settings], httpx2.Client], settings: Settings
) -> None:
    proxy = make_client(limited(settings, rate_limit_reads=2, trusted_proxies=[ip_network("127.0.0.0/8")]))
    first = {"X-Forwarded-For": "198.51.100.1"}
    statuses = [proxy.get(ITEMS, headers=first).status_code for _ in range(2)]

    assert 429 not in statuses
    assert_limited(proxy.get(ITEMS, headers=first), "reads", 2)
    assert proxy.get(ITEMS, headers={"X-Forwarded-For": "198.51.100.2"}).status_code != 429


def test_a_forged_forwarded_for_escapes_no_count(
    make_client: Callable[[Settings], httpx2.Client], settings: Settings
) -> None:
    """From an untrusted peer the header is ignored; through a trusted proxy, only what the proxy appended counts."""
    untrusted = make_client(limited(settings, rate_limit_reads=2))
    trusted = make_client(limited(settings, rate_limit_reads=2, trusted_proxies=[ip_network("127.0.0.1")]))
    for client, forged in ((untrusted, "198.51.100.{}"), (trusted, "198.51.100.{}, 203.0.113.9")):
        statuses = [client.get(ITEMS, headers={"X-Forwarded-For": forged.format(n)}).status_code for n in range(3)]
        assert statuses[-1] == 429, statuses


def test_with_the_limits_off_nothing_is_counted(
    make_client: Callable[[Settings], httpx2.Client], settings: Settings
) -> None:
    client = make_client(limited(settings, rate_limits_enabled=False, rate_limit_reads=1))
    answers = [client.get(ITEMS) for _ in range(3)]

    assert 429 not in {answer.status_code for answer in answers}
    assert not any("RateLimit" in answer.headers for answer in answers)


def test_health_probes_docs_and_metrics_are_never_limited(
    make_client: Callable[[Settings], httpx2.Client], settings: Settings
) -> None:
    client = make_client(limited(settings, rate_limit_reads=1))
    for url in ("/health/live", "/health/ready", "/openapi.json", "/docs", "/redoc", METRICS_URL):
        answers = [client.get(url) for _ in range(3)]
        assert [answer.status_code for answer in answers] == [200] * 3, url
        assert not any("RateLimit" in answer.headers for answer in answers), url
    assert client.get(ITEMS).status_code != 429


def test_every_api_operation_documents_the_429_and_the_fields(anonymous_client: httpx2.Client) -> None:
    document = anonymous_client.get("/openapi.json").json()
    operations = [
        (path, method, operation)
        for path, item in document["paths"].items()
        if path.startswith("/api/")
        for method, operation in item.items()
    ]

    assert operations
    for path, method, operation in operations:
        refusal = operation["responses"]["429"]
        assert {"Retry-After", "RateLimit-Policy", "RateLimit"} <= set(refusal["headers"]), (path, method)
        assert "application/problem+json" in refusal["content"]
        for status, answer in operation["responses"].items():
            if status.startswith("2"):
                assert {"RateLimit-Policy", "RateLimit"} <= set(answer["headers"]), (path, method, status)


def concurrent_statuses(base_url: str, count: int) -> list[int]:
    """``count`` anonymous reads sent at once, each on a connection of its own, as from one address."""
    barrier = threading.Barrier(count)

    def read(_: int) -> int:
        with live_client(base_url, headers={"Connection": "close"}) as client:
            barrier.wait()
            return client.get(ITEMS).status_code

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(read, range(count)))


def assert_shared_by_two_workers(settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The production server with two workers, both answering (health probes, which are not counted, until each has
    answered one): of the reads then sent at once, exactly the limit gets through. Were each worker to count on its
    own, every read that reached the second would get through besides the limit of the first."""
    metrics = tmp_path / "metrics"
    monkeypatch.setenv(MULTIPROCESS_VARIABLE, str(metrics))
    overrides = {"workers": "2", "rate_limit_reads": str(SHARED_LIMIT), "redis_url": settings.redis_url}
    launch = Launch(settings, tmp_path, measured=False, more_overrides=overrides)
    try:
        server = launch.ready()
        with live_client(server.base_url, headers={"Connection": "close"}) as prober:
            deadline = time.monotonic() + BOTH_WORKERS_SECONDS
            while len(counting_workers(metrics)) < 2:
                assert time.monotonic() < deadline, "one worker answered every probe"
                assert prober.get("/health/live").status_code == 200
        statuses = concurrent_statuses(server.base_url, CONCURRENT_REQUESTS)
    finally:
        launch.stop()

    assert statuses.count(429) == CONCURRENT_REQUESTS - SHARED_LIMIT, statuses


def test_the_production_servers_workers_share_the_count_in_the_database(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert_shared_by_two_workers(settings, tmp_path, monkeypatch)


@pytest.fixture
def redis_settings(settings: Settings) -> Iterator[Settings]:
    """Settings that count requests in the tests' Redis database (see ``helpers.counted_in_redis``)."""
    with counted_in_redis(settings) as redis_counted:
        yield redis_counted


def test_with_redis_the_counts_live_in_redis_for_every_process(
    make_client: Callable[[Settings], httpx2.Client], redis_settings: Settings
) -> None:
    first, second = (make_client(limited(redis_settings, rate_limit_reads=2)) for _ in range(2))
    first.get(ITEMS)
    second.get(ITEMS)

    assert_limited(first.get(ITEMS), "reads", 2)
    with redis.Redis.from_url(str(redis_settings.redis_url)) as server:
        assert server.dbsize() > 0


def test_with_redis_the_production_servers_workers_share_the_count(
    redis_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert_shared_by_two_workers(redis_settings, tmp_path, monkeypatch)
