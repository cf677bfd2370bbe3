"""Real Celery workers for the jobs tests: ``python -m {{ cookiecutter.package_name }} worker`` on the run's database
and broker.

The broker is the Redis database that TEST_BROKER_URL names (by default number 14 of the local Redis), emptied when
the run starts and when it ends; or a RabbitMQ, whose queues the run deletes. Each run and each test that starts
workers of its own queues its jobs in a queue of its own, so that they never take each other's jobs. Every worker also
imports the tests' own kind of job, ``counting_job``.
"""

import contextlib
import os
import signal
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx2
import pytest
import redis
from celery import Celery
from kombu import Queue

from {{ cookiecutter.package_name }}.jobs.broker import create_celery
from {{ cookiecutter.package_name }}.settings import Settings

from .auth import sign_in
from .helpers import PROJECT
from .live_server import ENV_PREFIX, Launch

BROKER_URL = os.environ.get("TEST_BROKER_URL", "redis://127.0.0.1:6379/14")
QUEUE = f"test-{uuid.uuid4().hex[:12]}"
TEST_KINDS = "tests.counting_job"
"""The module of the tests' own kind of job, which every worker imports."""
START_TIMEOUT_SECONDS = 30
STOP_TIMEOUT_SECONDS = 30
WORKER_SETTINGS = {
    "worker_concurrency": "1",
    "job_retries": "2",
    "job_retry_delay": "0.1",
    "log_format": "text",
}
"""A worker that takes one job at a time and retries soon: the tests wait less."""


def pytest_configure(config: pytest.Config) -> None:
    """Every application and server of the run publishes to the run's queue; the workers find the tests' modules."""
    os.environ[f"{ENV_PREFIX}BROKER_URL"] = BROKER_URL
    os.environ[f"{ENV_PREFIX}JOB_QUEUE"] = QUEUE
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PROJECT), os.environ.get("PYTHONPATH")]))


def delete_queue(celery: Celery, name: str) -> None:
    with celery.connection_for_write() as connection:
        Queue(name, channel=connection.default_channel).delete()


def empty_redis() -> None:
    if BROKER_URL.startswith(("redis:", "rediss:")):
        with redis.Redis.from_url(BROKER_URL) as server:
            server.flushdb()


@pytest.fixture(scope="session")
def broker(session_settings: Settings) -> Iterator[Celery]:
    """The run's broker, empty when the run starts; its queue is deleted when the run ends."""
    empty_redis()
    celery = create_celery(session_settings)
    yield celery
    delete_queue(celery, QUEUE)
    empty_redis()


