"""Idempotency keys (the IETF httpapi draft's ``Idempotency-Key``): a POST retried with its key is answered again,
not done again.

The first request with a key holds the key while it runs, does its work, and stores the key with its answer in the
work's transaction: a key is kept, with its answer, only by a request whose work committed, so that no crash between
the two can leave work done and no answer for its retry, or an answer for work undone. A retry with the key and the
same request gets the stored answer; with another request (method, path or body), 422. A retry that comes while the
first request is still running waits for it to end, at most ``idempotency_wait`` seconds, and is then answered the
first request's answer, or 409 with ``Retry-After``. A request whose work fails (any error answer) leaves nothing
done and keeps no key: its retry runs again. Keys are scoped to the caller's principal, so that no caller can read
another's answer with a guessed key. The unique constraint on a caller's key is the last guard: of two requests that
both did the work, one stores the key, and the other's transaction, its work with it, rolls back.
"""

import hashlib
import itertools
import json
import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property
from typing import Any

from pydantic import BaseModel
from sqlalchemy import (
    BigInteger,
    Integer,
    Row,
    String,
    Text,
    TextClause,
    UniqueConstraint,
    and_,
    bindparam,
    delete,
    func,
    insert,
    select,
    text,
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
STORED_PER_PURGE = PURGED_AT_ONCE // 5
"""A process purges expired keys with the first key it stores and every this many after: it deletes them five times
as fast as it stores them, for a fraction of a round trip per key."""
_stored = itertools.count()


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

    @cached_property
    def parameters(self) -> dict[str, object]:
        """The values of the statements below for this claim; ``lock`` is the key as a PostgreSQL advisory lock, a
        signed 64-bit hash of the owner and the key."""
        hashed = hashlib.sha256(json.dumps([self.owner, self.key]).encode()).digest()
        lock = int.from_bytes(hashed[:8], signed=True)
        return {"owner": self.owner, "key": self.key, "lock": lock, "now": self.created_at}


class IdempotencyRecord(Base):
    """A key a caller sent, with the answer of the request that first sent it; committed only with that request's
    work, so every row has its answer."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("owner", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner: Mapped[str] = mapped_column(String(SUBJECT_MAX_LENGTH), info={OWNER: True})
    key: Mapped[str] = mapped_column(String(KEY_MAX_LENGTH))
    fingerprint: Mapped[str] = mapped_column(String(64))
    status: Mapped[int] = mapped_column(Integer())
    headers: Mapped[str] = mapped_column(Text())
    body: Mapped[str] = mapped_column(Text())
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


THE_KEY = and_(IdempotencyRecord.owner == bindparam("owner"), IdempotencyRecord.key == bindparam("key"))
"""The claim's key. The statements below are built once and run with the claim's ``parameters``: building a statement
for each request costs about as much as running it."""
LOCK = bindparam("lock", type_=BigInteger)
"""The claim's key as a PostgreSQL advisory lock."""
StoredAnswer = Row[str, int, str, str, datetime]
"""The columns of a key's row that a retry's answer needs."""
_answer = select(
    IdempotencyRecord.fingerprint,
    IdempotencyRecord.status,
    IdempotencyRecord.headers,
    IdempotencyRecord.body,
    IdempotencyRecord.expires_at,
)
STORED_ANSWER = _answer.where(THE_KEY)
"""The key's stored answer, expired or not."""
_held = func.pg_try_advisory_xact_lock(LOCK).table_valued("held").render_derived()
HELD_AT_ONCE = _answer.add_columns(_held.c.held).select_from(_held).outerjoin(IdempotencyRecord, THE_KEY)
"""On PostgreSQL, in one round trip: hold the key, unless another transaction holds it (``held`` is then false), and
read its stored answer. That is read as of the statement's start: one committed as the lock was taken is missed, and
found by the unique constraint on the key."""
HOLD = {
    "postgresql": select(func.pg_advisory_xact_lock(LOCK)),
    "sqlite": delete(IdempotencyRecord).where(THE_KEY, IdempotencyRecord.expires_at <= bindparam("now")),
}
"""Hold the key for the rest of the transaction, once no other transaction holds it: on PostgreSQL an advisory lock on
the key, on SQLite its one writer, taken by deleting the key if it has expired."""
STORE = insert(IdempotencyRecord)
"""Insert the key's row with its answer (``stored_row``), after the work, in its transaction."""
FORGET = delete(IdempotencyRecord).where(THE_KEY).execution_options(synchronize_session=False)
"""Delete the key's row: expired, or of a request that did not finish after its work was committed."""
PURGE = (
    delete(IdempotencyRecord)
    .where(
        IdempotencyRecord.id.in_(
            select(IdempotencyRecord.id)
            .where(IdempotencyRecord.expires_at <= bindparam("now"))
            .order_by(IdempotencyRecord.expires_at)
            .limit(PURGED_AT_ONCE)
            .with_for_update(skip_locked=True)
            .scalar_subquery()
        )
    )
    .execution_options(synchronize_session=False)
)
"""Delete a batch of expired keys, so that the table stays small with no sweep of its own. The batch is the keys that
expired first, found through the index on ``expires_at``: a scan of a table of a day's keys would cost more than all
the rest of a request."""


def expired(stored: StoredAnswer, claim: Claim) -> bool:
    """Whether the key's row is past its time: the key is then new again."""
    return bool(stored.expires_at <= claim.created_at)


def replay(stored: StoredAnswer, claim: Claim) -> Answer:
    """The stored answer, for a retry of the same request."""
    if stored.fingerprint != claim.fingerprint:
        raise IdempotencyKeyReusedError()
    return Answer(stored.status, json.loads(stored.headers), stored.body)


def stored_row(claim: Claim, answer: Answer) -> dict[str, object]:
    """The key's row with the answer, for ``STORE``."""
    return {
        "owner": claim.owner,
        "key": claim.key,
        "fingerprint": claim.fingerprint,
        "status": answer.status,
        "headers": json.dumps(answer.headers),
        "body": answer.body,
        "created_at": claim.created_at,
        "expires_at": claim.created_at + claim.lifetime,
    }


def purge_due() -> bool:
    """Whether the key now stored purges expired ones: the process's first, and every ``STORED_PER_PURGE``-th."""
    return next(_stored) % STORED_PER_PURGE == 0


def bounded_wait(dialect: str, claim: Claim) -> tuple[TextClause, TextClause]:
    """The statements that bound, and then unbound, how long holding the key waits for another request that holds it:
    on PostgreSQL the lock timeout, on SQLite the wait for its one writer, usually the statement timeout."""
    if dialect == "postgresql":
        return text(f"SET LOCAL lock_timeout = {round(claim.wait * 1000)}"), text("SET LOCAL lock_timeout = DEFAULT")
    usual = round(claim.statement_timeout * 1000)
    return text(f"PRAGMA busy_timeout = {round(claim.wait * 1000)}"), text(f"PRAGMA busy_timeout = {usual}")


def waited_too_long(error: DBAPIError) -> bool:
    """Whether holding the key gave up waiting for another request that holds it (on SQLite, the one writer)."""
    original = error.orig
    sqlstate = str(getattr(original, "sqlstate", None) or getattr(original, "pgcode", None) or "")
    return sqlstate == "55P03" or "database is locked" in str(original)
