"""Background jobs on Celery: work that outlives its request, such as the items export.

The ``jobs`` table is the source of truth of every job's state: the API answers from it, never from Celery's result
backend or the broker. A job is committed before its task is published, claimed by one worker at a time under a
lease, and finished once: a second delivery of its task changes nothing.
"""

URL = "/api/v1/jobs"
EXPORTS_URL = "/api/v1/items/exports"
RUN_JOB_TASK = f"{__package__}.run_job"
"""The one task name the API publishes: the worker runs the job the message names, whatever its kind."""


def job_url(job_id: int) -> str:
    """Where a job's status lives: the ``Location`` of an accepted job."""
    return f"{URL}/{job_id}"


def result_url(job_id: int) -> str:
    return f"{job_url(job_id)}/result"
