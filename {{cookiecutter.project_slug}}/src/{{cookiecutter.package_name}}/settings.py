"""Settings, read from environment variables prefixed with ``{{ cookiecutter.__env_prefix }}`` and from ``.env``."""

from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]


class Settings(BaseSettings):
    """Everything that changes between environments."""

    model_config = SettingsConfigDict(
        env_prefix="{{ cookiecutter.__env_prefix }}",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
    )

    database_url: str = Field(
        default="sqlite:///{{ cookiecutter.package_name }}.db",
        description="SQLAlchemy URL without a driver; the driver that suits the framework is added.",
    )
    debug: bool = False
    docs_enabled: bool = Field(default=True, description="Serve /docs, /redoc and /openapi.json.")
    log_level: LogLevel = "INFO"
    max_body_bytes: int = Field(default=1024 * 1024, ge=1, description="Larger request bodies get 413.")
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    workers: int = Field(default=1, ge=1)
