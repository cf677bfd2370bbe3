"""Prometheus metrics at ``/metrics``: requests by route template, the database pool, and exact sums over a server's
worker processes."""

import os
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx2
import pytest
from prometheus_client import CollectorRegistry, Histogram, generate_latest
from sqlalchemy import create_engine

from {{ cookiecutter.package_name }}.core.metrics import (
    LATENCY_BUCKETS,
    METRICS_URL,
    UNMATCHED_ROUTE,
    LiveWorkers,
    exposition,
    measure_pool,
    tally,
)
from {{ cookiecutter.package_name }}.core.metrics_files import MULTIPROCESS_VARIABLE, metrics_folder, served_metrics
from {{ cookiecutter.package_name }}.items import URL as ITEMS
from {{ cookiecutter.package_name }}.settings import Settings

from .auth import sign_in
from .helpers import Samples, assert_problem, create, samples
from .live_server import Launch, counting_workers, free_port, live_client

ITEM = ITEMS + "/{item_id}"
SERVED_REQUESTS = 60
BOTH_WORKERS_SECONDS = 20


def scrape(client: httpx2.Client) -> Samples:
    response = client.get(METRICS_URL)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return samples(response.text)


def requests(scraped: Samples, method: str, route: str, status: int) -> float:
    labels = frozenset({"method": method, "route": route, "status": str(status)}.items())
    return scraped.get(("http_requests_total", labels), 0)


def test_requests_are_counted_by_route_template_method_and_status(client: httpx2.Client) -> None:
    before = scrape(client)
    item = create(client, ITEMS, name="Counted")
    assert client.get(f"{ITEMS}/{item['id']}").status_code == 200
    assert client.head(f"{ITEMS}/{item['id']}").status_code == 200
    assert client.get(f"{ITEMS}/999999").status_code == 404
    assert client.get("/no/such/page").status_code == 404
    assert client.request("BREW", ITEMS).status_code == 405
    after = scrape(client)

    def counted(method: str, route: str, status: int) -> float:
        return requests(after, method, route, status) - requests(before, method, route, status)

    assert counted("POST", ITEMS, 201) == 1
    assert counted("GET", ITEM, 200) == 1
    assert counted("HEAD", ITEM, 200) == 1
    assert counted("GET", ITEM, 404) == 1
    assert counted("GET", UNMATCHED_ROUTE, 404) == 1
    assert counted("other", UNMATCHED_ROUTE, 405) == 1
    routes = {dict(labels).get("route") for _, labels in after}
    assert f"{ITEMS}/{item['id']}" not in routes
    assert METRICS_URL not in routes


def test_latency_is_a_histogram_beside_the_build_and_the_requests_in_flight(client: httpx2.Client) -> None:
    client.get(ITEMS)

    scraped = scrape(client)

    labels = frozenset({"method": "GET", "route": ITEMS, "status": "200"}.items())
    count = scraped[("http_request_duration_seconds_count", labels)]
    assert count == requests(scraped, "GET", ITEMS, 200)
    assert scraped[("http_request_duration_seconds_bucket", labels | {("le", "+Inf")})] == count
    assert scraped[("http_requests_in_flight", frozenset())] == 0
    build = [labels for name, labels in scraped if name == "build_info"]
    assert [dict(labels)["service"] for labels in build] == ["{{ cookiecutter.package_name }}"]


def test_latencies_written_together_are_exposed_as_one_at_a_time_would_be() -> None:
    """On and between the buckets' bounds, and beyond the last finite one, against prometheus-client's own
    histogram."""
    latencies = [0.0, LATENCY_BUCKETS[0], 0.0051, 0.3, LATENCY_BUCKETS[-2], LATENCY_BUCKETS[-2] + 1]
    registry = CollectorRegistry()
    direct = Histogram("direct_seconds", "Observed one at a time.", registry=registry, buckets=LATENCY_BUCKETS)
    route = "/tests/latencies"
    for seconds in latencies:
        direct.observe(seconds)
        tally.started()
        tally.finished("GET", route, 200, seconds)

    labels = frozenset({"method": "GET", "route": route, "status": "200"}.items())
    written = {
        (name.removeprefix("http_request_duration"), dict(other - labels).get("le")): value
        for (name, other), value in samples(exposition().decode()).items()
        if name.startswith("http_request_duration_seconds_") and not name.endswith("_created") and labels <= other
    }
    expected = {
        (name.removeprefix("direct"), dict(other).get("le")): value
        for (name, other), value in samples(generate_latest(registry).decode()).items()
        if not name.endswith("_created")
    }
    assert written == expected
    assert written[("_seconds_count", None)] == len(latencies)
    assert requests(samples(exposition().decode()), "GET", route, 200) == len(latencies)


def test_metrics_stay_out_of_the_api_document(anonymous_client: httpx2.Client) -> None:
    assert METRICS_URL not in anonymous_client.get("/openapi.json").json()["paths"]


@pytest.mark.parametrize("change", [{"metrics_enabled": False}, {"metrics_port": 9464}], ids=["off", "own-port"])
def test_metrics_can_be_switched_off_or_moved_off_the_api(
    make_client: Callable[[Settings], httpx2.Client], settings: Settings, change: dict[str, object]
) -> None:
    client = make_client(settings.model_copy(update=change))

    assert_problem(client.get(METRICS_URL), 404)


