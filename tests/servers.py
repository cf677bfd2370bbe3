"""Servers that the tests and the benchmark start on 127.0.0.1: a free port, start, wait until live, stop.

The standard library only, because ``bench`` imports this module too (``python -m bench`` runs from the repository
root). A server runs in a session of its own, its output in a log file, and is stopped as a container runtime stops
one: SIGTERM to the whole session, SIGKILL if it has not stopped in time.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import httpx

LIVE_PATH = "/health/live"
START_TIMEOUT_SECONDS = 60
STOP_TIMEOUT_SECONDS = 30
LOCAL = urllib.request.build_opener(urllib.request.ProxyHandler({}))
"""An opener that asks the server itself, whatever proxy the environment names."""


class ServerError(RuntimeError):
    """A server exited, or did not answer in time; the message ends with the end of its output."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now, for a server to start on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def start(command: Sequence[str | Path], cwd: Path, env: Mapping[str, str], log: Path) -> subprocess.Popen[bytes]:
    """Start a server in a session of its own, so that ``stop`` reaches its workers too; its output goes to ``log``."""
    with log.open("wb") as output:
        return subprocess.Popen(
            [str(part) for part in command],
            cwd=cwd,
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def log_tail(log: Path, characters: int = 4000) -> str:
    return log.read_text(errors="replace")[-characters:] if log.exists() else ""


def wait_until_live(
    server: subprocess.Popen[bytes],
    base_url: str,
    log: Path,
    timeout: float = START_TIMEOUT_SECONDS,
    name: str = "the server",
) -> None:
    """Return once ``GET <base_url>/health/live`` answers 200; ServerError if the server exits or time runs out."""
    url, deadline = base_url + LIVE_PATH, time.monotonic() + timeout
    while server.poll() is None:
        # Until the server listens and answers 200, the request fails: an OSError, or a reply cut short.
        with contextlib.suppress(OSError, http.client.HTTPException), LOCAL.open(url, timeout=5) as reply:
            if reply.status == 200:
                return
        if time.monotonic() > deadline:
            raise ServerError(f"{name} did not answer {LIVE_PATH} within {timeout:.0f} s; its output:\n{log_tail(log)}")
        time.sleep(0.1)
    raise ServerError(f"{name} exited with status {server.returncode}; its output:\n{log_tail(log)}")


def stop(server: subprocess.Popen[bytes], timeout: float = STOP_TIMEOUT_SECONDS) -> None:
    """SIGTERM to the server's session, as a container runtime sends; SIGKILL if it has not stopped in time."""
    with contextlib.suppress(ProcessLookupError):  # the whole session has exited already
        os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGKILL)
        server.wait()


@contextlib.contextmanager
def running(
    command: Sequence[str | Path],
    cwd: Path,
    env: Mapping[str, str],
    port: int,
    log: Path,
    timeout: float = START_TIMEOUT_SECONDS,
    name: str = "the server",
) -> Iterator[subprocess.Popen[bytes]]:
    """A server, started and live on 127.0.0.1:``port``, stopped when the block ends, also after a failure."""
    server = start(command, cwd, env, log)
    try:
        wait_until_live(server, f"http://127.0.0.1:{port}", log, timeout, name)
        yield server
    finally:
        stop(server)


MEMBER = {"email": "ada@example.com", "password": "correct horse battery staple"}
"""The member whom the tests of a running bake with accounts register and sign in as."""


def member_credentials(base_url: str) -> dict[str, str]:
    """Register the member on a running server, get an access token with the password grant, and return the headers
    that send it."""
    assert httpx.post(f"{base_url}/api/v1/auth/register", json=MEMBER).status_code == 201
    form = {"grant_type": "password", "username": MEMBER["email"], "password": MEMBER["password"]}
    tokens = httpx.post(f"{base_url}/api/v1/auth/token", data=form).raise_for_status().json()
    return {"Authorization": f"Bearer {tokens['access_token']}"}
