"""Idempotency keys (the IETF httpapi draft's ``Idempotency-Key``): a POST retried with its key is answered again,
not done again.

The first request with a key does its work and stores its answer in the same transaction: a key is kept, with its
answer, only by a request whose work committed, so that no crash between the two can leave work done and no answer
for its retry, or an answer for work undone. A retry with the key and the same request gets the stored answer; with
another request (method, path or body), 422. A retry that comes while the first request is still running waits for
its commit, at most ``idempotency_wait`` seconds, and is then answered the first request's answer, or 409 with
``Retry-After``. A request whose work fails (any error answer) leaves nothing done and keeps no key: its retry runs
again. Keys are scoped to the caller's principal, so that no caller can read another's answer with a guessed key.
"""

import hashlib
import json
import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel
from sqlalchemy import (
    Delete,
    Integer,
    Select,
    String,
    Text,
    TextClause,
    UniqueConstraint,
    Update,
    delete,
    select,
    text,
    update,
)
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Mapped, mapped_column

from ..core.errors import ConflictError, InvalidRequestError
from ..core.fields import omittable
from ..core.models import OWNER, PURGE_AFTER, Base, UTCDateTime, utc_now
from ..core.principals import SUBJECT_MAX_LENGTH, Principal
from ..core.purging import PURGED_AT_ONCE

IDEMPOTENCY_KEY = "Idempotency-Key"
KEY_MAX_LENGTH = 255
KEY_PATTERN = r'^(?:"[\x21\x23-\x5b\x5d-\x7e]{1,255}"|[\x21\x23-\x2b\x2d-\x5b\x5d-\x7e]{1,255})$'
"""A key of visible ASCII characters, as the draft's quoted string (``"..."``, without escapes) or bare, without the
comma that would join two keys into a list: both forms name the same key."""


class IdempotencyKeyHeader(BaseModel):
    """The header of a POST that may be retried."""

    idempotency_key: str | None = omittable(
        alias=IDEMPOTENCY_KEY,
        max_length=KEY_MAX_LENGTH + 2,
        pattern=KEY_PATTERN,
        description="A key unique to this request, such as a UUID, as a quoted string or bare: a retry with the same "
        "key and body gets the first answer again and does nothing twice; with another body, 422; while the first "
        "is still running, 409 with Retry-After. Kept for the service's idempotency_key_hours.",
    )

    def key(self) -> str | None:
        """The key without the quotes of the draft's string form."""
        if self.idempotency_key is None:
            return None
        return self.idempotency_key.removeprefix('"').removesuffix('"')


@dataclass(frozen=True)
class Answer:
    """An answer as it is sent and stored: status, body, and the headers a replay repeats (those of the resource,
    such as ``Location`` and ``ETag``; the request id and the security headers belong to each request)."""

    status: int
    headers: dict[str, str]
    body: str

    @classmethod
    def of(cls, status: int, body: BaseModel, headers: dict[str, str] | None = None) -> "Answer":
        return cls(status, {"Content-Type": "application/json", **(headers or {})}, body.model_dump_json())


@dataclass(frozen=True)
class Claim:
    """A caller's key for one request, with what makes the request what it is, and how long its answer is kept."""

    owner: str
    key: str
    fingerprint: str
    lifetime: timedelta
    wait: float
    statement_timeout: float
    created_at: datetime = field(default_factory=utc_now)

    @classmethod
    def of(
        cls,
        header: IdempotencyKeyHeader,
        principal: Principal,
        request: tuple[str, str, BaseModel],
        settings: Any,
    ) -> "Claim | None":
        """The claim of a request (method, path, body) that sends a key; None for one that sends none."""
        key = header.key()
        if key is None:
            return None
        method, path, body = request
        hashed = hashlib.sha256(json.dumps([method, path, body.model_dump(mode="json")], sort_keys=True).encode())
        return cls(
            owner=principal.subject,
            key=key,
            fingerprint=hashed.hexdigest(),
            lifetime=timedelta(hours=settings.idempotency_key_hours),
            wait=settings.idempotency_wait,
            statement_timeout=settings.database_statement_timeout,
        )


