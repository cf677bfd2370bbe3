"""The benchmark's servers: started, live and stopped by the helpers the template's tests use, and their memory."""

import contextlib
import subprocess
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from tests import servers

from .common import BenchError


@dataclass(frozen=True)
class Memory:
    """The resident memory of a server's workers after its load, in MiB, and what the server was."""

    label: str
    rss_mib: list[float]


@dataclass(frozen=True)
class Server:
    name: str
    port: int
    process: subprocess.Popen[bytes]
    log: Path

    def url(self, path: str = "") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def worker_rss_mib(self) -> list[float]:
        """Resident memory of each worker process (the server's children), in MiB."""
        workers = [pid for pid in _children(self.process.pid) if b"resource_tracker" not in _cmdline(pid)]
        return [_rss_kib(pid) / 1024 for pid in workers or [self.process.pid]]


@contextlib.contextmanager
def running(
    name: str, command: Sequence[str | Path], cwd: Path, env: Mapping[str, str], port: int, log: Path
) -> Iterator[Server]:
    """Start the server, wait until it answers ``GET /health/live``, and stop its whole process group at the end."""
    try:
        with servers.running(command, cwd, env, port, log, name=name) as process:
            yield Server(name, port, process, log)
    except servers.ServerError as error:
        raise BenchError(str(error)) from error


def _children(pid: int) -> list[int]:
    children = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                # The parent pid is the second field after the command name, which is in parentheses.
                fields = (entry / "stat").read_text().rpartition(")")[2].split()
                if int(fields[1]) == pid:
                    children.append(int(entry.name))
    return children


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def _rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise BenchError(f"no VmRSS for process {pid}")