def test_the_pool_gauges_follow_connections_lent_out_and_beyond_the_pool_size(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'pool.db'}", pool_size=1, max_overflow=2)
    measure_pool(engine)

    def gauge(name: str) -> float:
        return samples(exposition().decode())[(name, frozenset())]

    in_use, overflow = gauge("database_pool_connections_in_use"), gauge("database_pool_overflow_connections")
    with engine.connect(), engine.connect():
        assert gauge("database_pool_connections_in_use") == in_use + 2
        assert gauge("database_pool_overflow_connections") == 1
    assert gauge("database_pool_connections_in_use") == in_use
    assert gauge("database_pool_overflow_connections") == overflow
    engine.dispose()


def test_a_dead_worker_keeps_its_counts_and_loses_its_gauges(tmp_path: Path) -> None:
    """As when a server replaces a worker that crashed in the middle of a request."""
    script = """
        from {{ cookiecutter.package_name }}.core.metrics import tally
        tally.started()
        tally.finished("GET", "/health/live", 200, 0.001)
        tally.started()
    """
    env = {MULTIPROCESS_VARIABLE: str(tmp_path)}
    subprocess.run([sys.executable, "-c", textwrap.dedent(script)], env=env, check=True)
    assert list(tmp_path.glob("gauge_livesum_*.db"))

    workers = CollectorRegistry()
    workers.register(LiveWorkers(str(tmp_path)))
    scraped = samples(generate_latest(workers).decode())

    assert requests(scraped, "GET", "/health/live", 200) == 1
    assert scraped.get(("http_requests_in_flight", frozenset()), 0) == 0
    assert not list(tmp_path.glob("gauge_livesum_*.db"))


def test_a_scrape_skips_the_file_a_starting_worker_is_creating(tmp_path: Path) -> None:
    """prometheus-client creates a worker's file empty and sizes it a moment later; a scrape in that moment fails
    unless it passes the file by."""
    script = """
        from {{ cookiecutter.package_name }}.core.metrics import tally
        tally.started()
        tally.finished("GET", "/health/live", 200, 0.001)
    """
    env = {MULTIPROCESS_VARIABLE: str(tmp_path)}
    subprocess.run([sys.executable, "-c", textwrap.dedent(script)], env=env, check=True)
    (tmp_path / f"gauge_livesum_{os.getpid()}.db").touch()
    (tmp_path / f"counter_{os.getpid()}.db").touch()

    workers = CollectorRegistry()
    workers.register(LiveWorkers(str(tmp_path)))
    scraped = samples(generate_latest(workers).decode())

    assert requests(scraped, "GET", "/health/live", 200) == 1


def test_the_metrics_folder_must_come_before_prometheus_client() -> None:
    with pytest.raises(RuntimeError, match="imported before the metrics folder was prepared"), metrics_folder():
        pass


def test_a_server_without_metrics_gets_no_metrics_folder(settings: Settings) -> None:
    with served_metrics(settings.model_copy(update={"metrics_enabled": False})):
        assert MULTIPROCESS_VARIABLE not in os.environ


def test_a_server_of_two_workers_reports_exactly_the_requests_it_answered(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a port of its own, from a folder named by the standard variable, which an earlier run left files in."""
    folder = tmp_path / "metrics"
    folder.mkdir()
    (folder / "counter_1.db").write_bytes(b"left by an earlier run")
    monkeypatch.setenv(MULTIPROCESS_VARIABLE, str(folder))
    metrics_port = free_port()
    launch = Launch(settings, tmp_path, workers="2", metrics_port=str(metrics_port))
    try:
        server = launch.ready()
        # A connection per request, as from many clients, so that both workers answer.
        with (
            live_client(server.base_url, headers={"Connection": "close"}) as client,
            ThreadPoolExecutor(max_workers=4) as pool,
        ):
            client.headers.update(sign_in(client))
            statuses = list(pool.map(lambda _: client.get(ITEMS).status_code, range(SERVED_REQUESTS)))
            # A worker counts its first request in a file of its own: until both have, one may still be starting.
            deadline = time.monotonic() + BOTH_WORKERS_SECONDS
            while len(counting_workers(folder)) < 2:
                assert time.monotonic() < deadline, "one worker answered every request"
                statuses.append(client.get(ITEMS).status_code)
            assert_problem(client.get(METRICS_URL), 404)
        # A worker counts a request as its handling ends, which may be just after the client has the answer.
        with live_client(f"http://127.0.0.1:{metrics_port}") as metrics_client:
            scraped = scrape(metrics_client)
            while requests(scraped, "GET", ITEMS, 200) < len(statuses) and time.monotonic() < deadline:
                time.sleep(0.05)
                scraped = scrape(metrics_client)
        assert server.terminate() == 0
    finally:
        launch.stop()

    assert statuses == [200] * len(statuses)
    assert requests(scraped, "GET", ITEMS, 200) == len(statuses)
    assert scraped[("http_requests_in_flight", frozenset())] == 0
    assert not (folder / "counter_1.db").exists()
