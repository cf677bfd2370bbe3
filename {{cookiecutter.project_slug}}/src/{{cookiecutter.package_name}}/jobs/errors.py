"""What can go wrong with a job, in the words of the error vocabulary."""

from http import HTTPStatus

from ..core.errors import NotFoundError, ServiceError, UnavailableError


class JobNotFoundError(NotFoundError):
    """No job of yours has the requested id."""

    def __init__(self, job_id: int) -> None:
        super().__init__(f"Job {job_id} does not exist.")


class ResultNotReadyError(NotFoundError):
    """The job has no result, or not yet."""

    def __init__(self, job_id: int, status: str) -> None:
        super().__init__(f"Job {job_id} is {status}: it has no result.")


class ResultWithheldError(ServiceError):
    """The job ran with admin rights, which its owner has lost since they queued it: its result may hold others'
    data, and goes to admins only.

    403 rather than 404: the owner still sees the job, so hiding its result would hide nothing, and 403 tells them to
    queue it again.
    """

    status = HTTPStatus.FORBIDDEN

    def __init__(self) -> None:
        super().__init__("This result was made with admin rights, which you no longer have; queue the job again.")


class ResultExpiredError(ServiceError):
    """The job's result was kept for a limited time, which is over."""

    status = HTTPStatus.GONE

    def __init__(self, job_id: int) -> None:
        super().__init__(f"The result of job {job_id} has expired.")


class BrokerUnavailableError(UnavailableError):
    """The broker did not take the job: nothing was queued."""

    def __init__(self) -> None:
        super().__init__("The job queue is unavailable, and the job was not created; try again later.")
