"""Three replicas of a bake's production server behind HAProxy, restarted one by one under load, lose nothing.

Each framework's bake runs on the local PostgreSQL, with its sign-in counts in Redis, as three replicas of
``python -m <package>`` with two workers each. HAProxy (Debian's) spreads the requests over them and health-checks
``/health/ready``. While threads send a bounded load of creates and reads through it, each replica in turn is taken
out of the balancer, as Kubernetes takes a pod out of its Service before SIGTERM reaches it, stopped with SIGTERM,
started again and put back once ready. Then:

- no request failed, and none got a status other than the one it should;
- every 201 names a row in the database, and the table holds nothing else;
- the replicas' metrics, scraped from each one before it stops and from every one at the end, add up to exactly the
  requests sent, route by route and status by status;
- sign-in throttling and refresh-token reuse detection hold across replicas;
- restarted with a low rate limit, the replicas let exactly that many of a client's concurrent reads through, counted
  once in Redis for all three (the load before runs under limits it never reaches);
- retries of a POST with one Idempotency-Key, sent to every replica in turn, replay the first answer;
- behind HAProxy, a trusted proxy, each client is counted by its own address (clients on 127.0.0.2 and 127.0.0.3),
  a client that forges X-Forwarded-For gains nothing, and guesses from one address do not lock the owner out at
  another.
"""

from __future__ import annotations

import csv
import itertools
import os
import shutil
import socket
import subprocess
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
import redis
from prometheus_client.parser import text_string_to_metric_families

from .baking import bake, saved_answers
from .databases import scratch_database
from .servers import free_port, start, stop, wait_until_live
from .toolchain import Environments, missing_tool, run_checked

pytestmark = pytest.mark.slow

REPLICAS = 3
WORKERS = 2
LOAD_REACHED_REQUESTS = 20
"""Requests a replica answers before it is restarted, and after, so that each of its processes takes part."""
LOAD_REACHED_TIMEOUT_SECONDS = 30
LOAD_THREADS = 4
LOAD_SECONDS_AT_MOST = 60
"""The load stops once every replica has been restarted, or after this long: the whole test takes well under two
minutes."""
REQUESTS_AT_MOST = 20_000
READY_TIMEOUT_SECONDS = 30
REDIS_DATABASES = {"fastapi": 2, "flask": 3}
"""A Redis database of each bake's own, for its sign-in counts; it must be empty, and is emptied again at the end."""
SIGNING_KEY = "replicas-test-signing-key-0123456789abcdef"
SIGN_IN_ATTEMPTS = 5
PASSWORD = "correct horse battery staple"
RATE_LIMIT = 30
"""The reads a client may make in a window once the load is over; the load runs under limits it never reaches."""
RATE_LIMITED_READS = 45
ITEMS = "/api/v1/items"
ITEM = "/api/v1/items/{item_id}"
HAPROXY_CONFIG = """\
global
    stats socket {socket} mode 600 level admin
defaults
    mode http
    timeout connect 2s
    timeout client 30s
    timeout server 30s
    # A health check's answer may be slow on a loaded machine; by default it would have to come within `inter`.
    timeout check 2s
    # A connection refused is retried on another replica: nothing reached the application.
    retries 3
    option redispatch 1
    retry-on conn-failure
    # A connection to a replica per request, so that none is reused after the replica has been taken out.
    option http-server-close
frontend api
    bind 127.0.0.1:{port}
    default_backend replicas
backend replicas
    balance roundrobin
    # The client's address, appended to whatever X-Forwarded-For the client sent.
    option forwardfor
    option httpchk GET /health/ready
    http-check expect status 200
    default-server inter 200ms fall 2 rise 2
{servers}
"""


@dataclass
class Replica:
    """One replica: its name in HAProxy, its ports, and its server process while it runs."""

    name: str
    port: int
    metrics_port: int
    process: subprocess.Popen[bytes] | None = None
    scrapes: list[Counter[tuple[str, str, str]]] = field(default_factory=list)
    answered_before: int = 0
    """HAProxy's count of this replica's answers when its last process was taken out."""


