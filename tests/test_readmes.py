"""The commands the READMEs give work as written: the template's, and each generated project's."""

from __future__ import annotations

import json
import os
import shlex
import signal
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from psycopg import sql

from .baking import saved_answers
from .databases import ADMIN_URL
from .readmes import clean_env, quick_start_commands, section_commands
from .servers import free_port, start, wait_until_live
from .toolchain import run_checked

TEMPLATE = Path(__file__).resolve().parents[1]
START_TIMEOUT_SECONDS = 120
ADMIN_PASSWORD = "the first admin's long password"
DESIGN_LINES = 250
"""The most lines docs/design.md may have: the decisions and their reasons; their history belongs in CHANGELOG.md."""


def test_template_readme_gives_two_commands_and_ci_runs_the_second() -> None:
    generate, test = quick_start_commands(TEMPLATE / "README.md")

    assert generate.startswith("uvx cookiecutter")
    assert test in (TEMPLATE / ".ci" / "run").read_text(encoding="utf-8").splitlines()


def test_design_page_holds_decisions_within_its_length() -> None:
    design_lines = (TEMPLATE / "docs" / "design.md").read_text(encoding="utf-8").count("\n")

    assert design_lines <= DESIGN_LINES, f"docs/design.md has {design_lines} lines; move its history to CHANGELOG.md"


@pytest.mark.slow
def test_template_readme_generate_command_makes_a_project(tmp_path: Path) -> None:
    generate = quick_start_commands(TEMPLATE / "README.md")[0]

    run_checked([*shlex.split(generate), "--no-input", "--output-dir", str(tmp_path)], TEMPLATE, clean_env())

    assert (tmp_path / "my-service" / "src" / "my_service" / "app.py").is_file()


@contextmanager
def database_for_the_quick_start(database: str) -> Iterator[dict[str, str]]:
    """No setting for SQLite, whose file the Quick start creates; for PostgreSQL, the URL of a database that the
    server does not have yet, as on a user's first run, dropped when the block ends."""
    if database == "sqlite":
        yield {}
        return
    name = f"readme_check_{uuid.uuid4().hex[:12]}"
    try:
        yield {"MY_SERVICE_DATABASE_URL": ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"}
    finally:
        with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.mark.slow
@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
@pytest.mark.parametrize("framework", ["fastapi", "flask"])
def test_generated_readme_gives_two_commands_and_the_first_serves_the_project(
    cookies: Any, tmp_path: Path, framework: str, database: str
) -> None:
    result = cookies.bake(extra_context={"framework": framework, "database": database})
    assert result.exit_code == 0, result.exception
    project: Path = result.project_path
    # The second, the test command, runs in test_bake.py for every row of the table; the serve command creates the
    # project's environment here, as a user's first command does.
    serve, _ = quick_start_commands(project / "README.md")

    with database_for_the_quick_start(database) as database_env:
        serve_and_stop(project, serve, database_env, tmp_path)
    if database == "sqlite":
        assert (project / "my_service.db").is_file()


@pytest.mark.slow
def test_generated_readme_migration_step_says_in_one_line_when_the_server_is_unreachable(cookies: Any) -> None:
    result = cookies.bake(extra_context={"database": "postgresql"})
    assert result.exit_code == 0, result.exception
    project: Path = result.project_path
    migrate = quick_start_commands(project / "README.md")[0].split(" && ")[0]
    env = {**clean_env(), "MY_SERVICE_DATABASE_URL": f"postgresql://postgres:secret@127.0.0.1:{free_port()}/nowhere"}

    completed = subprocess.run(
        ["bash", "-c", migrate], cwd=project, env=env, capture_output=True, text=True, check=False
    )

    assert completed.returncode == 1, completed.stderr
    last_line = completed.stderr.strip().splitlines()[-1]
    assert last_line.startswith("ERROR: cannot migrate postgresql://postgres:***@127.0.0.1:"), completed.stderr
    assert "Traceback" not in completed.stderr
    assert "secret" not in completed.stderr


def serve_and_stop(project: Path, serve: str, database_env: dict[str, str], log_folder: Path) -> None:
    """Run the README's serve command, use the API and its docs, then stop it as a container runtime would."""
    port = free_port()
    env = {**clean_env(), **database_env, "MY_SERVICE_PORT": str(port)}
    log = log_folder / "server.log"
    server = start(["bash", "-c", serve], project, env, log)
    try:
        wait_until_live(server, f"http://127.0.0.1:{port}", log, START_TIMEOUT_SECONDS)
        base_url = f"http://127.0.0.1:{port}"
        docs = httpx.get(f"{base_url}/docs")
        assert docs.status_code == 200
        assert "swagger-ui" in docs.text
        headers = first_admin_credentials(project, base_url, {**env, "PASSWORD": ADMIN_PASSWORD})
        assert httpx.post(f"{base_url}/api/v1/items", json={"name": "Widget"}, headers=headers).status_code == 201
        assert httpx.get(f"http://127.0.0.1:{port}/health/ready").status_code == 200
    finally:
        # As a container runtime would: SIGTERM to the server process alone, not to its workers or to uv and bash.
        os.kill(server_process(server.pid), signal.SIGTERM)
        try:
            exit_code = server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            raise
    assert exit_code == 0


def first_admin_credentials(project: Path, base_url: str, env: dict[str, str]) -> dict[str, str]:
    """Follow the "Accounts and tokens" section of docs/identity.md, where the project has accounts: create the first
    admin (the password on standard input), get a token with its curl command, and return the headers that send it."""
    if saved_answers(project)["auth"] != "accounts":
        return {}
    create_admin, get_token, _ = section_commands(project / "docs" / "identity.md", "Accounts and tokens")[:3]
    created = subprocess.run(
        ["bash", "-c", create_admin], cwd=project, env=env, input=f"{ADMIN_PASSWORD}\n", capture_output=True, text=True
    )
    assert created.returncode == 0, created.stderr
    token_command = get_token.splitlines()[:2]
    answer = subprocess.run(
        ["bash", "-c", "\n".join(token_command).replace("http://127.0.0.1:8000", base_url)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return {"Authorization": f"Bearer {json.loads(answer.stdout)['access_token']}"}


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