class IdempotencyRecord(Base):
    """A key a caller sent, with the answer of the request that first sent it; committed only with that request's
    work, so every row has its answer."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("owner", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner: Mapped[str] = mapped_column(String(SUBJECT_MAX_LENGTH), info={OWNER: True})
    key: Mapped[str] = mapped_column(String(KEY_MAX_LENGTH))
    fingerprint: Mapped[str] = mapped_column(String(64))
    status: Mapped[int | None] = mapped_column(Integer())
    headers: Mapped[str | None] = mapped_column(Text())
    body: Mapped[str | None] = mapped_column(Text())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True, info={PURGE_AFTER: True})


class IdempotencyKeyReusedError(InvalidRequestError):
    """The key was first sent with another request: its answer is not this request's."""

    def __init__(self) -> None:
        message = "was sent before with another request (method, URL or body)"
        super().__init__(
            "This Idempotency-Key was sent before with another request (method, URL or body): send a new key for a "
            "new request, or the first request again for its answer.",
            [{"loc": ["header", IDEMPOTENCY_KEY], "msg": message, "type": "idempotency_key_reused"}],
        )


class IdempotencyKeyInUseError(ConflictError):
    """The first request with the key is still running."""

    def __init__(self, retry_after: float) -> None:
        self.retry_after = max(1, math.ceil(retry_after))
        super().__init__(
            "The first request with this Idempotency-Key is still running: retry after the seconds that Retry-After "
            "says, for its answer."
        )

    @property
    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}


def stored_record(claim: Claim) -> Select[IdempotencyRecord]:
    """The key's row, as long as it is kept."""
    return select(IdempotencyRecord).where(
        IdempotencyRecord.owner == claim.owner,
        IdempotencyRecord.key == claim.key,
        IdempotencyRecord.expires_at > claim.created_at,
    )


def replay(record: IdempotencyRecord, claim: Claim) -> Answer:
    """The stored answer, for a retry of the same request."""
    if record.fingerprint != claim.fingerprint:
        raise IdempotencyKeyReusedError()
    if record.status is None or record.headers is None or record.body is None:
        raise IdempotencyKeyInUseError(claim.wait)
    return Answer(record.status, json.loads(record.headers), record.body)


def new_record(claim: Claim) -> IdempotencyRecord:
    """The key's row, to insert before the work, so that a retry with the key waits for the work to end."""
    return IdempotencyRecord(
        owner=claim.owner,
        key=claim.key,
        fingerprint=claim.fingerprint,
        created_at=claim.created_at,
        expires_at=claim.created_at + claim.lifetime,
    )


def expired_records(claim: Claim) -> list[Delete]:
    """Delete the claim's key if it has expired, so that it may be sent again, and a batch of other expired keys, so
    that the table stays small with no sweep of its own. The batch is the keys that expired first, found through the
    index on ``expires_at``: a scan of a table of a day's keys would cost every request more than all the rest."""
    expired = IdempotencyRecord.expires_at <= claim.created_at
    own = delete(IdempotencyRecord).where(
        IdempotencyRecord.owner == claim.owner, IdempotencyRecord.key == claim.key, expired
    )
    first_expired = (
        select(IdempotencyRecord.id)
        .where(expired)
        .order_by(IdempotencyRecord.expires_at)
        .limit(PURGED_AT_ONCE)
        .with_for_update(skip_locked=True)
    )
    batch = delete(IdempotencyRecord).where(IdempotencyRecord.id.in_(first_expired.scalar_subquery()))
    return [own, batch.execution_options(synchronize_session=False)]


def store(record_id: int, answer: Answer) -> Update:
    """Give the key's row its answer, in the transaction of the work."""
    return (
        update(IdempotencyRecord)
        .where(IdempotencyRecord.id == record_id)
        .values(status=answer.status, headers=json.dumps(answer.headers), body=answer.body)
    )


def forget(record_id: int) -> Delete:
    """Delete the key's row, whose request did not finish after its work was committed."""
    return delete(IdempotencyRecord).where(IdempotencyRecord.id == record_id)


def bounded_wait(dialect: str, claim: Claim) -> tuple[TextClause, TextClause]:
    """The statements that bound, and then unbound, how long the key's insert waits for another request with the key:
    on PostgreSQL the lock timeout, on SQLite the wait for its one writer, usually the statement timeout."""
    if dialect == "postgresql":
        return text(f"SET LOCAL lock_timeout = {round(claim.wait * 1000)}"), text("SET LOCAL lock_timeout = DEFAULT")
    usual = round(claim.statement_timeout * 1000)
    return text(f"PRAGMA busy_timeout = {round(claim.wait * 1000)}"), text(f"PRAGMA busy_timeout = {usual}")


def waited_too_long(error: DBAPIError) -> bool:
    """Whether the key's insert gave up waiting for another request that holds the key (or, on SQLite, the lock)."""
    original = error.orig
    sqlstate = str(getattr(original, "sqlstate", None) or getattr(original, "pgcode", None) or "")
    return sqlstate == "55P03" or "database is locked" in str(original)
