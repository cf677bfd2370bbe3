"""The jobs' settings: the broker, the worker, and how long a job may run and its result be kept."""

from typing import Self

from pydantic import BaseModel, Field, model_validator


class JobSettings(BaseModel):
    """Mixed into the application's settings, which read them from the same environment variables."""

    broker_url: str = Field(
        default="redis://127.0.0.1:6379/0",
        description="Where jobs are queued: redis://host:port/db, or amqp://user:password@host:port/vhost for "
        "RabbitMQ.",
    )
    job_queue: str = Field(
        default="jobs", min_length=1, description="The queue this service's jobs wait in, on a broker it may share."
    )
    broker_publish_timeout: float = Field(
        default=5, gt=0, description="Seconds a request waits for the broker to take a job before it answers 503."
    )
    broker_visibility_timeout: int = Field(
        default=3600,
        ge=1,
        description="Redis only: seconds after which a job taken by a worker that vanished goes to another worker. "
        "Longer than the job time limit, so that a job still running is not given out twice.",
    )
    broker_restore_interval: int = Field(
        default=60, ge=1, description="Redis only: seconds between two looks for jobs of vanished workers."
    )
    worker_concurrency: int = Field(default=2, ge=1, description="Jobs one worker runs at once, each in a process.")
    job_soft_time_limit: float = Field(
        default=300,
        gt=0,
        description="Seconds after which a running job is stopped between two batches and marked failed.",
    )
    job_time_limit: float = Field(
        default=330, gt=0, description="Seconds after which the process that runs a job is killed."
    )
    job_retries: int = Field(
        default=5, ge=0, description="How often a job is tried again after a transient failure, such as an outage."
    )
    job_retry_delay: float = Field(
        default=2, gt=0, description="Seconds before the first retry; each retry waits about twice as long."
    )
    job_max_deliveries: int = Field(
        default=10,
        ge=1,
        description="How often a job may be started, after transient failures and by workers that were lost, "
        "before it fails.",
    )
    job_result_hours: float = Field(default=24, gt=0, description="How long a job's result is kept.")
    job_sweep_seconds: float = Field(
        default=60, gt=0, description="How often beat publishes queued jobs again and deletes expired results."
    )
    worker_heartbeat_file: str | None = Field(
        default=None,
        description="A file the worker touches while its broker connection is alive, for a liveness probe: "
        "python -m <package> worker-alive.",
    )

    @model_validator(mode="after")
    def limits_in_order(self) -> Self:
        if self.job_time_limit <= self.job_soft_time_limit:
            raise ValueError("job_time_limit must be longer than job_soft_time_limit")
        if self.job_retries >= self.job_max_deliveries:
            raise ValueError("job_retries must be fewer than job_max_deliveries")
        if self.broker_url.startswith("redis") and self.broker_visibility_timeout <= self.job_time_limit:
            raise ValueError("broker_visibility_timeout must be longer than job_time_limit")
        return self
