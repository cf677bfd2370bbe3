"""The results: a table on standard output, and ``benchmarks.md`` with its chart for the docs."""

import time
from pathlib import Path

from .chart import CHART_NAME, draw_chart
from .common import BENCH_DIR, FRAMEWORK_NAMES, median
from .generation import DEFAULT, ratios
from .generation import TARGET_S as BAKE_TARGET_S
from .load_tables import (
    authenticated_lines,
    framework_summary,
    idempotency_lines,
    io_summary,
    io_table,
    memory_table,
    metrics_lines,
    pages_lines,
    rate_limit_lines,
    ratio_table,
    targets_table,
)
from .results import Results
from .results import markdown_table as _table
from .rounds import LIST_LIMIT, LIST_PAGES, ROUTES
from .startup import TARGET_S as FIRST_ANSWER_TARGET_S
from .suite import TARGET_SECONDS

NOTES = BENCH_DIR / "notes.md"


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


def print_table(results: Results) -> None:
    for title, lines in (
        ("Generation", generation_table(results) + generation_summary(results)),
        ("Time to green", green_table(results)),
        ("Generated test suite", suite_table(results)),
        ("First answer", startup_table(results)),
        ("Targets on this run", targets_table(results)),
        ("Generated app against the bare framework", ratio_table(results)),
        ("Authenticated item read against the open one", authenticated_lines(results)),
        ("Item read with metrics against without", metrics_lines(results)),
        ("Item read with rate limits against without", rate_limit_lines(results)),
        ("Item create with an Idempotency-Key against without", idempotency_lines(results)),
        ("Items list page against the JSON list", pages_lines(results)),
        ("I/O-bound route (20 ms wait), FastAPI against Flask", io_table(results)),
        ("Memory", memory_table(results)),
    ):
        if lines:
            print(f"\n{title}\n" + "\n".join(line.replace("**", "  ") for line in lines))
    print(
        f"\nTotal {results.duration_s:.0f} s"
        + (" (quick mode: smoke figures, not for comparison)" if results.quick else "")
    )


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
        *load_sections(results),
        "## Memory",
        "",
        "Resident set size (VmRSS) of each worker process of a server (of the server's own process where it runs"
        " none), read from `/proc` after the server's load.",
        "",
        *memory_table(results),
        "",
    ]
    if NOTES.exists():
        lines += [NOTES.read_text().strip(), ""]
    (output / "benchmarks.md").write_text("\n".join(lines))