class Balancer:
    """HAProxy in the foreground, and its runtime API on a Unix socket."""

    def __init__(self, folder: Path, replicas: list[Replica]) -> None:
        self.port = free_port()
        self.socket = folder / "haproxy.sock"
        servers = "\n".join(f"    server {replica.name} 127.0.0.1:{replica.port} check" for replica in replicas)
        config = folder / "haproxy.cfg"
        config.write_text(HAPROXY_CONFIG.format(socket=self.socket, port=self.port, servers=servers), encoding="utf-8")
        self.log = folder / "haproxy.log"
        self.process = start([haproxy(), "-db", "-f", config], folder, os.environ, self.log)
        self.url = f"http://127.0.0.1:{self.port}"

    def command(self, line: str) -> str:
        deadline = time.monotonic() + READY_TIMEOUT_SECONDS
        while True:
            try:
                with socket.socket(socket.AF_UNIX) as connection:
                    connection.connect(str(self.socket))
                    connection.sendall(f"{line}\n".encode())
                    return b"".join(iter(lambda: connection.recv(65536), b"")).decode()
            except (FileNotFoundError, ConnectionRefusedError):
                assert self.process.poll() is None, f"HAProxy exited:\n{self.log.read_text()}"
                assert time.monotonic() < deadline, "HAProxy's runtime API did not answer"
                time.sleep(0.05)

    def servers(self) -> dict[str, dict[str, str]]:
        """``show stat`` of the replicas, by name: status (UP, DOWN, DRAIN, MAINT) and current sessions (scur)."""
        rows = csv.DictReader(self.command("show stat").removeprefix("# ").splitlines())
        return {row["svname"]: row for row in rows if row["pxname"] == "replicas" and row["svname"] != "BACKEND"}

    def wait_for(self, name: str, done: Any, what: str) -> None:
        deadline = time.monotonic() + READY_TIMEOUT_SECONDS
        while not done(self.servers()[name]):
            assert time.monotonic() < deadline, f"{name} never {what}: {self.servers()[name]}"
            time.sleep(0.05)

    def take_out(self, name: str) -> None:
        """Send no more requests to this replica, and return once it answers none."""
        self.command(f"set server replicas/{name} state drain")
        self.wait_for(name, lambda row: row["scur"] == "0", "finished its requests")

    def answered(self, name: str) -> int:
        """How many answers this replica has sent through the balancer, by HAProxy's count."""
        row = self.servers()[name]
        return sum(int(row[f"hrsp_{kind}"] or 0) for kind in ("1xx", "2xx", "3xx", "4xx", "5xx", "other"))

    def put_back(self, name: str) -> None:
        self.command(f"set server replicas/{name} state ready")
        self.wait_for(name, lambda row: row["status"] == "UP", "came back up")


def stop_all(replicas: list[Replica]) -> None:
    for replica in replicas:
        if replica.process is not None:
            stop(replica.process)


def haproxy() -> str:
    found = shutil.which("haproxy") or shutil.which("haproxy", path="/usr/sbin:/usr/local/sbin")
    return found or missing_tool("haproxy", "apt-get install haproxy (.ci/setup haproxy does)")


@dataclass
class Load:
    """Threads that create and read items through the balancer until told to stop; what they sent and got."""

    url: str
    headers: dict[str, str]
    stopping: threading.Event = field(default_factory=threading.Event)
    sent: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    created: list[int] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    budget: Iterator[int] = field(default_factory=lambda: iter(range(REQUESTS_AT_MOST)))

    def run(self, number: int) -> None:
        mine: list[int] = []
        with httpx.Client(base_url=self.url, headers=self.headers, timeout=30) as client:
            for step in itertools.count():
                if self.stopping.is_set() or next(self.budget, None) is None:
                    return
                if step % 3 == 0 or not mine:
                    method, route, url, expected = "POST", ITEMS, ITEMS, 201
                    request: dict[str, Any] = {"json": {"name": f"Load {number}-{step}"}}
                elif step % 3 == 1:
                    method, route, url, expected, request = "GET", ITEMS, ITEMS, 200, {"params": {"limit": 5}}
                else:
                    method, route, url, expected, request = "GET", ITEM, f"{ITEMS}/{mine[-1]}", 200, {}
                try:
                    response = client.request(method, url, **request)
                except httpx.HTTPError as error:
                    with self.lock:
                        self.failures.append(f"{method} {url}: {error!r}")
                    continue
                with self.lock:
                    self.sent[method, route, str(response.status_code)] += 1
                    if response.status_code != expected:
                        self.failures.append(f"{method} {url}: {response.status_code} {response.text[:200]}")
                    elif method == "POST":
                        mine.append(response.json()["id"])
                        self.created.append(mine[-1])


