"""What every part of the harness shares: paths, subprocess helpers and the harness's own error."""

import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO_DIR = BENCH_DIR.parent
APPS_DIR = BENCH_DIR / "apps"
LUA_DIR = BENCH_DIR / "lua"
FRAMEWORKS = ("fastapi", "flask")
FRAMEWORK_NAMES = {"fastapi": "FastAPI", "flask": "Flask"}
INTERFACES = {"fastapi": "asgi", "flask": "wsgi"}
SERVERS = {"fastapi": ("granian", "uvicorn"), "flask": ("granian", "gunicorn")}
"""Each framework's servers: granian (the template's ``server=granian``), and the classic server that
``server=classic`` bakes."""


class BenchError(RuntimeError):
    """A part of the benchmark could not run or gave figures that cannot be trusted."""


def progress(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def tool(name: str) -> str:
    """The path of a command the harness needs, or an error that says how to get it."""
    path = shutil.which(name)
    if path is None:
        raise BenchError(f"{name} is not on PATH: install it (apt-get install {name}, or pip install {name})")
    return path


def clean_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """This process's environment without the template's virtual environment, so uv uses the project's own."""
    env = {key: value for key, value in os.environ.items() if key not in ("VIRTUAL_ENV", "UV_PROJECT_ENVIRONMENT")}
    env.update(extra or {})
    return env


def served_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment of a served bake's processes (servers, migrations): ``clean_env`` with Python free to write
    bytecode, whatever ``PYTHONDONTWRITEBYTECODE`` says here. The bakes the load parts serve are synced without
    compiling their packages; a process's imports write the bytecode of what it uses, which later starts read."""
    env = clean_env(extra)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def run(command: Sequence[str | Path], cwd: Path, env: Mapping[str, str] | None = None, timeout: float = 600) -> float:
    """Run a command to completion and return its wall time in seconds; its output is shown only on failure."""
    started = time.perf_counter()
    completed = subprocess.run(
        [str(part) for part in command],
        cwd=cwd,
        env=dict(env) if env is not None else clean_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    elapsed = time.perf_counter() - started
    if completed.returncode != 0:
        output = (completed.stdout + completed.stderr)[-3000:]
        raise BenchError(f"{' '.join(map(str, command))} failed with status {completed.returncode} in {cwd}:\n{output}")
    return elapsed


def output_of(command: Sequence[str | Path], cwd: Path | None = None) -> str:
    completed = subprocess.run([str(part) for part in command], cwd=cwd, capture_output=True, text=True, check=False)
    return (completed.stdout or completed.stderr).strip()


def median(values: Sequence[float]) -> float:
    return statistics.median(values)
