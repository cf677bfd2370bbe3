"""Run every benchmark, print the table, and write the report with its chart.

``python -m bench`` is the full run and writes ``docs/benchmarks.md`` and ``docs/benchmarks.png``;
``python -m bench --quick`` runs every part briefly, writes to a temporary folder (or ``--output``) and fails when
any part fails, so that CI keeps the harness working.
"""

import argparse
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from .common import REPO_DIR, BenchError, progress
from .generation import measure_generation
from .green import measure_time_to_green
from .load_parts import run_load_parts
from .report import print_table, write_report
from .results import Results
from .rounds import LoadPlan
from .suite import measure_suites

# Five alternating rounds of 2 s, each server warmed up for 1 s before each route: every ratio is a median of five,
# with their spread, and the full run stays within about 25 minutes on two cores.
FULL_PLAN = LoadPlan(
    seconds=2,
    warm_up_seconds=1,
    rounds=5,
    connections=32,
    workers=1,
    threads={"fastapi": 1, "flask": 8},
    seeded_items=10_000,
    log_levels=("WARNING", "INFO"),
    classic_log_levels=("WARNING",),
    classic_routes=("live", "read", "list", "create"),
    accounts_servers=("granian", "classic"),
    io_connections=(10, 100, 500),
    io_workers=2,
    io_flask_threads=(8, 256),
    starts=7,
)
# Every part, briefly: short single rounds without warm-up, fewer connections and seeded rows, one log level; the
# classic servers on the health route alone (the same-answer check still reads every route of their bare apps), and
# the authenticated read under granian alone. About the load and the time the template's own CI can give it.
QUICK_PLAN = replace(
    FULL_PLAN,
    seconds=1,
    warm_up_seconds=0,
    rounds=1,
    connections=16,
    seeded_items=1_000,
    log_levels=("WARNING",),
    classic_routes=("live",),
    accounts_servers=("granian",),
    starts=1,
)
PARTS = ("generation", "green", "suite", "startup", "throughput", "io")
LOAD_PARTS = ("throughput", "io", "startup")
"""The parts that serve baked projects on PostgreSQL."""


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="every part, briefly (under two minutes); for CI")
    parser.add_argument("--output", type=Path, help="folder for benchmarks.md and benchmarks.png (full: docs/)")
    parser.add_argument("--only", choices=PARTS, action="append", help="run only this part (repeatable)")
    return parser.parse_args()


def main() -> int:
    arguments = parse_arguments()
    plan = QUICK_PLAN if arguments.quick else FULL_PLAN
    parts = arguments.only or list(PARTS)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench-") as temporary:
        work_dir = Path(temporary)
        output = arguments.output or (work_dir / "report" if arguments.quick else REPO_DIR / "docs")
        results = Results(quick=arguments.quick, plan=plan)

        def attempt(part: str, action: Callable[[], None]) -> None:
            if part not in parts:
                return
            try:
                action()
            except (BenchError, OSError, subprocess.SubprocessError) as error:
                traceback.print_exc(limit=-1)
                results.failures.append(f"{part}: {error}")

        def generation() -> None:
            results.generation = measure_generation(work_dir / "generation", runs=3 if arguments.quick else 9)

        def green() -> None:
            # Quick mode runs one test file instead of the whole suite, which alone takes longer than a minute, and
            # skips the cold cache, whose download of every package takes half a minute a framework.
            pytest_arguments = ["--no-cov", "tests/test_health.py"] if arguments.quick else []
            results.green = measure_time_to_green(work_dir / "green", pytest_arguments, cold=not arguments.quick)

        def suite() -> None:
            # Quick mode runs the file that starts the production servers, once, instead of the whole suite 3 times.
            runs, pytest_arguments = (1, ["--no-cov", "tests/test_server.py"]) if arguments.quick else (3, [])
            # The bakes that the green part synced from the warm cache are default bakes: no need for new ones.
            synced = {times.framework: times.project for times in results.green or [] if times.cache == "warm"}
            results.suite = measure_suites(work_dir / "suite", runs, pytest_arguments, synced)

        attempt("generation", generation)
        attempt("green", green)
        attempt("suite", suite)
        if any(part in parts for part in LOAD_PARTS):
            first = next(part for part in LOAD_PARTS if part in parts)
            attempt(first, lambda: run_load_parts(work_dir, plan, parts, results))
        results.duration_s = time.perf_counter() - started
        print_table(results)
        if not results.failures:
            write_report(results, output)
            progress(f"report written to {output}")
    progress(f"finished in {results.duration_s:.0f} s")
    for failure in results.failures:
        print(f"FAILED {failure}", file=sys.stderr)
    return 1 if results.failures else 0


if __name__ == "__main__":
    sys.exit(main())
