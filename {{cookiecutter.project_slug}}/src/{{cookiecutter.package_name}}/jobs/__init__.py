"""Background jobs on Celery: work that outlives its request, queued by any feature.

The ``jobs`` table is the source of truth of every job's state: the API answers from it, never from Celery's result
backend or the broker. A job is committed before its task is published, claimed by one worker at a time under a
lease, and finished once: a second delivery of its task changes nothing.

A feature adds a kind of job in two places (the items export, in ``exports``, is one):

- its ``jobs`` module declares the kind with ``kinds.job_kind``: its name, its work (a function of a
  ``kinds.RunningJob``, which gives the job's parameters and principal, a database session and ``progress``, that
  returns the result as a ``kinds.Document``) and the media types of its results;
- a route commits it with ``service.add_job`` and hands it to the broker that ``routes`` gives it with
  ``service.queue``, once committed, through ``web.answers.answer_once``, which takes an Idempotency-Key; it answers
  202 with the job (``schemas.JobRead``) and ``job_url`` in its ``Location``.

The routes here serve every job's status and result.
"""

URL = "/api/v1/jobs"
RUN_JOB_TASK = f"{__package__}.run_job"
"""The one task name the API publishes: the worker runs the job the message names, whatever its kind."""


def job_url(job_id: int) -> str:
    """Where a job's status lives: the ``Location`` of an accepted job."""
    return f"{URL}/{job_id}"


def result_url(job_id: int) -> str:
    return f"{job_url(job_id)}/result"