def load_sections(results: Results) -> list[str]:
    """The sections of the servers under load: against the bare framework, the authenticated read, the metrics, the
    items list page and the I/O-bound route."""
    plan = results.plan
    rounds = (
        f"after a {plan.warm_up_seconds} s warm-up of each server, the two alternate (AB, BA, ...) for {plan.rounds}"
        f" rounds of {plan.seconds} s"
    )
    medians = (
        "a round's ratio is the first's rps over the second's in that round, and each figure is the median of the"
        " rounds' ratios with their range (least-greatest) beside it, so that a ratio reads as a range"
    )
    classic = "uvicorn for FastAPI, gunicorn for Flask"
    measured = [route.label for route in ROUTES if route.key in plan.classic_routes]
    classic_routes = "" if len(measured) == len(ROUTES) else f", on {' and '.join(f'`{label}`' for label in measured)}"
    accounts_servers = " and ".join(f"`server={server}`" for server in plan.accounts_servers)
    return [
        "## The generated app against the bare framework",
        "",
        "Each generated app is served by its own production entry, `python -m <package>`, on PostgreSQL (asyncpg for"
        f" FastAPI, psycopg 3 for Flask) seeded with {plan.seeded_items:,} items: baked with `server=granian` (the"
        f" default: {plan.workers} worker, {plan.threads['fastapi']} runtime thread for FastAPI and"
        f" {plan.threads['flask']} blocking threads for Flask) and with `server=classic` ({classic}, with the same"
        " worker and threads settings). The bare app of the same framework (`bench/apps/bare_*.py`) has only these"
        " four routes, uses the same driver through SQLAlchemy Core, runs the same SQL and returns the same JSON (the"
        " harness checks the health route, an item and a page of the list), and is served by the same server with the"
        f" same options (`bench/apps/serve.py`). wrk drives {plan.connections} connections from 2 threads. For each"
        f" route, {rounds}; {medians}. The item read picks a random seeded id; the list reads a random one of its"
        f" first {LIST_PAGES} pages of {LIST_LIMIT} (`?limit={LIST_LIMIT}&offset=...`) and, as the generated list"
        " does, counts every item; every POST creates an item with a new name, and the created items are deleted"
        " after each create comparison, so that every comparison reads the seeded table. The classic servers are"
        f" measured at {', '.join(plan.classic_log_levels)} only, to bound the run's time{classic_routes}.",
        "",
        "WARNING is the log level at which the generated app is compared with a bare app that logs nothing;"
        " INFO, the generated default, adds one JSON log line per request, which is what a user gets out of the box"
        " (the request queues its record; a thread of its own formats and writes the lines).",
        "",
        "Every target, on every server measured (the authenticated read, the metrics' cost, the keyed create and the"
        " items list page are described below):",
        "",
        *targets_table(results),
        "",
        *ratio_table(results),
        "",
        "The same runs put the two generated apps side by side under granian (one worker each, at"
        f" {plan.log_levels[0]}; the database routes share the machine's two cores with PostgreSQL):",
        "",
        *framework_summary(results),
        "",
        "## The authenticated item read against the open one",
        "",
        f"The same generated app, baked again with `auth=accounts` ({accounts_servers}) and served the same way"
        " (its own database, an explicit signing key, access tokens that outlive the run), next to the `auth=none`"
        " bake of the same framework and server. A member registers through the API and signs in with the password"
        " grant; the items are seeded as theirs, and wrk reads a random one with their `Authorization: Bearer` access"
        " token. The open API serves the same read without one. The authenticated path adds the HS256 JWT check"
        " (in full on a token's first use in the process, then only its expiry) and one primary-key read of the"
        " member's role, if the account is active at the credentials version the token was issued for, in the"
        f" request's own session. At {plan.log_levels[0]}, {rounds};"
        f" {medians}.",
        "",
        *authenticated_lines(results),
        "",
        "## What the metrics cost",
        "",
        "The same open bake (granian) served twice, once as generated (metrics on: a counter and a histogram per"
        " request, written to the worker's file of prometheus-client's multiprocess mode, and the in-flight gauge)"
        " and once with `METRICS_ENABLED=false`, on the same database; wrk reads a random item from each. At"
        f" {plan.log_levels[0]}, {rounds}; {medians}.",
        "",
        *metrics_lines(results),
        "",
        "## What the rate limits cost",
        "",
        "The same open bake (granian) served twice, once as generated (rate limits on: every API request counted for"
        " its caller, a process reserving a caller's requests in leases by upserts of `rate_limit_counters`, with"
        " limits no run reaches, so that none is refused) and once with `RATE_LIMITS_ENABLED=false`, on the same"
        " database; wrk reads a random item from each, as one caller, then from 10,000 callers (each request from one"
        " of 10,000 addresses in `X-Forwarded-For`, which a third server, limited and trusting wrk as its proxy,"
        f" believes). At {plan.log_levels[0]}, {rounds}; {medians}.",
        "",
        *rate_limit_lines(results),
        "",
        "## What an Idempotency-Key costs",
        "",
        "The same open bake (granian), still running, creates items with a new `Idempotency-Key` on every POST"
        " (the key held by an advisory lock before the item is inserted, its row written with the answer after it, in"
        " one transaction) and without one;"
        f" every POST makes a new item, and the items and keys are deleted after. At {plan.log_levels[0]}, {rounds};"
        f" {medians}.",
        "",
        *idempotency_lines(results),
        "",
        "## The items list page against the JSON list",
        "",
        "The generated app baked again with `ui=pages` (and `auth=none`, which the pages need for now) under granian,"
        f" on a database of its own seeded with {plan.seeded_items:,} items, served once by its production entry; the"
        " harness first checks that the page answers 200 with HTML showing the same items as the JSON list at the"
        f" same offset, and none of the next page's. wrk reads a random one of the first {LIST_PAGES} pages of"
        f" {LIST_LIMIT} from each list on that one server: `GET /items?limit={LIST_LIMIT}&offset=...` (the whole"
        f" page, rendered with Jinja) and `GET /api/v1/items?limit={LIST_LIMIT}&offset=...` (JSON). Both call the"
        " same service, which counts every item; the page adds the template, its CSRF token, and the browser cookie"
        " it sets on every response, since wrk sends none back, as a first visit does. At"
        f" {plan.log_levels[0]}, after a {plan.warm_up_seconds} s warm-up of each list, the two alternate (AB, BA,"
        f" ...) for {plan.rounds} rounds of {plan.seconds} s; {medians}.",
        "",
        *pages_lines(results),
        "",
        "## FastAPI against Flask on an I/O-bound route",
        "",
        "FastAPI is often said to be two or three times faster than Flask. The question matters most where a request"
        " waits on I/O, so each generated app gets one bench-only route (`bench/apps/io_*.py`, not in the generated"
        " project) that waits 20 ms, as a call to another service would: `await asyncio.sleep(0.02)` on FastAPI,"
        " `time.sleep(0.02)` on Flask. Every request still passes through the generated app's middleware, request"
        f" context and logging (at {plan.log_levels[0]}). Both run under granian with {plan.io_workers} workers,"
        " one per core. FastAPI runs one event loop per worker (granian's recommended single runtime thread). Flask"
        " needs a thread per request in flight: it is measured with the template's default of"
        f" {plan.io_flask_threads[0]} threads per worker and with {plan.io_flask_threads[-1]}, granian's own WSGI"
        f" default for {plan.io_workers} workers (backlog 1024 / workers / 2). {plan.rounds} rounds of"
        f" {plan.seconds} s rotate the servers; medians are shown, with the range of the rounds' rps.",
        "",
        *io_table(results),
        "",
        *io_summary(results),
        "",
    ]
