"""The template's own GitHub workflow runs what ``.ci/run`` runs, shared out between its jobs.

``.ci/run`` runs every test and the quick benchmark on one machine. The workflow runs the fast tests in one job, the
slow ones in a matrix of jobs that bake in parallel, each with its own selection of tests, and the benchmark in a job
of its own. Every slow test must run in exactly one job of the matrix: a new test file, or a renamed parameter that a
``-k`` no longer matches, would otherwise stop running in the workflow without a sound.
"""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

TEMPLATE = Path(__file__).resolve().parents[1]
WORKFLOW = TEMPLATE / ".github" / "workflows" / "test.yml"
MATRIX_TESTS = "${{ matrix.tests }}"
"""Where the command of the matrix's jobs takes each job's selection of tests."""
PYTEST = ["uv", "run", "pytest"]
OK_STATUSES = (pytest.ExitCode.OK, pytest.ExitCode.NO_TESTS_COLLECTED)


def jobs() -> dict[str, dict[str, Any]]:
    workflow_jobs: dict[str, dict[str, Any]] = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))["jobs"]
    return workflow_jobs


def commands(job: dict[str, Any]) -> list[str]:
    """The shell commands of a job's steps."""
    return [str(step["run"]) for step in job["steps"] if "run" in step]


COLLECT = """
import json, sys
import pytest

class Collected:
    ids = []
    def pytest_collection_finish(self, session):
        self.ids = [item.nodeid for item in session.items]

selections = {}
for name, arguments in json.loads(sys.argv[1]).items():
    collected = Collected()
    status = pytest.main(["--collect-only", "-q", "-n0", "-p", "no:cacheprovider", *arguments], plugins=[collected])
    selections[name] = {"status": int(status), "ids": collected.ids}
print(json.dumps(selections))
"""
"""Collect each selection of tests in one Python process: pytest imports the test modules once, not once a selection."""


def collected(selections: dict[str, list[str]]) -> dict[str, list[str]]:
    """The ids of the tests that ``pytest`` selects with each list of arguments, collected without running them."""
    command = [sys.executable, "-c", COLLECT, json.dumps(selections)]
    completed = subprocess.run(command, cwd=TEMPLATE, capture_output=True, text=True, check=False)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    results = json.loads(completed.stdout.splitlines()[-1])
    failed = {name: selections[name] for name, result in results.items() if result["status"] not in OK_STATUSES}
    assert failed == {}, f"pytest could not collect these selections:\n{completed.stdout}"
    return {name: result["ids"] for name, result in results.items()}


def test_every_slow_test_runs_in_exactly_one_job_of_the_matrix() -> None:
    bakes = jobs()["bakes"]
    [command] = [command for command in commands(bakes) if MATRIX_TESTS in command]
    groups = {}
    for entry in bakes["strategy"]["matrix"]["include"]:
        arguments = shlex.split(command.replace(MATRIX_TESTS, entry["tests"]))
        assert arguments[:3] == PYTEST, f"the matrix's jobs run {command!r}, not pytest"
        groups[entry["group"]] = arguments[3:]
    selected = collected({"": ["-m", "slow"], **groups})
    slow = set(selected.pop(""))

    assert [group for group, tests in selected.items() if not tests] == [], "a group of the matrix selects no test"
    counts = Counter(test for tests in selected.values() for test in tests)
    unselected = sorted(slow - set(counts))
    assert unselected == [], f"slow tests that no job of the matrix runs: add them to a group in {WORKFLOW.name}"
    twice = {test: [group for group, tests in selected.items() if test in tests] for test, n in counts.items() if n > 1}
    assert twice == {}, "tests that several jobs of the matrix run: narrow the groups' selections"
    assert set(counts) <= slow, "the matrix's jobs run only slow tests; the fast job runs the others"


def test_the_other_jobs_run_the_fast_tests_and_the_benchmark_as_ci_run_does() -> None:
    workflow_jobs = jobs()
    assert 'uv run pytest -m "not slow"' in commands(workflow_jobs["fast"])
    ci_run = (TEMPLATE / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    [bench] = [line for line in ci_run if line.startswith("uv run python -m bench")]
    assert bench in commands(workflow_jobs["bench"])


def test_every_job_that_sets_up_postgresql_has_its_server() -> None:
    for name, job in jobs().items():
        setups = [shlex.split(command) for command in commands(job) if command.startswith("bash .ci/setup")]
        if any("postgresql" in setup for setup in setups):
            assert job["services"]["postgres"]["image"] == "postgres:17", f"{name} sets up PostgreSQL without a server"
