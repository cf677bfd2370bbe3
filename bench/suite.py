"""The generated test suite as a user runs it: ``uv run pytest`` in a default bake, against its time target."""

import re
import statistics
import subprocess
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from .common import FRAMEWORKS, BenchError, progress, tool
from .projects import Project, bake, sync, uv_env

TARGET_SECONDS = 10.0
"""Issue 14: the whole suite of a default bake in 10 s or less on a 2-core machine."""
SLOWEST = 5
"""How many of the slowest test phases, and of the slowest test files, the report lists."""
DURATION = re.compile(r"^(?P<seconds>\d+\.\d+)s (?P<phase>setup|call|teardown) +(?P<test>\S.*)$", re.MULTILINE)
"""A line of pytest's ``--durations`` table."""


@dataclass(frozen=True)
class SuiteTimes:
    """The wall time of each run of the suite, its slowest test phases and test files, and the time spent outside
    any test (pytest's start-up, the imports and collection, the end of the run); median seconds across the runs."""

    framework: str
    runs: list[float]
    slowest: list[tuple[float, str, str]]
    files: list[tuple[float, str]]
    outside_tests: float

    @property
    def median(self) -> float:
        return statistics.median(self.runs)

    @property
    def meets_target(self) -> bool:
        return self.median <= TARGET_SECONDS


def run_suite(project: Project, pytest_arguments: list[str]) -> tuple[float, str]:
    """Run the generated suite as a user does; return the wall time and pytest's output."""
    command = [tool("uv"), "run", "pytest", "-q", "-p", "no:cacheprovider", "--durations=0", "--durations-min=0"]
    started = time.perf_counter()
    completed = subprocess.run(
        [*command, *pytest_arguments],
        cwd=project.path,
        env=uv_env(None),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    elapsed = time.perf_counter() - started
    if completed.returncode != 0:
        output = (completed.stdout + completed.stderr)[-3000:]
        raise BenchError(f"uv run pytest failed with status {completed.returncode} in {project.path}:\n{output}")
    return elapsed, completed.stdout


def phase_seconds(output: str) -> dict[tuple[str, str], float]:
    """Each test phase's seconds in one run, from its ``--durations`` table."""
    return {(match["test"], match["phase"]): float(match["seconds"]) for match in DURATION.finditer(output)}


def slowest_phases(runs: list[dict[tuple[str, str], float]]) -> list[tuple[float, str, str]]:
    """The test phases that take longest, by their median across the runs (0 s in a run that omits one)."""
    phases = {phase for run in runs for phase in run}
    medians = [(statistics.median(run.get(phase, 0.0) for run in runs), *phase) for phase in phases]
    return sorted(medians, reverse=True)[:SLOWEST]


def slowest_files(runs: list[dict[tuple[str, str], float]]) -> list[tuple[float, str]]:
    """The test files whose phases take longest together, by their median across the runs."""
    totals: list[dict[str, float]] = []
    for run in runs:
        by_file: dict[str, float] = defaultdict(float)
        for (test, _), seconds in run.items():
            by_file[test.partition("::")[0]] += seconds
        totals.append(by_file)
    files = {name for by_file in totals for name in by_file}
    medians = [(statistics.median(by_file.get(name, 0.0) for by_file in totals), name) for name in files]
    return sorted(medians, reverse=True)[:SLOWEST]


def suite_times(framework: str, timed: list[tuple[float, str]]) -> SuiteTimes:
    runs = [phase_seconds(output) for _, output in timed]
    walls = [elapsed for elapsed, _ in timed]
    outside = statistics.median(wall - sum(run.values()) for wall, run in zip(walls, runs, strict=True))
    return SuiteTimes(framework, walls, slowest_phases(runs), slowest_files(runs), outside)


def measure_suites(work_dir: Path, runs: int, pytest_arguments: list[str], synced: dict[str, Path]) -> list[SuiteTimes]:
    """For each framework, run the suite of a default bake: one already synced, or one baked and synced now."""
    results = []
    for framework in FRAMEWORKS:
        progress(f"test suite: {framework}, {runs} run(s) of uv run pytest")
        if framework in synced:
            project = Project(framework, synced[framework], synced[framework].name.replace("-", "_"))
        else:
            project, _ = bake(framework, work_dir)
            sync(project)
        timed = [run_suite(project, pytest_arguments) for _ in range(runs)]
        results.append(suite_times(framework, timed))
    return results
