"""Adding a kind of job is a documented, tested path: the "Adding a job" steps of a bake's ``docs/jobs.md``, followed
literally, add ``reports``, or ``backups`` with every ``report`` of the steps read as ``backup`` (a name that sorts
before ``core``, where ``reports`` sorts after ``jobs``, which moves the test's imports).

The steps copy the ``exports`` package, the example job, and its tests to the new name and register it. The copied
tests then queue the new kind's jobs through its own route and wait for them to succeed on a real worker process,
which the project's suite starts on the local Redis: a worker that did not know the kind would fail its jobs. They run
with the tests the change can reach, those that take the operations and tables from the app, rather than the whole
suite, which every row of test_bake.py runs unchanged (the machinery's coverage is the deletion test's). The project
is a git repository, so that the files the steps edited (not added) can be counted.

The example can also go: with its package, its name in ``FEATURES`` and its tests deleted, what is left is as clean
and passes its suite, on the machinery and the tests' own kind of job alone.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from .baking import bake, saved_answers
from .readmes import clean_env, section, section_commands
from .test_add_resource import (
    PRINT_OPENAPI,
    commit_as_baked,
    count_in,
    git,
    operations_of,
    passed_tests,
    register,
    renamed,
    run_shell_block,
)
from .toolchain import Environments, run_checked

ROWS = [
    pytest.param("fastapi", "postgresql", "accounts", "reports", 13, id="fastapi-postgresql-reports"),
    pytest.param("flask", "sqlite", "none", "backups", 14, id="flask-sqlite-backups"),
]
"""Each framework, each database and each side of ``core`` once, with the Redis database that each row's suite
empties as its broker (13 and 14: test_bake.py's rows take 4 to 12)."""
RABBITMQ_URL = "amqp://guest:guest@127.0.0.1:5672//"
"""The broker of the bake without the example, whose suite deletes only the queues it made there."""
HEADING = "Adding a job"
GUIDE = Path("docs") / "jobs.md"
EXAMPLE = "reports"
"""The plural name that the guide's steps add."""
EXAMPLE_RUNS_ON_A_WORKER = "test_an_export_runs_on_a_worker_and_its_result_holds_the_items"
"""The example's test that queues an export through its route and waits for a worker to finish it."""
AFFECTED_TESTS = [
    "tests/test_exports.py",
    "tests/test_docs.py",
    "tests/test_fuzz.py",
    "tests/test_head.py",
    "tests/test_migrations.py",
]
"""Beside the copied tests, the tests that a new kind of job can reach: the example's, and those that take the
operations (the document, the fuzzing, HEAD) and the tables (the migrations: a kind of job needs none) from the app."""
GUARD_TESTS = {
    "accounts": ["tests/test_accounts.py::test_a_protected_operation_without_a_token_is_401"],
    "oidc": ["tests/test_oidc.py::test_without_a_token_every_protected_operation_is_401"],
}
"""With identity, the test that asks every documented protected operation, the new route's too, without a token."""


def check_code(python: str, project: Path, environments: Environments) -> None:
    """ruff, ruff's formatting and mypy, as clean as the generated code."""
    run_checked([python, "-m", "ruff", "check", "--no-cache", "."], project)
    run_checked([python, "-m", "ruff", "format", "--check", "--no-cache", "."], project)
    environments.mypy(python, project)


def run_suite(project: Path, python: str, broker_url: str, report: Path) -> list[str]:
    """The project's whole suite by its README's command, with coverage, on this broker; the tests that passed."""
    output = run_tests(project, python, broker_url, report, ["--cov"])
    assert "Required test coverage of 95" in output
    return passed_tests(report)


def run_tests(project: Path, python: str, broker_url: str, report: Path, arguments: list[str]) -> str:
    """The project's tests by its README's command, with these arguments, on this broker; pytest's output."""
    env = clean_env() | {"UV_PROJECT_ENVIRONMENT": str(Path(python).parents[1]), "TEST_BROKER_URL": broker_url}
    output = run_checked(
        ["uv", "run", "pytest", "-p", "no:cacheprovider", f"--junitxml={report}", *arguments], project, env
    )
    assert re.search(r"\b\d+ passed\b", output)
    return output


@pytest.mark.slow
@pytest.mark.parametrize(("framework", "database", "auth", "name", "redis_database"), ROWS)
def test_the_guide_s_steps_add_a_kind_of_job_that_a_real_worker_runs(
    cookies: Any,
    environments: Environments,
    tmp_path: Path,
    framework: str,
    database: str,
    auth: str,
    name: str,
    redis_database: int,
) -> None:
    project = bake(cookies, {"framework": framework, "database": database, "auth": auth, "jobs": "celery"})
    package = saved_answers(project)["package_name"]
    python = environments.sync(project, framework, "3.11")
    commit_as_baked(project)
    [copy_and_rename] = [renamed(block, name, EXAMPLE) for block in section_commands(project / GUIDE, HEADING)]
    # `uv run`, as the guide says, in the environment synced above; no Python is downloaded.
    env = clean_env() | {"UV_PROJECT_ENVIRONMENT": str(Path(python).parents[1])}

    run_shell_block(copy_and_rename, project, env)
    register(section(project / GUIDE, HEADING), project / "src" / package / "features.py", name, EXAMPLE)

    edited = set(git(["diff", "--name-only", "HEAD"], project).split())
    added = set(git(["ls-files", "--others", "--exclude-standard"], project).split())
    assert edited == {f"src/{package}/features.py"}, f"the steps edited {sorted(edited)}; only features.py may be"
    example_files = {path.name for path in (project / "src" / package / "exports").glob("*.py")}
    assert added == {*(f"src/{package}/{name}/{module}" for module in example_files), f"tests/test_{name}.py"}
    singular = name.removesuffix("s")
    assert f'job_kind("items-{singular}", ' in (project / "src" / package / name / "jobs.py").read_text("utf-8")
    check_code(python, project, environments)

    # The new route queues its own kind of job, documented as the example's is.
    document = json.loads(run_checked([python, "-c", PRINT_OPENAPI.format(package=package)], project, env))
    operations = operations_of(document)
    assert operations[(f"/api/v1/items/{name}", "post")] == operations[("/api/v1/items/exports", "post")]

    # Step 3: the copied tests drive the new kind through a real worker, beside the example's, whose count they
    # match, and the tests that take their operations and tables from the app, which now has the new route.
    report = tmp_path / "report.xml"
    affected = [f"tests/test_{name}.py", *AFFECTED_TESTS, *GUARD_TESTS.get(auth, [])]
    run_tests(project, python, f"redis://127.0.0.1:6379/{redis_database}", report, affected)
    passed = passed_tests(report)
    for path in affected:
        module = path.partition("::")[0].removesuffix(".py").replace("/", ".")
        assert count_in(module, passed) > 0, f"no test of {path} passed"
    assert count_in(f"tests.test_{name}", passed) == count_in("tests.test_exports", passed) > 0
    assert f"tests.test_{name}.{EXAMPLE_RUNS_ON_A_WORKER.replace('export', singular)}" in passed


@pytest.mark.slow
def test_the_example_job_can_be_deleted_and_the_machinery_stays_covered(
    cookies: Any, environments: Environments, tmp_path: Path
) -> None:
    project = bake(cookies, {"framework": "fastapi", "database": "sqlite", "auth": "oidc", "jobs": "celery"})
    package = saved_answers(project)["package_name"]
    python = environments.sync(project, "fastapi", "3.11")

    shutil.rmtree(project / "src" / package / "exports")
    (project / "tests" / "test_exports.py").unlink()
    features = project / "src" / package / "features.py"
    source = features.read_text(encoding="utf-8")
    assert source.count('\n    "exports",\n') == 1
    features.write_text(source.replace('\n    "exports",\n', "\n"), encoding="utf-8")
    check_code(python, project, environments)

    passed = run_suite(project, python, RABBITMQ_URL, tmp_path / "report.xml")
    assert count_in("tests.test_jobs", passed) > 0
    assert count_in("tests.test_job_workers", passed) > 0