class Worker:
    """A worker process, started on the run's database and queue, with settings overridden as for a server."""

    def __init__(self, settings: Settings, folder: Path, **overrides: str) -> None:
        name = f"worker-{uuid.uuid4().hex[:8]}"
        self.heartbeat = folder / f"{name}.alive"
        more_overrides = {**WORKER_SETTINGS, "worker_heartbeat_file": str(self.heartbeat), **overrides}
        # Workers on one machine need names of their own: RabbitMQ gives each name one control queue.
        arguments = ["worker", f"--hostname={name}@%h", f"--include={TEST_KINDS}"]
        self.launch = Launch(settings, folder, arguments=arguments, more_overrides=more_overrides)

    @property
    def log(self) -> str:
        return self.launch.log.read_text(encoding="utf-8", errors="replace")

    def ready(self) -> "Worker":
        """The worker, once it is connected to the broker and takes jobs."""
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while not self.heartbeat.exists():
            assert self.launch.process.poll() is None, f"the worker exited while starting:\n{self.log}"
            assert time.monotonic() < deadline, f"the worker did not start within {START_TIMEOUT_SECONDS} s"
            time.sleep(0.05)
        return self

    def wait_for_log(self, text: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.log:
            assert time.monotonic() < deadline, f"the worker never logged {text!r}:\n{self.log}"
            time.sleep(0.05)

    def stopped(self) -> int:
        """The worker's exit code, once it has stopped."""
        return self.launch.process.wait(timeout=STOP_TIMEOUT_SECONDS)

    def kill(self) -> None:
        """Kill the worker and its processes at once, as a machine that fails does."""
        self.launch.stop()

    def ask_to_stop(self) -> None:
        """Send SIGTERM, as a container platform does, and return at once: a worker finishes its jobs first, and
        takes seconds to stop, its pool's processes one by one."""
        if self.launch.process.poll() is None:
            self.launch.process.send_signal(signal.SIGTERM)

    def stop(self) -> None:
        """Stop the worker; one that is still running gets to write its coverage."""
        self.ask_to_stop()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.launch.process.wait(timeout=STOP_TIMEOUT_SECONDS)
        self.launch.stop()


@dataclass
class Leftovers:
    """The workers that tests asked to stop and the queues they used, which the run waits for and deletes at its
    end rather than each test at its own."""

    workers: list[Worker] = field(default_factory=list)
    queues: list[str] = field(default_factory=list)


@pytest.fixture(scope="session")
def leftovers(broker: Celery) -> Iterator[Leftovers]:
    left = Leftovers()
    yield left
    for worker in left.workers:
        worker.stop()
    for queue in left.queues:
        delete_queue(broker, queue)


@pytest.fixture
def own_queue_settings(settings: Settings, leftovers: Leftovers) -> Settings:
    """Settings with a queue of the test's own, which the shared worker does not take jobs from."""
    queue = f"{QUEUE}-{uuid.uuid4().hex[:8]}"
    leftovers.queues.append(queue)
    return settings.model_copy(update={"job_queue": queue})


@pytest.fixture
def own_broker(own_queue_settings: Settings) -> Iterator[Celery]:
    """The broker, publishing to the test's own queue."""
    celery = create_celery(own_queue_settings)
    yield celery
    celery.close()


@pytest.fixture
def own_client(make_client: Callable[[Settings], httpx2.Client], own_queue_settings: Settings) -> httpx2.Client:
    """A signed-in client of an application that queues jobs on the test's own queue."""
    client = make_client(own_queue_settings)
    client.headers.update(sign_in(client))
    return client


@pytest.fixture
def start_worker(
    own_queue_settings: Settings, leftovers: Leftovers, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Callable[..., Worker]]:
    """Start workers on the test's own queue, with settings overridden; each is asked to stop when the test ends, and
    finishes stopping while the run goes on."""
    workers: list[Worker] = []

    def start(**overrides: str) -> Worker:
        folder = tmp_path_factory.mktemp("worker")
        workers.append(Worker(own_queue_settings, folder, job_queue=own_queue_settings.job_queue, **overrides))
        return workers[-1].ready()

    yield start
    for worker in workers:
        worker.ask_to_stop()
    leftovers.workers.extend(workers)


@pytest.fixture
def start_beat(own_queue_settings: Settings, tmp_path: Path) -> Iterator[Callable[..., None]]:
    """Start beat on the test's own queue, with settings overridden; it is stopped when the test ends."""
    beats: list[Launch] = []

    def start(**overrides: str) -> None:
        more_overrides = {**WORKER_SETTINGS, "job_queue": own_queue_settings.job_queue, **overrides}
        beats.append(Launch(own_queue_settings, tmp_path, arguments=["beat"], more_overrides=more_overrides))

    yield start
    for beat in beats:
        beat.stop()


@pytest.fixture(scope="session")
def shared_worker(
    session_settings: Settings, broker: Celery, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Worker]:
    """One worker for the tests that leave it running."""
    worker = Worker(session_settings, tmp_path_factory.mktemp("worker"))
    yield worker.ready()
    worker.stop()


@pytest.fixture
def worker(shared_worker: Worker, settings: Settings) -> Worker:
    """The shared worker, for a test whose ``settings`` empty the database when it ends."""
    return shared_worker
