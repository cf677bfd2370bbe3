"""Running commands on baked projects, the tools they need, and virtual environments built by uv from each
project's own pyproject.toml."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import NoReturn

import pytest
from uv import find_uv_bin

COMMAND_TIMEOUT_SECONDS = 900
"""A bound on any one command, such as a bake's whole suite: the longest (FastAPI, PostgreSQL, accounts, Celery) takes
about 400 s on two cores and reached 735 s on a machine busy with other work."""


def run(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run a command, bounded in time, with its standard error folded into its output."""
    return subprocess.run(
        command,
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=COMMAND_TIMEOUT_SECONDS,
        check=False,
    )


def run_checked(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> str:
    """Run a command and return its output; fail the test with that output if it exits non-zero."""
    completed = run(command, cwd, env)
    if completed.returncode != 0:
        # A test suite's summary names its failed tests, which its long output may have pushed out of the tail.
        failed = [line for line in completed.stdout.splitlines() if line.startswith(("FAILED ", "ERROR "))]
        summary = "\n".join(["", *failed[:20]])
        # And the first of its tracebacks, which the coverage report that follows them may have pushed out too.
        first = re.search(r"^=+ (?:ERRORS|FAILURES) =+$", completed.stdout, re.MULTILINE)
        traceback = completed.stdout[first.start() : first.start() + 8000] + "\n...\n" if first else ""
        tail = completed.stdout[-8000:]
        pytest.fail(f"{' '.join(command)} exited {completed.returncode} in {cwd}:{summary}\n{traceback}{tail}")
    return completed.stdout


def missing_tool(tool: str, how_to_install: str) -> NoReturn:
    """Skip the test for want of a tool, saying how to install it; fail it under continuous integration (``CI=true``,
    as GitHub Actions and GitLab CI set it, and as ``.ci/run`` sets it), which must run every test."""
    message = f"{tool} is not installed: {how_to_install}"
    if os.environ.get("CI", "").lower() in {"true", "1"}:
        pytest.fail(f"{message} (CI={os.environ['CI']}: continuous integration runs every test)")
    pytest.skip(message)


def find_python(version: str) -> str:
    """An interpreter of this version already on the machine (no download): this one, on PATH, or under pyenv."""
    if f"{sys.version_info.major}.{sys.version_info.minor}" == version:
        return sys.executable
    candidates = [shutil.which(f"python{version}")]
    candidates += sorted(str(path) for path in Path.home().glob(f".pyenv/versions/{version}.*/bin/python{version}"))
    for candidate in filter(None, candidates):
        probe = subprocess.run([candidate, "-c", "import sys"], capture_output=True, check=False)
        if probe.returncode == 0:
            return candidate
    pytest.fail(f"Python {version} is not installed; install it (pyenv or the OS) to check bakes that require it")


class Environments:
    """One virtual environment per framework and Python version, re-synced for each bake that uses it, each with a
    mypy cache of its own.

    Test processes share their mypy caches through ``mypy_caches`` (pytest-xdist's workers have one folder above
    their own): a cold cache costs about 20 s on these machines, nearly all of it the installed packages, while a copy
    of another process's cache for the same environment costs about 2 s, as mypy accepts each module whose content's
    hash is unchanged wherever the environment lies.
    """

    def __init__(self, root: Path, mypy_caches: Path) -> None:
        self.root = root
        self.mypy_caches = mypy_caches

    def sync(self, project: Path, framework: str, python_version: str) -> str:
        """Install ``project`` with its dev group, and nothing else, into the shared environment; return its python."""
        environment = self.root / f"{framework}-py{python_version}"
        env = {**os.environ, "UV_PROJECT_ENVIRONMENT": str(environment), "UV_PYTHON_DOWNLOADS": "never"}
        uv = find_uv_bin()
        run_checked([uv, "sync", "--quiet", "--python", find_python(python_version)], project, env)
        return str(environment / "bin" / "python")

    def mypy_cache(self, python: str) -> Path:
        """The mypy cache of the environment that ``python`` belongs to, started from a shared copy where there is
        one."""
        environment = Path(python).parents[1]
        cache = environment / "mypy_cache"
        shared = self.mypy_caches / environment.name
        if not cache.exists() and shared.exists():
            shutil.copytree(shared, cache)
        return cache

    def share_mypy_cache(self, python: str) -> None:
        """Share a copy of the mypy cache of ``python``'s environment, unless another process has shared one."""
        environment = Path(python).parents[1]
        shared = self.mypy_caches / environment.name
        if shared.exists():
            return
        self.mypy_caches.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=self.mypy_caches) as staging:
            copy = Path(staging) / environment.name
            shutil.copytree(environment / "mypy_cache", copy)
            # Renaming is atomic: another process sees the whole copy or none, and if its own copy got there first,
            # this one stays in the staging folder.
            with contextlib.suppress(OSError):
                copy.rename(shared)

    def mypy(self, python: str, project: Path) -> None:
        """Run mypy on ``project`` with the cache of ``python``'s environment, and share the cache."""
        run_checked([python, "-m", "mypy", "--cache-dir", str(self.mypy_cache(python))], project)
        self.share_mypy_cache(python)
