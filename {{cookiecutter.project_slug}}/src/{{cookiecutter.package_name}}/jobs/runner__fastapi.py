"""Jobs as the worker runs them: on the application's async sessions, on an event loop of the worker process's own;
a job's work runs on the synchronous session beneath (``run_sync``), as every kind's work is a plain function."""

import asyncio
import contextvars
from collections.abc import Callable, Coroutine
from functools import cached_property
from typing import Any, TypeVar

from celery import Celery
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

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
    """Runs jobs in one worker process; the event loop and the engine are made on first use, after the process has
    forked, and serve every job the process runs."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    @cached_property
    def loop(self) -> asyncio.Runner:
        return asyncio.Runner()

    @cached_property
    def engine(self) -> AsyncEngine:
        engine = database.create_engine(self.settings)
        trace_statements(engine.sync_engine)
        return engine

    @cached_property
    def sessions(self) -> async_sessionmaker[AsyncSession]:
        return database.create_sessions(self.engine)

    def close(self) -> None:
        """Close the engine's connections and the event loop, if there are any."""
        if "engine" in self.__dict__:
            self.wait_for(self.engine.dispose())
        if "loop" in self.__dict__:
            self.loop.close()

    def wait_for(self, work: Coroutine[Any, Any, T]) -> T:
        """Run ``work`` in the caller's context, so that it joins the caller's span; the runner's own context is
        the one of the moment it was made."""
        return self.loop.run(work, context=contextvars.copy_context())

    def with_sessions(self, work: Callable[[async_sessionmaker[AsyncSession]], Coroutine[Any, Any, T]]) -> T:
        """Run a task's ``work`` on this process's sessions, as the jobs run: for the tasks of other features."""
        return self.wait_for(work(self.sessions))

    def run(self, job_id: int) -> None:
        """Run the job, unless it has ended or another worker holds its lease (``LeaseHeldError`` says how long)."""
        self.wait_for(self._run(job_id))

    def fail(self, job_id: int, title: str, detail: str) -> None:
        self.wait_for(self._fail(job_id, title, detail))

    def sweep(self, celery: Celery) -> None:
        """Publish the jobs whose task never reached the broker, and clean up what expired."""
        for job_id in self.wait_for(self._sweep()):
            publish(celery, job_id)

    async def _run(self, job_id: int) -> None:
        async with self.sessions() as session:
            attempt = await self.claim(session, job_id)
            if attempt is None:
                return
            try:
                with measured_attempt(attempt.kind):
                    await session.run_sync(perform, attempt, self.settings)
            except BaseException:
                # The error may have stopped a statement halfway: the connection is closed, not reused.
                await session.invalidate()
                await self.give_back(attempt)
                raise

    async def claim(self, session: AsyncSession, job_id: int) -> Attempt | None:
        now = utc_now()
        claimed = changed_one(await session.execute(claim(job_id, self.settings, now)))
        job = await session.get(Job, job_id)
        await session.commit()
        if claimed and job is not None:
            return attempt_of(job)
        refused = refusal(job, self.settings, now)
        if isinstance(refused, LeaseHeldError):
            raise refused
        if refused is not None:
            await session.execute(failed(job_id, *refused))
            await session.commit()
        return None

    async def give_back(self, attempt: Attempt) -> None:
        """Queue the job again for a retry; when the database cannot take even that, its lease ends it in time."""
        async with self.sessions() as session:
            try:
                await session.execute(released(attempt))
                await session.commit()
            except Exception:  # The original error is the one to report.
                await session.rollback()

    async def _fail(self, job_id: int, title: str, detail: str) -> None:
        async with self.sessions() as session:
            await session.execute(failed(job_id, title, detail))
            await session.commit()

    async def _sweep(self) -> list[int]:
        async with self.sessions() as session:
            stale = list(await session.scalars(stale_queued(self.settings)))
            for statement in clean_ups():
                await session.execute(statement)
            await session.commit()
        return stale
