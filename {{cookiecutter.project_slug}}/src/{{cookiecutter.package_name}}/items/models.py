"""The items table."""

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..core.models import OWNER, VERSION_LENGTH, Base, UTCDateTime, new_version, utc_now
from ..core.principals import SUBJECT_MAX_LENGTH


class Item(Base):
    """The example resource. Each belongs to the principal who created it, whose item names are unique: the database
    enforces it."""

    __tablename__ = "items"
    __table_args__ = (UniqueConstraint("owner", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner: Mapped[str] = mapped_column(String(SUBJECT_MAX_LENGTH), info={OWNER: True})
    """The subject of the principal who created the item."""
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str | None] = mapped_column(String(1000))
    quantity: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now, onupdate=utc_now)
    version: Mapped[str] = mapped_column(String(VERSION_LENGTH), default=new_version)
    """New on every write, and the item's entity tag. The ORM puts the version it read in the WHERE of its UPDATE and
    DELETE: a write that another got in before fails, rather than overwrite a change it has not seen."""

    __mapper_args__: Mapping[str, object] = {"version_id_col": version, "version_id_generator": new_version}
