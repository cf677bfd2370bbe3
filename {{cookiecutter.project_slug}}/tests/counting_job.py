"""The tests' own kind of job, on which they prove the jobs' machinery, whatever kinds of job the service has: it
counts, step by step, reporting its progress after each step.

Every worker that the tests start imports this module too (Celery's ``--include``), and so knows the kind.
"""

import time

from {{ cookiecutter.package_name }}.jobs.kinds import Document, RunningJob, job_kind

MEDIA_TYPE = "text/plain; charset=utf-8"


def count(job: RunningJob) -> Document:
    """Count to ``steps``, pausing ``pause`` seconds before each step: one line a number."""
    steps, pause = job.parameters["steps"], job.parameters["pause"]
    for step in range(1, steps + 1):
        time.sleep(pause)
        job.progress(step, steps)
    return Document(counted(steps), MEDIA_TYPE)


def counted(steps: int) -> str:
    """The result of a count to ``steps``."""
    return "".join(f"{step}\n" for step in range(1, steps + 1))


COUNTING = job_kind("counting", count, {MEDIA_TYPE: "txt"})
