"""The parts that serve baked projects on PostgreSQL: the generated apps against the bare frameworks (granian and
the classic servers), the authenticated read, the metrics' cost, the Idempotency-Key's cost, the items list page, the
I/O-bound route and first answers."""

import contextlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import NamedTuple

from .common import FRAMEWORKS, progress
from .database import migrate, migrate_and_seed, scratch_database
from .idempotency import compare_idempotency
from .identity import compare_authenticated
from .io_bound import compare_frameworks_on_io
from .machine import describe
from .metrics import compare_metrics
from .pages import compare_pages
from .projects import Project, bake, sync
from .rate_limits import compare_many_callers, compare_rate_limits
from .results import Results
from .rounds import ROUTES, LoadPlan
from .startup import measure_startup
from .throughput import compare_with_bare, generated_and_bare

BAKE_SERVERS = ("granian", "classic")
"""The ``server`` answers baked: granian, and the framework's classic server (uvicorn, gunicorn)."""


def load_seconds(plan: LoadPlan, parts: list[str]) -> int:
    """About how long the plan keeps wrk busy, servers' starts aside: to say so before it starts."""
    pair = 2 * plan.warm_up_seconds + 2 * plan.rounds * plan.seconds
    seconds = 0
    if "throughput" in parts:
        classic = len(plan.classic_routes) * len(plan.classic_log_levels)
        # The routes at every level, the authenticated read under its servers, the metrics, the rate limits (one caller
        # and many), the keyed create and the page under granian.
        pairs = len(FRAMEWORKS) * (len(ROUTES) * len(plan.log_levels) + classic + len(plan.accounts_servers) + 5)
        seconds += pairs * pair
    if "io" in parts:
        configurations = 1 + len(plan.io_flask_threads)
        rounds = len(plan.io_connections) * plan.rounds * plan.seconds + plan.warm_up_seconds
        seconds += configurations * rounds
    return seconds


class Choice(NamedTuple):
    """A bake's framework, ``server``, ``auth`` and ``ui`` answers."""

    framework: str
    server: str
    auth: str
    ui: str = "none"


def bake_choices(plan: LoadPlan, parts: list[str]) -> list[Choice]:
    """Open APIs under both servers (granian alone when the I/O-bound route is the only part); for the throughput
    part, with accounts too, under the plan's servers for the authenticated read, and with pages under granian."""
    servers = BAKE_SERVERS if {"startup", "throughput"} & set(parts) else BAKE_SERVERS[:1]
    choices = [Choice(framework, server, "none") for framework in FRAMEWORKS for server in servers]
    if "throughput" in parts:
        choices += [
            Choice(framework, server, "accounts") for framework in FRAMEWORKS for server in plan.accounts_servers
        ]
        choices += [Choice(framework, "granian", "none", "pages") for framework in FRAMEWORKS]
    return choices


def bake_all(work_dir: Path, choices: list[Choice], set_up: Callable[[Choice, Project], None]) -> dict[Choice, Project]:
    """Bake every choice on PostgreSQL, sync it without the dev group and without compiling the packages' bytecode
    (the load parts only serve these bakes, and their servers write the bytecode of what they import), then set its
    database up, several bakes at a time."""
    progress(f"baking, syncing and migrating {len(choices)} projects on PostgreSQL")

    def prepare(choice: Choice) -> Project:
        framework, server, auth, ui = choice
        folder = work_dir / f"load-{server}-{auth}-{ui}"
        project, _ = bake(framework, folder, database="postgresql", server=server, auth=auth, ui=ui)
        sync(project, dev=False, compile_bytecode=False)
        set_up(choice, project)
        return project

    with ThreadPoolExecutor() as pool:
        return dict(zip(choices, pool.map(prepare, choices), strict=True))


