"""Settings, read from prefixed environment variables (see ``env_prefix`` below) and from ``.env``."""

import json
from typing import Literal

from pydantic import Field, IPvAnyNetwork
from pydantic_settings import BaseSettings, SettingsConfigDict

from .features import FeatureSettings

LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]


class Settings(BaseSettings, FeatureSettings):
    """Everything that changes between environments; each feature's own settings come from ``FeatureSettings``."""

    model_config = SettingsConfigDict(
        env_prefix="{{ cookiecutter.__env_prefix }}",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
    )

    database_url: str = Field(
        default="{{ cookiecutter.__default_database_url }}",
        description="SQLAlchemy URL without a driver; the driver that suits the framework is added.",
    )
    database_pool_size: int = Field(default=5, ge=1, description="Connections kept open by each process.")
    database_pool_timeout: float = Field(default=10, gt=0, description="Seconds to wait for a free pooled connection.")
    database_connect_timeout: float = Field(default=5, gt=0, description="Seconds a new connection may take.")
    database_statement_timeout: float = Field(default=5, gt=0, description="Seconds one statement may take.")
    require_if_match: bool = Field(
        default=False,
        description="Refuse with 428 a change through the API (PATCH, DELETE) that does not send If-Match with the "
        "ETag it read: no client then overwrites a change it has not seen.",
    )
    rate_limits_enabled: bool = Field(
        default=True,
        description="Count each caller's API requests in windows, and answer 429 with Retry-After over a limit "
        "(docs/api.md, Rate limits).",
    )
    rate_limit_reads: int = Field(
        default=1200, ge=1, description="API reads (GET, HEAD) one caller may make in a window; then 429."
    )
    rate_limit_writes: int = Field(
        default=300, ge=1, description="API writes (POST, PATCH, DELETE...) one caller may make in a window; then 429."
    )
    rate_limit_window_seconds: int = Field(
        default=60, ge=1, description="How long a window of the rate limits lasts, in seconds."
    )
    trusted_proxies: list[IPvAnyNetwork] = Field(
        default=[],
        description="Addresses or networks of the proxies in front of the service (JSON list): only from them is "
        "X-Forwarded-For believed, for the client address that requests are counted by.",
    )
    redis_url: str | None = Field(
        default=None,
        description="Where to count requests for the limits (redis://host:port/db); without it, in the database.",
    )
    idempotency_key_hours: float = Field(
        default=24,
        gt=0,
        description="Hours a POST's Idempotency-Key is kept with its answer, which a retry with the key gets again.",
    )
    idempotency_wait: float = Field(
        default=2,
        gt=0,
        description="Seconds a retry waits for the first request with its Idempotency-Key to finish, then 409; less "
        "than the statement timeout.",
    )
    debug: bool = Field(default=False, description="The framework's debug mode; never in production.")
    docs_enabled: bool = Field(default=True, description="Serve /docs, /redoc and /openapi.json.")
    log_level: LogLevel = Field(default="INFO", description="INFO logs a line per request, WARNING none.")
    log_format: Literal["json", "text"] = Field(default="json", description="JSON lines, or text for development.")
    cors_origins: list[str] = Field(default=[], description="Origins that browsers may call the API from (JSON list).")
    max_body_bytes: int = Field(default=1024 * 1024, ge=1, description="Larger request bodies get 413.")
    host: str = Field(default="127.0.0.1", description="The address the server listens on.")
    port: int = Field(default=8000, ge=1, le=65535, description="The port the server listens on.")
    workers: int = Field(default=1, ge=1, description="Server processes.")
    threads: int = Field(default={{ cookiecutter.__default_threads }}, ge=1, description="Threads per server process.")
    graceful_timeout: int = Field(default=30, ge=1, description="Seconds in-flight requests get to finish on shutdown.")
    metrics_enabled: bool = Field(default=True, description="Count requests and serve /metrics for Prometheus.")
    metrics_port: int | None = Field(
        default=None,
        ge=1,
        le=65535,
        description="Serve /metrics on this port, from the server's main process, instead of on the API's port.",
    )


def reference() -> str:
    """Every setting as a Markdown table, from the fields themselves: its variable, its default and what it does."""
    prefix = Settings.model_config.get("env_prefix", "")
    rows = ["| Variable | Default | Meaning |", "|---|---|---|"]
    for name, field in Settings.model_fields.items():
        default = field.get_default(call_default_factory=True)
        shown = "none" if default is None else f"`{json.dumps(default) if not isinstance(default, str) else default}`"
        rows.append(f"| `{prefix}{name.upper()}` | {shown} | {field.description} |")
    return "\n".join(rows)
