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
DURATION = re.compile(r"^(?P<seconds>\d+\.\d+)s (?P<phase>setup|call|teardown) +(?P<test>\S.*)$", re.MULTILINE)
"""A line of pytest's ``--durations`` table."""


@dataclass(frozen=True)
class SuiteTimes:
    """The wall time of each run of the suite, and its slowest test phases (median seconds across the runs)."""

    framework: str
    runs: list[float]
    slowest: list[tuple[float, str, str]]

    @property
    def median(self) -> float:
        return statistics.median(self.runs)

    @property
    def meets_target(self) -> bool:
        return self.median <= TARGET_SECONDS


def run_suite(project: Project, pytest_arguments: list[str]) -> tuple[float, str]:
    """Run the generated suite as a user does; return the wall time and pytest's output."""
    command = [tool("uv"), "run", "pytest", "-q", "-p", "no:cacheprovider", f"--durations={SLOWEST}"]
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


def slowest_phases(outputs: list[str]) -> list[tuple[float, str, str]]:
    """The test phases that ``--durations`` lists, by their median across the runs (0 s in a run that omits one)."""
    seconds: dict[tuple[str, str], list[float]] = defaultdict(list)
    for output in outputs:
        for match in DURATION.finditer(output):
            seconds[match["test"], match["phase"]].append(float(match["seconds"]))
    medians = [
        (statistics.median([*values, *[0.0] * (len(outputs) - len(values))]), test, phase)
        for (test, phase), values in seconds.items()
    ]
    return sorted(medians, reverse=True)[:SLOWEST]


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
        results.append(
            SuiteTimes(framework, [elapsed for elapsed, _ in timed], slowest_phases([output for _, output in timed]))
        )
    return results
