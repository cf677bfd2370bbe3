"""Jobs as the worker runs them, on sessions of a database engine of the worker process's own."""

from collections.abc import Callable
from functools import cached_property
from typing import TypeVar

from celery import Celery
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from ..core import database
from ..core.models import utc_now
from ..core.tracing import trace_statements
from ..settings import Settings
from .broker import publish
from .kinds import perform
from .metrics import measured_attempt
from .models import Job
from .outcomes import LeaseHeldError, refusal
from .queries import (
    Attempt,
    attempt_of,
    changed_one,
    claim,
    clean_ups,
    failed,
    released,
    stale_queued,
)

T = TypeVar("T")


class JobRunner:
    """Runs jobs in one worker process; the engine is made on first use, after the process has forked."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    @cached_property
    def engine(self) -> Engine:
        engine = database.create_engine(self.settings)
        trace_statements(engine)
        return engine

    @cached_property
    def sessions(self) -> sessionmaker[Session]:
        return sessionmaker(self.engine, expire_on_commit=False)

    def close(self) -> None:
        """Close the engine's connections, if there are any."""
        if "engine" in self.__dict__:
            self.engine.dispose()

    def with_sessions(self, work: Callable[[sessionmaker[Session]], T]) -> T:
        """Run a task's ``work`` on this process's sessions, as the jobs run: for the tasks of other features."""
        return work(self.sessions)

    def run(self, job_id: int) -> None:
        """Run the job, unless it has ended or another worker holds its lease (``LeaseHeldError`` says how long)."""
        with self.sessions() as session:
            attempt = self.claim(session, job_id)
            if attempt is None:
                return
            try:
                with measured_attempt(attempt.kind):
                    perform(session, attempt, self.settings)
            except BaseException:
                # The error may have stopped a statement halfway: the connection is closed, not reused.
                session.invalidate()
                self.give_back(attempt)
                raise

    def claim(self, session: Session, job_id: int) -> Attempt | None:
        now = utc_now()
        claimed = changed_one(session.execute(claim(job_id, self.settings, now)))
        job = session.get(Job, job_id)
        session.commit()
        if claimed and job is not None:
            return attempt_of(job)
        refused = refusal(job, self.settings, now)
        if isinstance(refused, LeaseHeldError):
            raise refused
        if refused is not None:
            session.execute(failed(job_id, *refused))
            session.commit()
        return None

    def give_back(self, attempt: Attempt) -> None:
        """Queue the job again for a retry; when the database cannot take even that, its lease ends it in time."""
        with self.sessions() as session:
            try:
                session.execute(released(attempt))
                session.commit()
            except Exception:  # The original error is the one to report.
                session.rollback()

    def fail(self, job_id: int, title: str, detail: str) -> None:
        with self.sessions() as session:
            session.execute(failed(job_id, title, detail))
            session.commit()

    def sweep(self, celery: Celery) -> None:
        """Publish the jobs whose task never reached the broker, and clean up what expired."""
        with self.sessions() as session:
            stale = list(session.scalars(stale_queued(self.settings)))
            for statement in clean_ups():
                session.execute(statement)
            session.commit()
        for job_id in stale:
            publish(celery, job_id)
