"""Who is calling: the principal every feature's rules are written against, whatever authenticated it."""

from dataclasses import dataclass
from enum import StrEnum

SUBJECT_MAX_LENGTH = 255
"""The longest subject a principal may have: what the columns that name an owner hold."""


class Role(StrEnum):
    """What a principal may do: an admin sees and changes everything, a member only what they own."""

    ADMIN = "admin"
    MEMBER = "member"


@dataclass(frozen=True, slots=True)
class Principal:
    """An authenticated caller: ``subject`` is the stable id that owns their data."""

    subject: str
    role: Role

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN
