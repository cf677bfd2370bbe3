"""The results: a table on standard output, and ``benchmarks.md`` with its chart for the docs."""

import time
from dataclasses import dataclass, field
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from .common import BENCH_DIR, FRAMEWORK_NAMES, FRAMEWORKS, median
from .generation import DEFAULT, ratios
from .generation import TARGET_S as BAKE_TARGET_S
from .green import GreenTimes
from .startup import TARGET_S as FIRST_ANSWER_TARGET_S
from .startup import Startup
from .suite import TARGET_SECONDS, SuiteTimes
from .throughput import ROUTES, IOResult, LoadPlan, Memory, Paired, p50, p99, rps

CHART_NAME = "benchmarks.png"
NOTES = BENCH_DIR / "notes.md"


@dataclass
class Results:
    quick: bool
    plan: LoadPlan
    machine: dict[str, str] = field(default_factory=dict)
    generation: dict[str, list[float]] | None = None
    green: list[GreenTimes] | None = None
    suite: list[SuiteTimes] | None = None
    comparisons: list[Paired] = field(default_factory=list)
    authenticated: list[Paired] = field(default_factory=list)
    metrics: list[Paired] = field(default_factory=list)
    io: list[IOResult] = field(default_factory=list)
    memory: list[Memory] = field(default_factory=list)
    startups: list[Startup] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    duration_s: float = 0.0


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    """A Markdown table, which also reads well as plain text."""
    widths = [max(len(cell) for cell in column) for column in zip(header, *rows, strict=True)]
    lines = [
        "| " + " | ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)) + " |"
        for row in (header, *rows)
    ]
    lines.insert(1, "|" + "|".join("-" * (width + 2) for width in widths) + "|")
    return lines


GENERATION_LABELS = {"minimal": "Minimal template", DEFAULT: "FastAPI (the default answers)", "flask": "Flask"}


def generation_table(results: Results) -> list[str]:
    """Each bake's median, and its median ratio to the minimal template's bake of the same round."""
    if not results.generation:
        return []
    rows = [
        [
            GENERATION_LABELS[name],
            f"{median(times):.2f} s",
            f"{min(times):.2f}-{max(times):.2f} s",
            f"{median(ratios(results.generation, name)):.2f}",
            str(len(times)),
        ]
        for name, times in results.generation.items()
    ]
    return _table(["Bake", "Median", "Range", "Of the minimal template", "Runs"], rows)


def generation_summary(results: Results) -> list[str]:
    """The default bake against its target and against the minimal template."""
    if not results.generation:
        return []
    default, minimal = median(results.generation[DEFAULT]), median(results.generation["minimal"])
    verdict = "meets" if default <= BAKE_TARGET_S else "**above**"
    return [
        f"The default bake takes {default:.2f} s ({verdict} the target of {BAKE_TARGET_S:.2f} s),"
        f" {median(ratios(results.generation, DEFAULT)):.2f} times the minimal template's {minimal:.2f} s"
        " in the same rounds."
    ]


def green_table(results: Results) -> list[str]:
    if not results.green:
        return []
    rows = [
        [
            FRAMEWORK_NAMES[times.framework],
            times.cache,
            f"{times.bake:.1f} s",
            f"{times.sync:.1f} s",
            f"{times.tests:.1f} s",
            f"**{times.total:.1f} s**",
        ]
        for times in results.green
    ]
    return _table(["Framework", "uv cache", "Bake", "uv sync", "uv run pytest", "Time to green"], rows)


def suite_table(results: Results) -> list[str]:
    """Each framework's suite time against the target, where the time goes (the slowest test files, and the time
    outside any test), then the slowest test phases of each."""
    if not results.suite:
        return []
    rows = [
        [
            FRAMEWORK_NAMES[times.framework],
            f"{times.median:.1f} s ({'meets' if times.meets_target else '**over**'} {TARGET_SECONDS:.0f} s)",
            " / ".join(f"{run:.1f}" for run in times.runs),
            f"{times.outside_tests:.1f} s",
            f"{sum(seconds for seconds, _ in times.files):.1f} s",
        ]
        for times in results.suite
    ]
    files = [
        [FRAMEWORK_NAMES[times.framework], f"{seconds:.2f} s", name]
        for times in results.suite
        for seconds, name in times.files
    ]
    slowest = [
        [FRAMEWORK_NAMES[times.framework], f"{seconds:.2f} s", phase, test]
        for times in results.suite
        for seconds, test, phase in times.slowest
    ]
    return [
        *_table(["Framework", "Median (target)", "Runs (s)", "Outside any test", "Slowest files together"], rows),
        "",
        *_table(["Framework", "Slowest file", "Test file"], files),
        "",
        *_table(["Framework", "Slowest", "Phase", "Test"], slowest),
    ]


def startup_table(results: Results) -> list[str]:
    if not results.startups:
        return []
    rows = [
        [
            startup.label,
            f"{median(startup.generated):.2f} s ({min(startup.generated):.2f}-{max(startup.generated):.2f})",
            f"{median(startup.bare):.2f} s ({min(startup.bare):.2f}-{max(startup.bare):.2f})",
            f"{startup.ratio:.2f}",
            f"{'meets' if startup.meets_target else '**above**'} {FIRST_ANSWER_TARGET_S:.1f} s",
            str(len(startup.generated)),
        ]
        for startup in results.startups
    ]
    return _table(
        ["Framework, server", "Generated (range)", "Bare (range)", "Generated/bare", "Target", "Starts"], rows
    )


def ratio_table(results: Results) -> list[str]:
    if not results.comparisons:
        return []
    rows = []
    for comparison in results.comparisons:
        verdict = "no target" if comparison.target is None else "**below**" if comparison.below_target else "meets"
        target = "" if comparison.target is None else f" {comparison.target:.2f}"
        rows.append(
            [
                FRAMEWORK_NAMES[comparison.framework],
                comparison.route.label,
                comparison.log_level,
                f"{rps(comparison.first):,.0f}",
                f"{rps(comparison.second):,.0f}",
                f"{comparison.ratio:.2f} ({verdict}{target})",
                f"{p50(comparison.first):.1f} / {p99(comparison.first):.1f}",
                f"{p50(comparison.second):.1f} / {p99(comparison.second):.1f}",
            ]
        )
    header = [
        "Framework",
        "Route",
        "Log level",
        "Generated rps",
        "Bare rps",
        "Ratio (target)",
        "Generated p50 / p99 ms",
        "Bare p50 / p99 ms",
    ]
    return _table(header, rows)


def paired_table(pairs: list[Paired], first: str, second: str) -> list[str]:
    """A route served two ways, per framework: each way's throughput and latency, and their ratio to its target."""
    if not pairs:
        return []
    rows = [
        [
            FRAMEWORK_NAMES[pair.framework],
            pair.log_level,
            f"{rps(pair.first):,.0f}",
            f"{rps(pair.second):,.0f}",
            f"{pair.ratio:.2f} ({'**below**' if pair.below_target else 'meets'} {pair.target:.2f})",
            f"{p50(pair.first):.1f} / {p99(pair.first):.1f}",
            f"{p50(pair.second):.1f} / {p99(pair.second):.1f}",
        ]
        for pair in pairs
    ]
    header = [
        "Framework",
        "Log level",
        f"{first} rps",
        f"{second} rps",
        "Ratio (target)",
        f"{first} p50 / p99 ms",
        f"{second} p50 / p99 ms",
    ]
    return _table(header, rows)


def paired_summary(pairs: list[Paired], what: str) -> list[str]:
    """Whether every framework's ``what`` meets its target, and where to read why not."""
    if not pairs:
        return []
    below = [pair for pair in pairs if pair.below_target]
    if not below:
        return [f"Every {what} meets its target of {pairs[0].target:.2f}."]
    return [
        f"Below the target of {pairs[0].target:.2f}: "
        + "; ".join(f"{FRAMEWORK_NAMES[pair.framework]} ({pair.ratio:.2f})" for pair in below)
        + f". The notes at the end say what the {what} costs."
    ]


def authenticated_lines(results: Results) -> list[str]:
    return paired_table(results.authenticated, "Authenticated", "Open") + paired_summary(
        results.authenticated, "authenticated read"
    )


def metrics_lines(results: Results) -> list[str]:
    return paired_table(results.metrics, "With metrics", "Without") + paired_summary(results.metrics, "measured read")


def io_table(results: Results) -> list[str]:
    if not results.io:
        return []
    fastest = {
        result.connections: max(rps(r.loads) for r in results.io if r.connections == result.connections)
        for result in results.io
    }
    rows = [
        [
            result.label,
            str(result.connections),
            f"{rps(result.loads):,.0f}",
            f"{rps(result.loads) / fastest[result.connections]:.2f}",
            f"{p50(result.loads):.1f}",
            f"{p99(result.loads):.1f}",
            str(sum(load.timeouts for load in result.loads)),
        ]
        for result in sorted(results.io, key=lambda r: (r.connections, r.framework, r.threads))
    ]
    header = ["Server", "Connections", "rps", "Of the fastest", "p50 ms", "p99 ms", "Timeouts"]
    return _table(header, rows)


