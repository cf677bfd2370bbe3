"""An open API has no identity settings."""

from pydantic import BaseModel


class AuthSettings(BaseModel):
    """Mixed into the application's settings; empty, since nobody authenticates."""
