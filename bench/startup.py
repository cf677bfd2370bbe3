"""First answer: how long a server takes from being started to its first 200 on ``GET /health/live``.

The generated app starts as a user starts it, ``python -m <package>``; the bare app of the same framework starts
under the same server with the same options (``apps/serve.py``). Starts alternate between the two, one at a time.
"""

import contextlib
import http.client
import os
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from tests.servers import LIVE_PATH, free_port, log_tail, start

from .common import APPS_DIR, FRAMEWORK_NAMES, INTERFACES, BenchError, median, progress, served_env
from .projects import Project

TARGET_S = 1.0
"""The generated app must answer within this time of being started, on a quiet machine."""
TIMEOUT_S = 30.0
POLL_INTERVAL_S = 0.005


@dataclass
class Startup:
    """One server choice of one framework: the generated app's first answers beside the bare app's, in seconds."""

    framework: str
    server: str
    generated: list[float] = field(default_factory=list)
    bare: list[float] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{FRAMEWORK_NAMES[self.framework]}, {self.server}"

    @property
    def ratio(self) -> float:
        """The generated app's median time as a multiple of the bare app's."""
        return median(self.generated) / median(self.bare)

    @property
    def meets_target(self) -> bool:
        return median(self.generated) <= TARGET_S


def answers(port: int) -> bool:
    """Whether the server on ``port`` answers ``GET /health/live`` with 200 now."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("GET", LIVE_PATH)
        return connection.getresponse().status == 200
    except (OSError, http.client.HTTPException):
        return False
    finally:
        connection.close()


def first_answer(command: list[str | Path], cwd: Path, env: dict[str, str], port: int, log: Path) -> float:
    """Start the server, return the seconds until its first 200, and kill it: only its start is measured."""
    started = time.perf_counter()
    server = start(command, cwd, env, log)
    try:
        while not answers(port):
            if server.poll() is not None:
                raise BenchError(f"{command} exited with status {server.returncode}:\n{log_tail(log)}")
            if time.perf_counter() - started > TIMEOUT_S:
                raise BenchError(f"{command} did not answer within {TIMEOUT_S:.0f} s:\n{log_tail(log)}")
            time.sleep(POLL_INTERVAL_S)
        return time.perf_counter() - started
    except subprocess.SubprocessError as error:
        raise BenchError(str(error)) from error
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGKILL)
        server.wait()


def bare_command(project: Project, server: str, port: int, threads: int) -> list[str | Path]:
    target = f"bare_{project.framework}:app"
    interface = INTERFACES[project.framework]
    return [project.python, APPS_DIR / "serve.py", server, target, interface, str(port), "1", str(threads), "INFO"]


def measure_startup(
    project: Project, threads: int, database_url: str, starts: int, warm_up: bool, log_dir: Path
) -> Startup:
    """``starts`` first answers of the generated app and of the bare app, alternating, at the default log level.

    With ``warm_up``, one start of each comes first and is not counted: it writes the bytecode caches of a new
    environment, which every later start reads.
    """
    server = project.server
    progress(f"first answer: {project.framework} under {server}, generated and bare in turn, {starts} each")
    result = Startup(project.framework, server)
    for index in range(-1 if warm_up else 0, starts):
        runs = [("generated", result.generated), ("bare", result.bare)]
        for name, times in runs if index % 2 else reversed(runs):
            port = free_port()
            # As in a user's environment, the first start writes the bytecode caches that the others read.
            env = served_env({project.env_name("database_url"): database_url, project.env_name("port"): str(port)})
            command: list[str | Path] = [project.python, "-m", project.package]
            if name == "bare":
                env.update(PYTHONPATH=str(APPS_DIR), BENCH_DATABASE_URL=database_url)
                command = bare_command(project, server, port, threads)
            log = log_dir / f"startup-{project.framework}-{server}-{name}-{index}.log"
            elapsed = first_answer(command, project.path, env, port, log)
            if index >= 0:
                times.append(elapsed)
    return result
