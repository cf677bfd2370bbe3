"""Driving load with wrk (a C load generator), bounded in time, and reading back its figures."""

import re
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from .common import LUA_DIR, BenchError, clean_env, tool

REPORT_LINE = re.compile(r"^BENCH (?P<fields>.+)$", re.MULTILINE)
SOCKET_ERRORS = ("connect", "read", "write")


@dataclass(frozen=True)
class Load:
    """One wrk run: how many requests, how fast, and the 50th and 99th latency percentiles."""

    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    timeouts: int

    @property
    def rps(self) -> float:
        return self.requests / self.seconds


def run_wrk(
    url: str,
    script: str,
    *,
    connections: int,
    seconds: int,
    threads: int = 2,
    script_arguments: tuple[str, ...] = (),
    headers: Mapping[str, str] | None = None,
    allow_timeouts: bool = False,
) -> Load:
    """Load ``url`` for ``seconds``, with ``headers`` on every request (a script's ``wrk.format`` call without headers
    of its own sends them); socket errors, responses other than 2xx or 3xx, and timeouts are failures."""
    command = [
        tool("wrk"),
        f"--threads={min(threads, connections)}",
        f"--connections={connections}",
        f"--duration={seconds}s",
        "--timeout=10s",
        f"--script={Path(LUA_DIR, script)}",
        *(f"--header={name}: {value}" for name, value in (headers or {}).items()),
        url,
    ]
    if script_arguments:
        command += ["--", *script_arguments]
    completed = subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=seconds + 60,
        check=False,
        env=clean_env({"BENCH_LUA_DIR": str(LUA_DIR)}),
    )
    match = REPORT_LINE.search(completed.stdout)
    if completed.returncode != 0 or match is None:
        raise BenchError(f"wrk failed on {url} (status {completed.returncode}):\n{completed.stdout}{completed.stderr}")
    fields = {key: int(value) for key, value in (pair.split("=") for pair in match["fields"].split())}
    errors = {name: fields[name] for name in SOCKET_ERRORS if fields[name]}
    if fields["status"]:
        errors["non-2xx/3xx responses"] = fields["status"]
    if fields["timeout"] and not allow_timeouts:
        errors["timeouts"] = fields["timeout"]
    if errors or fields["requests"] == 0:
        raise BenchError(f"wrk on {url} with {script}: {fields['requests']} requests, errors {errors}")
    return Load(
        requests=fields["requests"],
        seconds=fields["duration_us"] / 1e6,
        p50_ms=fields["p50_us"] / 1000,
        p99_ms=fields["p99_us"] / 1000,
        timeouts=fields["timeout"],
    )