def wait_for_load(replica: Replica) -> None:
    """Wait until the replica's process has answered some of the load, as its metrics say."""
    deadline = time.monotonic() + LOAD_REACHED_TIMEOUT_SECONDS
    while sum(scrape(replica).values()) < LOAD_REACHED_REQUESTS:
        assert time.monotonic() < deadline, f"the load never reached {replica.name}"
        time.sleep(0.05)


def scrape_all_answered(replica: Replica, balancer: Balancer) -> Counter[tuple[str, str, str]]:
    """The replica's answered requests from its metrics, once they count every answer its process sent through the
    balancer: a worker writes its latest requests to the metrics files a moment after answering them."""
    answered = balancer.answered(replica.name)
    expected = answered - replica.answered_before
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    while True:
        scraped = scrape(replica)
        counted = sum(count for (_, route, _), count in scraped.items() if not route.startswith("/health"))
        if counted >= expected:
            replica.answered_before = answered
            return scraped
        assert time.monotonic() < deadline, f"{replica.name}'s metrics count {counted} of its {expected} answers"
        time.sleep(0.05)


def scrape(replica: Replica) -> Counter[tuple[str, str, str]]:
    """The replica's answered requests by method, route and status, from its metrics port."""
    text = httpx.get(f"http://127.0.0.1:{replica.metrics_port}/metrics", timeout=10).raise_for_status().text
    return Counter(
        {
            (sample.labels["method"], sample.labels["route"], sample.labels["status"]): int(sample.value)
            for family in text_string_to_metric_families(text)
            for sample in family.samples
            if sample.name == "http_requests_total"
        }
    )


@contextmanager
def empty_redis_database(number: int) -> Iterator[str]:
    url = f"redis://127.0.0.1:6379/{number}"
    client = redis.Redis.from_url(url)
    assert client.dbsize() == 0, f"Redis database {number} holds keys; the test uses it and would empty it"
    try:
        yield url
    finally:
        client.flushdb()
        client.close()


def token_grant(client: httpx.Client, **form: str) -> httpx.Response:
    return client.post("/api/v1/auth/token", data=form)


