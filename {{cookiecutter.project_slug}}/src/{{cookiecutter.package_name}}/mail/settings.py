"""How mail leaves the service: the SMTP server, its security and credentials, and the sender's pace."""

from typing import Literal

from pydantic import BaseModel, Field, SecretStr


class MailSettings(BaseModel):
    """Mixed into the application's settings, which read them from the same environment variables."""

    smtp_host: str | None = Field(
        default=None,
        description="The SMTP server that delivers mail; without one, messages wait in the outbox until one is set.",
    )
    smtp_port: int = Field(default=587, ge=1, le=65535, description="The SMTP server's port.")
    smtp_security: Literal["starttls", "tls", "none"] = Field(
        default="starttls",
        description="starttls (port 587), tls (implicit TLS, port 465), or none (a local relay such as Mailpit).",
    )
    smtp_username: str | None = Field(default=None, description="The SMTP user, when the server asks for one.")
    smtp_password: SecretStr | None = Field(default=None, description="The SMTP user's password.")
    smtp_ca_file: str | None = Field(
        default=None,
        description="The CA certificates that the SMTP server's certificate is checked against, for a relay with a "
        "private CA; the system's otherwise.",
    )
    smtp_timeout_seconds: float = Field(default=10, gt=0, description="How long the SMTP server has to answer.")
    mail_from: str = Field(
        default="no-reply@example.com", description="The sender of every message, as 'Name <address>' or an address."
    )
    mail_max_attempts: int = Field(
        default=12, ge=1, description="Attempts at a message while the server is unreachable, before it is failed."
    )
    mail_kept_days: float = Field(
        default=7, gt=0, description="How long a message stays in the outbox once it is sent or has failed."
    )
    mail_poll_seconds: float = Field(
        default=5, gt=0, description="How often the sender looks for messages that are due again."
    )