def run_load_parts(work_dir: Path, plan: LoadPlan, parts: list[str], results: Results) -> None:
    """Bake, migrate and seed a database per framework (and one per bake with accounts or pages), then start and load
    the servers, part by part; first answers come last, when every bake's bytecode is written."""
    log_dir = work_dir / "logs"
    log_dir.mkdir()
    choices = bake_choices(plan, parts)
    with contextlib.ExitStack() as databases:
        # The open bakes of a framework share its seeded database; each bake with accounts has its own member, and
        # each with pages its own items, which no create of the other comparisons adds to.
        urls = {framework: databases.enter_context(scratch_database()) for framework in FRAMEWORKS}
        accounts_urls = {
            (choice.framework, choice.server): databases.enter_context(scratch_database())
            for choice in choices
            if choice.auth == "accounts"
        }
        pages_urls = {
            choice.framework: databases.enter_context(scratch_database()) for choice in choices if choice.ui == "pages"
        }

        def set_up(choice: Choice, project: Project) -> None:
            if choice.auth == "accounts":
                migrate(project, accounts_urls[choice.framework, choice.server])
            elif choice.ui == "pages":
                migrate_and_seed(project, pages_urls[choice.framework], plan.seeded_items)
            elif choice.server == "granian":
                migrate_and_seed(project, urls[choice.framework], plan.seeded_items)

        baked = bake_all(work_dir, choices, set_up)
        opened = {
            (choice.framework, choice.server): project
            for choice, project in baked.items()
            if (choice.auth, choice.ui) == ("none", "none")
        }
        granian = {framework: opened[framework, "granian"] for framework in FRAMEWORKS}
        results.machine = describe(granian)
        if {"throughput", "io"} & set(parts):
            seconds = load_seconds(plan, parts)
            length = f"{seconds} s" if seconds < 120 else f"{seconds / 60:.0f} min"
            progress(
                f"about {length} of load follow (servers' starts aside), {plan.rounds} round(s) of {plan.seconds} s"
            )
        if "throughput" in parts:
            for (framework, server), project in opened.items():
                guarded = baked.get(Choice(framework, server, "accounts"))
                accounts = (guarded, accounts_urls[framework, server]) if guarded else None
                compare_served(project, urls[framework], accounts, plan, log_dir, results)
            for choice, project in baked.items():
                if choice.ui == "pages":
                    page, memory = compare_pages(project, pages_urls[choice.framework], plan, log_dir)
                    results.pages.append(page)
                    results.memory += memory
        if "io" in parts:
            results.io, memory = compare_frameworks_on_io(granian, urls, plan, log_dir)
            results.memory += memory
        if "startup" in parts:
            for (framework, _), project in opened.items():
                results.startups.append(
                    measure_startup(
                        project,
                        plan.threads[framework],
                        urls[framework],
                        plan.starts,
                        warm_up=plan.warm_up_seconds > 0,
                        log_dir=log_dir,
                    )
                )


def compare_served(
    project: Project,
    database_url: str,
    accounts: tuple[Project, str] | None,
    plan: LoadPlan,
    log_dir: Path,
    results: Results,
) -> None:
    """The open bake against the bare app at each log level (granian's or the classic servers'); at the first, the
    same generated server, still running, is also the open read beside the bake with accounts (given with its
    database, if the plan compares it under this server), and, under granian, the measured read beside the same bake
    without metrics, and without rate limits."""
    levels = plan.log_levels if project.server == "granian" else plan.classic_log_levels
    for log_level in levels:
        with generated_and_bare(project, database_url, plan, log_level, log_dir) as (generated, bare):
            comparisons, memory = compare_with_bare(project, generated, bare, database_url, plan, log_level)
            results.comparisons += comparisons
            results.memory += memory
            if log_level != plan.log_levels[0]:
                continue
            if accounts:
                authenticated, memory = compare_authenticated(generated, *accounts, plan, log_dir)
                results.authenticated.append(authenticated)
                results.memory += memory
            if project.server == "granian":
                results.metrics.append(compare_metrics(generated, project, database_url, plan, log_dir))
                results.rate_limits.append(compare_rate_limits(generated, project, database_url, plan, log_dir))
                results.rate_limits_callers.append(compare_many_callers(project, database_url, plan, log_dir))
                keyed = compare_idempotency(generated, project.framework, project.server, database_url, plan)
                results.idempotency.append(keyed)
