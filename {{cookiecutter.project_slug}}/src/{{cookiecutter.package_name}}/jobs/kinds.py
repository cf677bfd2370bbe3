"""Kinds of job: what a feature declares to have work done in the background, and what that work is given.

A feature declares each of its kinds in its ``jobs`` module with ``job_kind``: a name, stored with each job; the work,
a function that a worker calls with the ``RunningJob`` and that returns the job's result, a ``Document``; and the file
extension of each media type its documents may have, which the result's route declares and names its files with.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy.orm import Session

from ..core.principals import Principal
from ..features import feature_modules
from ..settings import Settings
from .outcomes import LeaseLostError, TimedOutError
from .queries import Attempt, changed_one, failed, progress, succeeded


@dataclass(frozen=True)
class Document:
    """A job's result: its text, and its media type."""

    content: str
    media_type: str


@dataclass(frozen=True)
class RunningJob:
    """A job that this worker has claimed, as its work sees it: what to do and for whom, a database session, and a
    way to report progress."""

    attempt: Attempt
    session: Session
    deadline: float
    """When, by ``time.monotonic``, the job has run for its soft time limit."""

    @property
    def parameters(self) -> dict[str, Any]:
        """What the route queued the job with."""
        return self.attempt.parameters

    @property
    def principal(self) -> Principal:
        """Who queued the job, with the role they had then: the rights the job runs with."""
        return self.attempt.principal

    def progress(self, done: int, total: int) -> None:
        """Record that ``done`` of ``total`` steps are done, and commit what the work has written.

        Raises ``TimedOutError`` once the job has run past its soft time limit, and ``LeaseLostError`` once another
        worker has taken it over; the runner handles both, so the work lets them through. Progress stays short of
        100%, which only the finished job reports.
        """
        if time.monotonic() > self.deadline:
            raise TimedOutError()
        percent = min(99, done * 100 // total) if total else 99
        if not changed_one(self.session.execute(progress(self.attempt, percent))):
            raise LeaseLostError()
        self.session.commit()


Work = Callable[[RunningJob], Document]


@dataclass(frozen=True)
class JobKind:
    """A kind of job, as ``job_kind`` declares it."""

    name: str
    work: Work
    extensions: dict[str, str]
    """The file extension of each media type the kind's documents may have."""


KINDS: dict[str, JobKind] = {}
"""Every kind of job declared so far, by name."""


def job_kind(name: str, work: Work, extensions: dict[str, str]) -> JobKind:
    """Declare a kind of job, under a name no other kind has."""
    if name in KINDS:
        raise ValueError(f"Two kinds of job are named {name!r}.")
    KINDS[name] = JobKind(name, work, extensions)
    return KINDS[name]


@cache
def import_declarations() -> None:
    for _ in feature_modules("jobs"):
        pass  # Importing the module declares its kinds.


def job_kinds() -> dict[str, JobKind]:
    """Every kind of job, by name, once every feature's ``jobs`` module has declared its own."""
    import_declarations()
    return KINDS


def perform(session: Session, attempt: Attempt, settings: Settings) -> None:
    """Do the claimed job's work and record its result; fail a job whose kind no feature declares any more."""
    kind = job_kinds().get(attempt.kind)
    if kind is None:
        session.execute(failed(attempt.job_id, "Unknown kind", f"No kind of job is named {attempt.kind!r}."))
        session.commit()
        return
    job = RunningJob(attempt, session, time.monotonic() + settings.job_soft_time_limit)
    try:
        document = kind.work(job)
    except LeaseLostError:
        session.rollback()
        return  # Another attempt holds the lease now: its result is the one that counts.
    session.execute(succeeded(attempt, document.content, document.media_type, settings))
    session.commit()
