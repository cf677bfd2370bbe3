"""The sync twins cannot drift: each FastAPI module that a Flask module mirrors is turned into sync code (``async`` and
``await`` removed, the async session's names replaced by the sync ones, calls handed to a thread made directly), both
are formatted alike, and what still differs must be exactly the differences listed here, which each have a reason.

A fix made to one twin only shows as a difference that is not listed; a listed difference that is gone shows too.
"""

from __future__ import annotations

import difflib
import re
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = (
    Path(__file__).resolve().parent.parent / "{{cookiecutter.project_slug}}" / "src" / "{{cookiecutter.package_name}}"
)
RENAMES = {
    "sqlalchemy.ext.asyncio": "sqlalchemy.orm",
    "AsyncSession": "Session",
    "AsyncEngine": "Engine",
    "AsyncConnection": "Connection",
    "async_sessionmaker": "sessionmaker",
    "redis.asyncio": "redis",
}
OFFLOADED_CALL = re.compile(r"\b(?:asyncio\.to_thread|run_in_threadpool)\((\w+(?:\.\w+)*), ")
"""A blocking call that the async twin hands to a thread, which the sync twin makes directly."""
AWAITABLE = re.compile(r"\bAwaitable\[(\w+)\]")
"""What an async callable returns, which the sync twin's callable returns as it is."""
ASYNC_ONLY_IMPORT = re.compile(
    r"^(?:import asyncio|from fastapi\.concurrency import run_in_threadpool)\n", re.MULTILINE
)
TWINS: dict[str, list[str]] = {
    "items/service": [],
    "web/answers": [
        # The sync connection is SQLAlchemy's own; the async one wraps it, beside the async session.
        "+from sqlalchemy import Connection",
        "-from sqlalchemy.orm import Connection, Session",
        "+from sqlalchemy.orm import Session",
    ],
    "mail/delivery": [],
    "jobs/service": [],
    "auth__accounts/attempts": [],
    "core/counting": [
        # redis-py types a synchronous client's answers as possibly awaitable.
        "-from typing import Protocol",
        "+from typing import Protocol, cast",
        # The sync connection is SQLAlchemy's own; the async one wraps it, beside the async session.
        "-from sqlalchemy.orm import Connection, Session",
        "+from sqlalchemy import Connection",
        "+from sqlalchemy.orm import Session",
        # A Flask application keeps the client among its extensions; a FastAPI one in its state.
        '+EXTENSION = "counters"',
        '+"""Where an application keeps its client of the counters\' Redis, or None."""',
        "-            if self.redis.decr(key) <= 0:",
        "+            # redis-py types a synchronous client's answers as possibly awaitable.",
        "+            if cast(int, self.redis.decr(key)) <= 0:",
    ],
    "auth__accounts/service": [
        # The command that makes an admin runs outside any request: the async twin starts an event loop for it.
        "-    def run() -> bool:",
        "-        engine = database.create_engine(settings)",
        "-        try:",
        "-            with database.create_sessions(engine)() as session:",
        "-                user = session.scalars(user_by_email(email)).first()",
        "-                if user is not None:",
        "-                    user.role = Role.ADMIN",
        "-                    session.commit()",
        "-                    return False",
        "-                create_user(session, Authority(settings), email, password, Role.ADMIN)",
        "-                return True",
        "-        finally:",
        "-            engine.dispose()",
        "-    return asyncio.run(run())",
        "+    engine = database.create_engine(settings)",
        "+    try:",
        "+        with Session(engine, expire_on_commit=False) as session:",
        "+            user = session.scalars(user_by_email(email)).first()",
        "+            if user is not None:",
        "+                user.role = Role.ADMIN",
        "+                session.commit()",
        "+                return False",
        "+            create_user(session, Authority(settings), email, password, Role.ADMIN)",
        "+            return True",
        "+    finally:",
        "+        engine.dispose()",
    ],
}
"""Each pair by its path without the ``__fastapi``/``__flask`` tag, and the lines in which the sync text of the async
twin (``-``) and the sync twin (``+``) are allowed to differ."""


def without_awaited_parentheses(text: str) -> str:
    """``(await call(...)).rest`` as ``call(...).rest``; the parentheses of a call are left alone."""
    position = 0
    while (start := text.find("(await ", position)) != -1:
        position = start + 1
        if start and (text[start - 1].isalnum() or text[start - 1] in "_)]"):
            continue
        depth = 0
        for end in range(start, len(text)):
            depth += {"(": 1, ")": -1}.get(text[end], 0)
            if depth == 0:
                break
        text = text[:start] + text[start + len("(await ") : end] + text[end + 1 :]
    return text


def unasync(text: str) -> str:
    text = without_awaited_parentheses(text)
    text = re.sub(r"\basync (def|with|for)\b", r"\1", text)
    text = re.sub(r"\bawait ", "", text)
    text = OFFLOADED_CALL.sub(r"\1(", text)
    text = AWAITABLE.sub(r"\1", text).replace("import Awaitable, ", "import ")
    text = ASYNC_ONLY_IMPORT.sub("", text)
    for old, new in RENAMES.items():
        text = text.replace(old, new)
    return text


def formatted(text: str) -> list[str]:
    """The code as ruff formats it when no trailing comma keeps a call or a signature on several lines."""
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "ruff",
            "format",
            "--line-length=120",
            "--config=format.skip-magic-trailing-comma=true",
            "-",
        ],
        input=text,
        capture_output=True,
        text=True,
        check=True,
    )
    return [line for line in completed.stdout.splitlines() if line.strip()]


@pytest.mark.parametrize("twin", TWINS)
def test_the_sync_twin_is_the_async_one_without_async(twin: str) -> None:
    async_text, sync_text = (
        (PACKAGE / f"{twin}__{tag}.py").read_text(encoding="utf-8") for tag in ("fastapi", "flask")
    )
    differing = [
        line
        for line in difflib.unified_diff(formatted(unasync(async_text)), formatted(sync_text), lineterm="", n=0)
        if line.startswith(("-", "+")) and not line.startswith(("---", "+++"))
    ]
    assert differing == TWINS[twin], "\n".join(differing)


def test_unasync_turns_async_code_into_its_sync_twin() -> None:
    async_code = (
        "import asyncio\n"
        "from sqlalchemy.ext.asyncio import AsyncSession\n"
        "async def f(session: AsyncSession) -> int:\n"
        "    async with session.begin():\n"
        "        rows = (await session.scalars(q(1))).all()\n"
        "        await session.delete(await get(session, 1))\n"
        "        await asyncio.to_thread(send, rows, 2)\n"
        "    return len(rows)\n"
    )
    assert unasync(async_code) == (
        "from sqlalchemy.orm import Session\n"
        "def f(session: Session) -> int:\n"
        "    with session.begin():\n"
        "        rows = session.scalars(q(1)).all()\n"
        "        session.delete(get(session, 1))\n"
        "        send(rows, 2)\n"
        "    return len(rows)\n"
    )