def io_summary(results: Results) -> list[str]:
    """One sentence per number of connections: each Flask configuration's throughput as a multiple of FastAPI's."""
    lines = []
    for connections in dict.fromkeys(result.connections for result in results.io):
        level = [result for result in results.io if result.connections == connections]
        fastapi = next(result for result in level if result.framework == "fastapi")
        others = [
            f"{result.label}: {rps(result.loads) / rps(fastapi.loads):.2f}x that"
            f" (p99 {p99(result.loads):.0f} ms against {p99(fastapi.loads):.0f} ms)"
            for result in level
            if result is not fastapi
        ]
        lines.append(
            f"- At {connections} connections, FastAPI serves {rps(fastapi.loads):,.0f} rps; " + "; ".join(others) + "."
        )
    return lines


def framework_summary(results: Results) -> list[str]:
    """The generated FastAPI app's throughput against the generated Flask app's, route by route."""
    level = results.plan.log_levels[0]
    lines = []
    for route in ROUTES:
        pair = {c.framework: rps(c.first) for c in results.comparisons if (c.route, c.log_level) == (route, level)}
        if len(pair) == 2:
            lines.append(
                f"- {route.label}: FastAPI {pair['fastapi']:,.0f} rps, Flask {pair['flask']:,.0f} rps"
                f" (Flask/FastAPI {pair['flask'] / pair['fastapi']:.2f})."
            )
    return lines


def target_summary(results: Results) -> list[str]:
    below = [c for c in results.comparisons if c.below_target]
    if not below:
        return ["Every ratio meets its target."]
    return [
        "Below target: "
        + "; ".join(
            f"{FRAMEWORK_NAMES[c.framework]} {c.route.label} at {c.log_level} ({c.ratio:.2f} < {c.target:.2f})"
            for c in below
        )
        + ". The notes at the end say what costs the difference and what would remove it."
    ]


def memory_table(results: Results) -> list[str]:
    if not results.memory:
        return []
    rows = [[memory.label, ", ".join(f"{rss:.0f}" for rss in memory.rss_mib)] for memory in results.memory]
    return _table(["Server, after its load", "RSS per worker (MiB)"], rows)


def print_table(results: Results) -> None:
    for title, lines in (
        ("Generation", generation_table(results) + generation_summary(results)),
        ("Time to green", green_table(results)),
        ("Generated test suite", suite_table(results)),
        ("First answer", startup_table(results)),
        ("Generated app against the bare framework", ratio_table(results)),
        ("Authenticated item read against the open one", authenticated_lines(results)),
        ("Item read with metrics against without", metrics_lines(results)),
        ("I/O-bound route (20 ms wait), FastAPI against Flask", io_table(results)),
        ("Memory", memory_table(results)),
    ):
        if lines:
            print(f"\n{title}\n" + "\n".join(line.replace("**", "  ") for line in lines))
    print(
        f"\nTotal {results.duration_s:.0f} s"
        + (" (quick mode: smoke figures, not for comparison)" if results.quick else "")
    )


