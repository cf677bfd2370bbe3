"""Entity tags and conditional requests (RFC 9110, sections 8.8.3 and 13.1), for the routes of every resource.

A resource's entity tag is its version, quoted: strong, opaque, and new after every write. A change that sends
``If-Match`` with the tag the client read is made only while the resource still has it (412 otherwise), so that no
client overwrites a change it has not seen; a read that sends ``If-None-Match`` with the tag of the copy the client
holds gets 304 and no body while that copy is current.
"""

import re
from dataclasses import dataclass

from pydantic import BaseModel

from ..core.errors import ConcurrentChangeError, PreconditionFailedError, PreconditionRequiredError, ServiceError
from ..core.fields import omittable
from .headers import LOCATED

ETAG = "ETag"
ANY = "*"
LIST_MEMBER = re.compile(r'[ \t]*(?:(?P<weak>W/)?(?P<tag>"[\x21\x23-\x7e\x80-\xff]*"))?[ \t]*(?:,|$)')
"""One member of a list of entity tags, with the comma after it; empty members are allowed (RFC 9110, 5.6.1)."""
ETAG_HEADERS = {
    ETAG: {
        "description": "The resource's entity tag, new after every change: send it as If-Match to change the "
        "resource only while it is unchanged, or as If-None-Match to read it only once it has changed.",
        "schema": {"type": "string"},
    }
}
"""The ETag header, as the OpenAPI document declares it on a response."""
TAGGED = {"headers": ETAG_HEADERS}
"""What an answer with the resource's entity tag adds to its documented response."""
CREATED = {"headers": LOCATED["headers"] | ETAG_HEADERS}
"""What the answer of a created resource with an entity tag adds to its documented response: where it lives, and its
tag."""
NOT_MODIFIED = {"description": "Not Modified", "headers": ETAG_HEADERS}
"""The documented 304 of a read whose If-None-Match names the current entity tag."""


def entity_tag(version: str) -> str:
    """The strong entity tag of a resource at ``version``."""
    return f'"{version}"'


@dataclass(frozen=True)
class EntityTags:
    """The entity tags an If-Match or If-None-Match field names: any (``*``), or those it lists. A field that is
    neither names none: it never lets a change through, and never turns a read into 304."""

    any: bool = False
    strong: frozenset[str] = frozenset()
    weak: frozenset[str] = frozenset()

    @classmethod
    def parse(cls, field: str) -> "EntityTags":
        if field.strip(" \t") == ANY:
            return cls(any=True)
        strong: set[str] = set()
        weak: set[str] = set()
        position = 0
        while position < len(field):
            member = LIST_MEMBER.match(field, position)
            if member is None:
                return cls()
            if member["tag"]:
                (weak if member["weak"] else strong).add(member["tag"])
            position = member.end()
        return cls(strong=frozenset(strong), weak=frozenset(weak))

    def match_strongly(self, tag: str) -> bool:
        """Whether the field names this strong tag, as If-Match compares: a weak tag in the field matches none."""
        return self.any or tag in self.strong

    def match_weakly(self, tag: str) -> bool:
        """Whether the field names this tag, weak or not, as If-None-Match compares."""
        return self.any or tag in self.strong or tag in self.weak


@dataclass(frozen=True)
class Precondition:
    """What a change asks of the resource's entity tag: nothing, or to be one that If-Match names; when
    ``required``, a change without If-Match is refused (428)."""

    tags: EntityTags | None = None
    required: bool = False

    def check(self, version: str) -> None:
        """Raise unless the change may be made to the resource at ``version``."""
        if self.tags is None:
            if self.required:
                raise PreconditionRequiredError()
        elif not self.tags.match_strongly(entity_tag(version)):
            raise PreconditionFailedError()

    def concurrent_write_error(self) -> ServiceError:
        """The error of a change that found the resource written by another request after it read it: the failed
        precondition when If-Match named a tag, a conflict when the change named none (no If-Match, or ``*``)."""
        if self.tags is None or self.tags.any:
            return ConcurrentChangeError()
        return PreconditionFailedError()


UNCONDITIONAL = Precondition()
"""A change that asks nothing of the resource's entity tag."""


class IfMatch(BaseModel):
    """The header of a conditional change."""

    if_match: str | None = omittable(
        alias="If-Match",
        description="The ETag the resource was read with (or a list of them, or *): the change is made only while "
        "the resource has it, and is refused with 412 otherwise.",
    )

    def precondition(self, *, required: bool) -> Precondition:
        return Precondition(None if self.if_match is None else EntityTags.parse(self.if_match), required)


class IfNoneMatch(BaseModel):
    """The header of a conditional read."""

    if_none_match: str | None = omittable(
        alias="If-None-Match",
        description="The ETag of the copy the client holds (or a list of them, or *): while it is current, the answer "
        "is 304 with no body.",
    )

    def matches(self, tag: str) -> bool:
        """Whether the client's copy is current: the header names the tag."""
        return self.if_none_match is not None and EntityTags.parse(self.if_none_match).match_weakly(tag)