@pytest.mark.parametrize("framework", ["fastapi", "flask"])
def test_replicas_restarted_one_by_one_under_load_lose_nothing(
    cookies: Any, environments: Environments, tmp_path: Path, framework: str
) -> None:
    project = bake(cookies, {"framework": framework, "database": "postgresql"})
    saved = saved_answers(project)
    python = environments.sync(project, framework, saved["python_version"])
    prefix = saved["__env_prefix"]
    replicas = [Replica(f"r{number}", free_port(), free_port()) for number in range(REPLICAS)]

    with (
        scratch_database("postgresql", tmp_path) as database_url,
        empty_redis_database(REDIS_DATABASES[framework]) as redis_url,
        ExitStack() as running,
    ):
        env = {
            **os.environ,
            f"{prefix}DATABASE_URL": database_url,
            f"{prefix}REDIS_URL": redis_url,
            f"{prefix}SIGNING_KEY": SIGNING_KEY,
            f"{prefix}WORKERS": str(WORKERS),
            f"{prefix}SIGN_IN_ATTEMPTS_PER_ACCOUNT_AND_ADDRESS": str(SIGN_IN_ATTEMPTS),
            f"{prefix}TRUSTED_PROXIES": '["127.0.0.1"]',
            f"{prefix}RATE_LIMIT_READS": str(REQUESTS_AT_MOST),
            f"{prefix}RATE_LIMIT_WRITES": str(REQUESTS_AT_MOST),
            f"{prefix}LOG_LEVEL": "WARNING",
        }
        run_checked([python, "-m", "alembic", "upgrade", "head"], project, env)

        def start_replica(replica: Replica, changed: Mapping[str, str] | None = None) -> None:
            ports = {f"{prefix}PORT": str(replica.port), f"{prefix}METRICS_PORT": str(replica.metrics_port)}
            log = tmp_path / f"{replica.name}.log"
            replica.process = start(
                [python, "-m", saved["package_name"]], project, {**env, **(changed or {}), **ports}, log
            )

        def wait_ready(replica: Replica) -> None:
            assert replica.process is not None
            wait_until_live(replica.process, f"http://127.0.0.1:{replica.port}", tmp_path / f"{replica.name}.log")

        for replica in replicas:
            start_replica(replica)
        running.callback(stop_all, replicas)
        for replica in replicas:
            wait_ready(replica)
        balancer = Balancer(tmp_path, replicas)
        running.callback(stop, balancer.process)
        for replica in replicas:
            balancer.wait_for(replica.name, lambda row: row["status"] == "UP", "came up")

        with httpx.Client(base_url=balancer.url) as client:
            client.post("/api/v1/auth/register", json={"email": "load@example.com", "password": PASSWORD})
            tokens = token_grant(client, grant_type="password", username="load@example.com", password=PASSWORD)
            access_token = tokens.raise_for_status().json()["access_token"]
        load = Load(balancer.url, {"Authorization": f"Bearer {access_token}"})
        threads = [threading.Thread(target=load.run, args=(number,)) for number in range(LOAD_THREADS)]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        try:
            for replica in replicas:
                assert replica.process is not None
                wait_for_load(replica)
                balancer.take_out(replica.name)
                replica.scrapes.append(scrape_all_answered(replica, balancer))
                stop(replica.process)
                assert replica.process.returncode == 0, (tmp_path / f"{replica.name}.log").read_text()
                start_replica(replica)
                wait_ready(replica)
                balancer.put_back(replica.name)
                assert time.monotonic() - started < LOAD_SECONDS_AT_MOST, "the restarts took too long"
            for replica in replicas:
                wait_for_load(replica)
        finally:
            load.stopping.set()
            for thread in threads:
                thread.join()
        for replica in replicas:
            balancer.take_out(replica.name)
            replica.scrapes.append(scrape_all_answered(replica, balancer))

        assert not load.failures, f"{len(load.failures)} failed requests, the first: {load.failures[:5]}"
        assert sum(load.sent.values()) > 100 * REPLICAS, "too little load to prove anything"
        with psycopg.connect(database_url) as connection:
            rows = [row[0] for row in connection.execute("SELECT id FROM items")]
        assert sorted(rows) == sorted(load.created), "a 201 names no row, or a row has no 201"

        answered = sum((scraped for replica in replicas for scraped in replica.scrapes), Counter())
        load_routes = {(method, route) for method, route, _ in load.sent}
        assert Counter({key: count for key, count in answered.items() if key[:2] in load_routes}) == load.sent

        for replica in replicas:
            balancer.put_back(replica.name)
        check_accounts_across_replicas(balancer.url)
        check_retries_across_replicas(balancer, replicas, load.headers, database_url)

        for replica in replicas:
            assert replica.process is not None
            balancer.take_out(replica.name)
            stop(replica.process)
            start_replica(replica, {f"{prefix}RATE_LIMIT_READS": str(RATE_LIMIT)})
            wait_ready(replica)
            balancer.put_back(replica.name)
        check_rate_limit_across_replicas(balancer.url)


