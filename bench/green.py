"""The time from a bake to a passing generated test suite, cold and warm uv cache."""

import tempfile
from dataclasses import dataclass
from pathlib import Path

from .common import FRAMEWORKS, progress
from .projects import bake, run_tests, sync


@dataclass(frozen=True)
class GreenTimes:
    """The steps from nothing to a green project, in seconds."""

    framework: str
    cache: str
    bake: float
    sync: float
    tests: float
    project: Path

    @property
    def total(self) -> float:
        return self.bake + self.sync + self.tests


def measure_time_to_green(work_dir: Path, pytest_arguments: list[str], *, cold: bool = True) -> list[GreenTimes]:
    """For each framework: bake, ``uv sync`` and ``uv run pytest``, first with an empty uv cache, then warm.

    The cold run gets a new, empty cache directory, so every package comes from the index; the warm run bakes a new
    project and builds its environment from the cache the cold run filled. Without ``cold`` (quick mode), only a warm
    run, from uv's own cache, which the template's tests have filled by the time CI runs the benchmarks.
    """
    results = []
    work_dir.mkdir(parents=True, exist_ok=True)
    for framework in FRAMEWORKS:
        with tempfile.TemporaryDirectory(prefix="uv-cache-", dir=work_dir) as temporary:
            cache = Path(temporary) if cold else None
            for label in ("cold", "warm") if cold else ("warm",):
                progress(f"time to green: {framework}, {label} uv cache")
                project, bake_time = bake(framework, work_dir / f"green-{framework}-{label}")
                sync_time = sync(project, cache)
                test_time = run_tests(project, cache, pytest_arguments)
                results.append(GreenTimes(framework, label, bake_time, sync_time, test_time, project.path))
    return results
