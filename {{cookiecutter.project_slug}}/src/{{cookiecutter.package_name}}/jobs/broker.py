"""The Celery application that the API publishes jobs with and the worker takes them from.

Tasks are acknowledged once they have run, and given back when their worker process is lost, so a job outlives the
crash of the worker that ran it; the claim in ``queries`` makes a second delivery harmless.
"""

from typing import Any

from celery import Celery
from kombu.exceptions import KombuError

from ..settings import Settings
from . import RUN_JOB_TASK
from .errors import BrokerUnavailableError
from .tracing import producing

SWEEP_TASK = f"{__package__}.sweep"
PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.25, "interval_max": 0.5}
"""A broker that is down for longer than a moment gets the request a 503 rather than a long wait."""


def transport_options(settings: Settings) -> dict[str, Any]:
    if not settings.broker_url.startswith("redis"):
        return {}
    return {
        "visibility_timeout": settings.broker_visibility_timeout,
        "unacked_restore_interval": settings.broker_restore_interval,
        "unacked_restore_throttle": 1,
        "socket_connect_timeout": settings.broker_publish_timeout,
        "socket_timeout": settings.broker_publish_timeout,
    }


def backstop_soft_limit(settings: Settings) -> float:
    """Celery's own soft limit, for a job stuck in one call: halfway from the job's soft limit, which the runner
    checks between two batches, to the hard limit. A signal, it can strike anywhere, even where Python ignores the
    exception it raises (a garbage collector's callback): the runner's check is the one to count on."""
    return (settings.job_soft_time_limit + settings.job_time_limit) / 2


def create_celery(settings: Settings) -> Celery:
    celery = Celery(__package__.partition(".")[0] if __package__ else "jobs", set_as_current=False)
    celery.conf.update(
        broker_url=settings.broker_url,
        broker_transport_options=transport_options(settings),
        broker_connection_timeout=settings.broker_publish_timeout,
        broker_connection_retry_on_startup=True,
        task_default_queue=settings.job_queue,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        task_ignore_result=True,
        task_soft_time_limit=backstop_soft_limit(settings),
        task_time_limit=settings.job_time_limit,
        task_serializer="json",
        accept_content=["json"],
        worker_prefetch_multiplier=1,
        worker_concurrency=settings.worker_concurrency,
        worker_hijack_root_logger=False,
        worker_cancel_long_running_tasks_on_connection_loss=False,
        beat_schedule={"sweep": {"task": SWEEP_TASK, "schedule": settings.job_sweep_seconds}},
    )
    return celery


def publish(celery: Celery, job_id: int) -> None:
    """Hand the job to the broker, with the trace's context in its headers, or raise ``BrokerUnavailableError`` when
    the broker does not take it."""
    try:
        with producing(RUN_JOB_TASK) as headers:
            celery.send_task(
                RUN_JOB_TASK, args=[job_id], headers=headers, retry=True, retry_policy=PUBLISH_RETRY_POLICY
            )
    except (KombuError, OSError) as error:
        raise BrokerUnavailableError() from error


def check_broker(celery: Celery) -> None:
    """Raise ``BrokerUnavailableError`` unless the broker accepts a connection."""
    try:
        with celery.connection_for_write() as connection:
            connection.ensure_connection(max_retries=1)
    except (KombuError, OSError) as error:
        raise BrokerUnavailableError() from error