def check_retries_across_replicas(
    balancer: Balancer, replicas: list[Replica], headers: dict[str, str], database_url: str
) -> None:
    """Retries of one POST with one Idempotency-Key, spread over every replica by the balancer, all get the first
    answer, and the item is made once."""
    before = {replica.name: balancer.answered(replica.name) for replica in replicas}
    key = {"Idempotency-Key": str(uuid.uuid4())}
    with httpx.Client(base_url=balancer.url, headers=headers) as client:
        answers = [
            client.post(ITEMS, json={"name": "Retried across replicas"}, headers=key) for _ in range(2 * REPLICAS)
        ]

    assert all(balancer.answered(name) > answered for name, answered in before.items()), "a replica got no retry"
    first = answers[0]
    assert first.status_code == 201, first.text
    replayed = {
        (answer.status_code, answer.headers["location"], answer.headers["etag"], answer.content) for answer in answers
    }
    assert replayed == {(201, first.headers["location"], first.headers["etag"], first.content)}
    with psycopg.connect(database_url) as connection:
        made = connection.execute("SELECT count(*) FROM items WHERE name = 'Retried across replicas'").fetchone()
    assert made == (1,)


def client_at(url: str, address: str) -> httpx.Client:
    """A client whose connections come from ``address``, one of the loopback network's."""
    return httpx.Client(base_url=url, transport=httpx.HTTPTransport(local_address=address))


def check_accounts_across_replicas(url: str) -> None:
    """Each request goes to the next replica: what one replica counted or revoked, the others must know. The guesser
    and the owner connect from two addresses; the guesser claims the owner's in X-Forwarded-For."""
    with client_at(url, "127.0.0.2") as guesser, client_at(url, "127.0.0.3") as owner:
        owner.post("/api/v1/auth/register", json={"email": "ada@example.com", "password": PASSWORD})
        limit = SIGN_IN_ATTEMPTS
        forged = {"X-Forwarded-For": "127.0.0.3"}
        guesses = [
            guesser.post(
                "/api/v1/auth/token",
                data={"grant_type": "password", "username": "ada@example.com", "password": f"guess {number}"},
                headers=forged,
            )
            for number in range(limit)
        ]
        assert [guess.status_code for guess in guesses] == [400] * limit
        throttled = token_grant(guesser, grant_type="password", username="ada@example.com", password=PASSWORD)
        assert throttled.status_code == 429, throttled.text
        signed_in = token_grant(owner, grant_type="password", username="ada@example.com", password=PASSWORD)
        assert signed_in.status_code == 200, f"the owner is locked out by another address's guesses: {signed_in.text}"

        owner.post("/api/v1/auth/register", json={"email": "bob@example.com", "password": PASSWORD})
        form = {"grant_type": "password", "username": "bob@example.com", "password": PASSWORD}
        stolen = token_grant(owner, **form).raise_for_status().json()["refresh_token"]
        rightful = token_grant(owner, grant_type="refresh_token", refresh_token=stolen)
        rightful_token = rightful.raise_for_status().json()["refresh_token"]
        assert token_grant(owner, grant_type="refresh_token", refresh_token=stolen).status_code == 400
        assert token_grant(owner, grant_type="refresh_token", refresh_token=rightful_token).status_code == 400


def check_rate_limit_across_replicas(url: str) -> None:
    """A client's reads, sent at once through the balancer, which spreads them over the replicas: exactly the limit
    gets through; counted by each replica on its own, up to three times as many would."""
    barrier = threading.Barrier(RATE_LIMITED_READS)

    def read(_: int) -> httpx.Response:
        with client_at(url, "127.0.0.4") as client:
            barrier.wait()
            return client.get(ITEMS)

    with ThreadPoolExecutor(max_workers=RATE_LIMITED_READS) as pool:
        answers = list(pool.map(read, range(RATE_LIMITED_READS)))
    statuses = Counter(answer.status_code for answer in answers)
    assert statuses == {401: RATE_LIMIT, 429: RATE_LIMITED_READS - RATE_LIMIT}, statuses
    refused = next(answer for answer in answers if answer.status_code == 429)
    assert refused.headers["RateLimit-Policy"] == f'"reads";q={RATE_LIMIT};w=60'
    assert int(refused.headers["Retry-After"]) >= 1
