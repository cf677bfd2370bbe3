"""What the API says of the caller."""

from pydantic import BaseModel, ConfigDict

from ..core.principals import Role


class PrincipalRead(BaseModel):
    """Who the token says the caller is: the subject that owns their data, and their role here."""

    model_config = ConfigDict(from_attributes=True)

    subject: str
    role: Role
