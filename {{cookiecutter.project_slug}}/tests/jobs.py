"""Helpers of the jobs tests: queueing a job of the tests' own kind, waiting for a job, and reading and writing its
row."""

import time
import uuid
from typing import Any

import httpx2
from celery import Celery
from sqlalchemy import Connection, Executable, Insert, insert, select

from {{ cookiecutter.package_name }}.core import database
from {{ cookiecutter.package_name }}.core.principals import Principal, Role
from {{ cookiecutter.package_name }}.items import URL as ITEMS
from {{ cookiecutter.package_name }}.items.models import Item
from {{ cookiecutter.package_name }}.jobs import job_url
from {{ cookiecutter.package_name }}.jobs.broker import publish
from {{ cookiecutter.package_name }}.jobs.models import Job
from {{ cookiecutter.package_name }}.jobs.queries import new_job
from {{ cookiecutter.package_name }}.settings import Settings

from .counting_job import COUNTING
from .helpers import create

JOB_TIMEOUT_SECONDS = 60


def queue(
    client: httpx2.Client,
    settings: Settings,
    celery: Celery,
    *,
    steps: int = 3,
    pause: float = 0,
    kind: str = COUNTING.name,
    role: Role = Role.MEMBER,
) -> int:
    """Queue a count for the client's caller as a route queues a job, its row first and then its task; its id."""
    job = new_job(Principal(subject_of(client, settings), role), kind, {"steps": steps, "pause": pause})
    job_id = saved_job(settings, job)
    publish(celery, job_id)
    return job_id


def subject_of(client: httpx2.Client, settings: Settings) -> str:
    """Whom the client's requests act for: the owner of an item it creates."""
    item = create(client, ITEMS, name=f"owned-{uuid.uuid4().hex}")
    [(owner,)] = read_rows(settings, select(Item.owner).where(Item.id == item["id"]))
    subject: str = owner
    return subject


def wait_for(
    client: httpx2.Client, job_id: int, *statuses: str, progress: int = 0, headers: dict[str, str] | None = None
) -> dict[str, Any]:
    """The job, once it has one of the statuses and at least this much progress."""
    deadline = time.monotonic() + JOB_TIMEOUT_SECONDS
    while True:
        response = client.get(job_url(job_id), headers=headers)
        assert response.status_code == 200, response.text
        job: dict[str, Any] = response.json()
        if job["status"] in statuses and job["progress"] >= progress:
            return job
        assert time.monotonic() < deadline, f"the job did not become {' or '.join(statuses)}: {job}"
        time.sleep(0.02)


def run_sql(settings: Settings, *statements: Executable, rows: list[dict[str, Any]] | None = None) -> None:
    """Run statements on the database and commit them; ``rows`` are the parameters of an insert of many."""

    def run(connection: Connection) -> None:
        for statement in statements:
            connection.execute(statement, rows) if rows else connection.execute(statement)
        connection.commit()

    database.run_on_connection(settings, run)


def read_rows(settings: Settings, statement: Executable) -> list[tuple[Any, ...]]:
    found: list[tuple[Any, ...]] = []

    def read(connection: Connection) -> None:
        found.extend(tuple(row) for row in connection.execute(statement))

    database.run_on_connection(settings, read)
    return found


def job_row(settings: Settings, job_id: int) -> dict[str, Any]:
    """The job as the database holds it, column by column."""
    table = Job.__table__
    [row] = read_rows(settings, select(table).where(table.c.id == job_id))
    return dict(zip(table.columns.keys(), row, strict=True))


def insert_job(job: Job) -> Insert:
    """An insert of a job made in Python, with the columns' defaults for the fields it leaves unset."""
    values = {column: getattr(job, column) for column in Job.__table__.columns.keys()}  # noqa: SIM118 - the names, not the columns
    return insert(Job).values({column: value for column, value in values.items() if value is not None})


def saved_job(settings: Settings, job: Job) -> int:
    """Insert a job made in Python; its id."""
    ids: list[int] = []

    def save(connection: Connection) -> None:
        ids.append(connection.execute(insert_job(job).returning(Job.id)).scalar_one())
        connection.commit()

    database.run_on_connection(settings, save)
    return ids[0]