def draw_chart(results: Results, path: Path) -> None:
    """Left: each route's ratio to the bare app, with its target. Right: the I/O route's rps by connections."""
    figure, (ratios, io) = plt.subplots(1, 2, figsize=(13, 5), width_ratios=[1.2, 1])
    levels = results.plan.log_levels
    groups = [(framework, level) for framework in FRAMEWORKS for level in levels]
    width = 0.8 / len(groups)
    colours = {"fastapi": ("#05998b", "#7fd1c9"), "flask": ("#3b4a9c", "#9ea8dd")}
    for index, (framework, level) in enumerate(groups):
        values = [
            next(
                (
                    c.ratio
                    for c in results.comparisons
                    if (c.framework, c.log_level, c.route) == (framework, level, route)
                ),
                0,
            )
            for route in ROUTES
        ]
        positions = [route_index + (index - (len(groups) - 1) / 2) * width for route_index in range(len(ROUTES))]
        bars = ratios.bar(
            positions,
            values,
            width,
            label=f"{FRAMEWORK_NAMES[framework]}, log {level}",
            color=colours[framework][levels.index(level) % 2],
        )
        ratios.bar_label(bars, fmt="%.2f", fontsize=8, padding=2)
    for route_index, route in enumerate(ROUTES):
        ratios.hlines(route.target, route_index - 0.45, route_index + 0.45, colors="#c0392b", linestyles="dashed")
        if route.info_target is not None:
            span = (route_index - 0.45, route_index + 0.45)
            ratios.hlines(route.info_target, *span, colors="#c0392b", linestyles="dotted")
    ratios.set_xticks(range(len(ROUTES)), [route.label for route in ROUTES], fontsize=9)
    ratios.set_ylim(0, 1.25)
    ratios.axhline(1, color="grey", linewidth=0.8)
    ratios.set_ylabel("generated app rps / bare app rps")
    ratios.set_title("Generated app against the bare framework (target: dashed at WARNING, dotted at INFO)")
    ratios.legend(fontsize=8, loc="lower left")

    configurations = list(dict.fromkeys(result.label for result in results.io))
    connections = list(dict.fromkeys(result.connections for result in results.io))
    io_width = 0.8 / max(len(configurations), 1)
    for index, label in enumerate(configurations):
        values = [rps(next(r.loads for r in results.io if (r.label, r.connections) == (label, c))) for c in connections]
        positions = [
            c_index + (index - (len(configurations) - 1) / 2) * io_width for c_index in range(len(connections))
        ]
        bars = io.bar(positions, values, io_width, label=label)
        io.bar_label(bars, fmt="%.0f", fontsize=8, padding=2)
    io.set_xticks(range(len(connections)), [f"{c} connections" for c in connections])
    io.set_ylabel("requests per second")
    io.set_title(f"Route that waits 20 ms on I/O, {results.plan.io_workers} workers each")
    io.legend(fontsize=8, loc="upper left")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def write_report(results: Results, output: Path) -> None:
    output.mkdir(parents=True, exist_ok=True)
    if results.comparisons and results.io:
        draw_chart(results, output / CHART_NAME)
    plan = results.plan
    command = "uv run python -m bench" + (" --quick" if results.quick else "")
    lines = [
        "# Benchmarks",
        "",
        f"Measured by `{command}` on {time.strftime('%Y-%m-%d', time.gmtime())}"
        f" in {results.duration_s / 60:.1f} minutes;"
        " the harness is in [`bench/`](../bench/README.md). Run it again on your machine: every figure below comes"
        " from that one command.",
        "",
        f"![Ratios to the bare framework, and FastAPI against Flask on an I/O-bound route]({CHART_NAME})",
        "",
        "## Machine",
        "",
        *_table(["", ""], [[key, value] for key, value in results.machine.items()]),
        "",
        "## Generation",
        "",
        "Wall time of `cookiecutter --no-input` (the command line, Python start-up included), in rounds that take"
        " each bake in turn after one warm-up round: the template with its default answers, with `framework=flask`,"
        " and `bench/minimal_template` (one prompt, one rendered file), which costs what cookiecutter itself costs."
        " The ratio is each round's bake over the minimal one of the same round, so that it holds on a busy machine.",
        "",
        *generation_table(results),
        "",
        *generation_summary(results),
        "",
        "## Time to green",
        "",
        "A default bake (SQLite, granian), then `uv sync` to create its virtual environment from the generated"
        " `pyproject.toml` alone, then `uv run pytest` (the whole generated suite: coverage, fuzzing with 20 examples"
        " per operation). *Cold*: uv starts with an empty cache directory, so every package is downloaded;"
        " *warm*: a new bake is synced from the cache the cold run filled.",
        "",
        *green_table(results),
        "",
        "## The generated test suite",
        "",
        "`uv run pytest` in a default bake (SQLite, granian) synced from the warm uv cache: the whole suite, with"
        " fuzzing, in one process and without coverage (which CI and `make cov` measure), as a developer runs it"
        f" many times a day. The wall time of each run and their median against the target of {TARGET_SECONDS:.0f} s;"
        " then where the time goes, by pytest's `--durations` (medians across the runs): the time outside any test"
        " (start-up, imports, collection), the slowest test files, and the slowest test phases.",
        "",
        *suite_table(results),
        "",
        "## First answer",
        "",
        "Seconds from starting the server to its first 200 on `GET /health/live`, polled every"
        " 5 ms: the generated app as a user starts it, `python -m <package>` (PostgreSQL, log level INFO, the"
        " template's defaults), against the bare app of the same framework under the same server with the same"
        f" options. After one start of each that is not counted, the two alternate for {plan.starts} starts each;"
        " medians are shown.",
        "",
        *startup_table(results),
        "",
        "## The generated app against the bare framework",
        "",
        "Each generated app is served by its own production entry, `python -m <package>` (granian,"
        f" {plan.workers} worker, {plan.threads['fastapi']} runtime thread for FastAPI and {plan.threads['flask']}"
        " blocking threads for Flask, the template's defaults), on PostgreSQL (asyncpg for FastAPI, psycopg 3 for"
        f" Flask) seeded with {plan.seeded_items:,} items. The bare app of the same framework"
        " (`bench/apps/bare_*.py`) has only these three routes, uses the same driver through SQLAlchemy Core, runs the"
        " same SQL and returns the same JSON (the harness checks), and is served by granian with the same options."
        f" wrk drives {plan.connections} connections from 2 threads; after a {plan.warm_up_seconds} s warm-up of each"
        f" server, the two apps alternate (AB, BA, ...) for {plan.rounds} rounds of {plan.seconds} s and the medians"
        " are compared. The item reads pick a random seeded id; every POST creates an item with a new name.",
        "",
        "WARNING is the log level at which the generated app is compared with a bare app that logs nothing;"
        " INFO, the generated default, adds one JSON log line per request, which is what a user gets out of the box"
        " (the request queues its record; a thread of its own formats and writes the lines).",
        "",
        *ratio_table(results),
        "",
        *target_summary(results),
        "",
        "The same runs put the two generated apps side by side (one worker each, at"
        f" {plan.log_levels[0]}; the database routes share the machine's two cores with PostgreSQL):",
        "",
        *framework_summary(results),
        "",
        "## The authenticated item read against the open one",
        "",
        "The same generated app, baked a second time with `auth=accounts` and served the same way (its own"
        " database, an explicit signing key, access tokens that outlive the run), next to the `auth=none` bake of"
        " the same framework. A member registers through the API and signs in with the password grant; the items"
        " are seeded as theirs, and wrk reads a random one with their `Authorization: Bearer` access token. The"
        " open API serves the same read without one. The authenticated path adds the HS256 JWT check (header, signature"
        " and claims) and one primary-key read of the member's row (active, and the credentials version the token was"
        f" issued for) in the request's own session. At {plan.log_levels[0]}, after a {plan.warm_up_seconds} s"
        f" warm-up of each, the two alternate for {plan.rounds} rounds of {plan.seconds} s; medians are shown.",
        "",
        *authenticated_lines(results),
        "",
        "## What the metrics cost",
        "",
        "The same open bake served twice, once as generated (metrics on: a counter and a histogram per request,"
        " written to the worker's file of prometheus-client's multiprocess mode, and the in-flight gauge) and once"
        f" with `METRICS_ENABLED=false`, on the same database; wrk reads a random item from each. At"
        f" {plan.log_levels[0]}, after a {plan.warm_up_seconds} s warm-up of each, the two alternate for"
        f" {plan.rounds} rounds of {plan.seconds} s; medians are shown.",
        "",
        *metrics_lines(results),
        "",
        "## FastAPI against Flask on an I/O-bound route",
        "",
        "FastAPI is often said to be two or three times faster than Flask. The question matters most where a request"
        " waits on I/O, so each generated app gets one bench-only route (`bench/apps/io_*.py`, not in the generated"
        " project) that waits 20 ms, as a call to another service would: `await asyncio.sleep(0.02)` on FastAPI,"
        " `time.sleep(0.02)` on Flask. Every request still passes through the generated app's middleware, request"
        f" context and logging (at {plan.log_levels[0]}). Both run under granian with {plan.io_workers} workers,"
        " one per core. FastAPI runs one event loop per worker (granian's recommended single runtime thread). Flask"
        " needs a"
        " thread per request in flight: it is measured with the template's default of"
        f" {plan.io_flask_threads[0]} threads per worker and with {plan.io_flask_threads[-1]}, granian's own WSGI"
        f" default for {plan.io_workers} workers (backlog 1024 / workers / 2)."
        f" Rounds of {plan.seconds} s rotate the servers; medians are shown.",
        "",
        *io_table(results),
        "",
        *io_summary(results),
        "",
        "## Memory",
        "",
        "Resident set size (VmRSS) of each granian worker process, read from `/proc` after the server's load.",
        "",
        *memory_table(results),
        "",
    ]
    if NOTES.exists():
        lines += [NOTES.read_text().strip(), ""]
    (output / "benchmarks.md").write_text("\n".join(lines))
