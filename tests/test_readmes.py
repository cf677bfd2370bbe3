"""The commands the READMEs give work as written: the template's, and each generated project's."""

from __future__ import annotations

import os
import re
import shlex
import signal
import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest

from .servers import free_port, start, wait_until_live
from .toolchain import run_checked

TEMPLATE = Path(__file__).resolve().parents[1]
START_TIMEOUT_SECONDS = 120
SH_BLOCK = re.compile(r"```sh\n(.*?)```", re.DOTALL)


def quick_start_commands(readme: Path) -> list[str]:
    """The shell commands of a README's "Quick start" section, in order."""
    text = readme.read_text(encoding="utf-8")
    section = text.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    return [block.strip() for block in SH_BLOCK.findall(section)]


def clean_env() -> dict[str, str]:
    """This environment without the template's own virtual environment, as a user's shell would be."""
    env = {key: value for key, value in os.environ.items() if key not in {"VIRTUAL_ENV", "UV_PROJECT_ENVIRONMENT"}}
    env["UV_PYTHON_DOWNLOADS"] = "never"
    return env


def test_template_readme_gives_two_commands_and_ci_runs_the_second() -> None:
    generate, test = quick_start_commands(TEMPLATE / "README.md")

    assert generate.startswith("uvx cookiecutter")
    assert test in (TEMPLATE / ".ci" / "run").read_text(encoding="utf-8").splitlines()


@pytest.mark.slow
def test_template_readme_generate_command_makes_a_project(tmp_path: Path) -> None:
    generate = quick_start_commands(TEMPLATE / "README.md")[0]

    run_checked([*shlex.split(generate), "--no-input", "--output-dir", str(tmp_path)], TEMPLATE, clean_env())

    assert (tmp_path / "my-service" / "src" / "my_service" / "app.py").is_file()


@pytest.mark.slow
@pytest.mark.parametrize("framework", ["fastapi", "flask"])
def test_generated_readme_commands_serve_and_test_the_project(cookies: Any, tmp_path: Path, framework: str) -> None:
    result = cookies.bake(extra_context={"framework": framework})
    assert result.exit_code == 0, result.exception
    project: Path = result.project_path
    serve, test = quick_start_commands(project / "README.md")

    output = run_checked(shlex.split(test), project, clean_env())
    assert re.search(r"\b\d+ passed\b", output)

    port = free_port()
    env = {**clean_env(), "MY_SERVICE_PORT": str(port)}
    log = tmp_path / "server.log"
    server = start(["bash", "-c", serve], project, env, log)
    try:
        wait_until_live(server, f"http://127.0.0.1:{port}", log, START_TIMEOUT_SECONDS)
        docs = httpx.get(f"http://127.0.0.1:{port}/docs")
        assert docs.status_code == 200
        assert "swagger-ui" in docs.text
        assert httpx.post(f"http://127.0.0.1:{port}/api/v1/items", json={"name": "Widget"}).status_code == 201
        assert (project / "my_service.db").is_file()
    finally:
        # As a container runtime would: SIGTERM to the server process alone, not to its workers or to uv and bash.
        os.kill(server_process(server.pid), signal.SIGTERM)
        try:
            exit_code = server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            raise
    assert exit_code == 0


def children(pid: int) -> list[int]:
    tasks = Path(f"/proc/{pid}/task")
    return [int(child) for task in tasks.iterdir() for child in (task / "children").read_text().split()]


def server_process(shell_pid: int) -> int:
    """The first process under the shell that runs ``python -m``: the server, whose own children are its workers."""
    pending = [shell_pid]
    while pending:
        pid = pending.pop(0)
        arguments = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\x00")
        if Path(arguments[0].decode()).name.startswith("python") and arguments[1:3] == [b"-m", b"my_service"]:
            return pid
        pending.extend(children(pid))
    raise AssertionError("no server process was found under the shell")
