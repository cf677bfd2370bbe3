"""The worker's tasks: running a job, with its retries and time limits, and the periodic sweep."""

import logging
import random
from typing import Any

from celery import Celery, Task
from celery.exceptions import SoftTimeLimitExceeded
from celery.signals import worker_process_init, worker_process_shutdown

from ..core.errors import database_failure
from ..core.logging import flush_logs
from ..core.tracing import configure_tracing
from ..settings import Settings
from . import RUN_JOB_TASK
from .broker import SWEEP_TASK
from .outcomes import LeaseHeldError, TimedOutError
from .runner import JobRunner
from .tracing import consuming

MAX_RETRY_DELAY = 600.0
logger = logging.getLogger(__name__)


def retry_delay(settings: Settings, retries: int) -> float:
    """Exponential backoff with jitter: about twice as long each time, and workers that failed together do not
    retry together."""
    ceiling = min(MAX_RETRY_DELAY, settings.job_retry_delay * 2**retries)
    return random.uniform(ceiling / 2, ceiling)


def add_tasks(celery: Celery, runner: JobRunner) -> None:
    settings = runner.settings

    @worker_process_init.connect(weak=False)
    def start_tracing(**_: Any) -> None:
        configure_tracing()

    @worker_process_shutdown.connect(weak=False)
    def close_runner(**_: Any) -> None:
        runner.close()
        flush_logs()

    @celery.task(name=RUN_JOB_TASK, bind=True, max_retries=None)
    def run_job(task: Task[Any, Any], job_id: int, failure: str | None = None) -> None:
        """Run the job; a transient failure is retried ``job_retries`` times, then recorded as the job's failure
        (retried in turn until the database takes it)."""
        retries = task.request.retries
        try:
            # Celery keeps a message's own headers, the trace's among them, as attributes of the request.
            with consuming(RUN_JOB_TASK, lambda name: getattr(task.request, name, None)):
                if failure is None:
                    runner.run(job_id)
                else:
                    runner.fail(job_id, "Service Unavailable", failure)
        except LeaseHeldError as leased:
            raise task.retry(countdown=leased.seconds + 1) from None
        except (TimedOutError, SoftTimeLimitExceeded):
            logger.warning("Job %s ran out of time", job_id)
            runner.fail(job_id, "Timed out", f"The job ran for longer than {settings.job_soft_time_limit:g} s.")
        except Exception as error:
            transient = database_failure(error)
            if transient is None:
                logger.exception("Job %s failed", job_id)
                runner.fail(job_id, "Job failed", "The job failed unexpectedly; the worker's log says why.")
                return
            if failure is None and retries < settings.job_retries:
                logger.warning(
                    "Job %s will be retried (%d of %d): %s", job_id, retries + 1, settings.job_retries, error
                )
                raise task.retry(countdown=retry_delay(settings, retries)) from None
            if failure is None:
                logger.warning("Job %s failed after %d retries: %s", job_id, retries, error)
            delay = retry_delay(settings, min(retries, settings.job_retries))
            raise task.retry(countdown=delay, kwargs={"failure": failure or transient.detail}) from None

    @celery.task(name=SWEEP_TASK)
    def sweep() -> None:
        """Publish the jobs that never reached the broker, and clean up what expired."""
        runner.sweep(celery)
