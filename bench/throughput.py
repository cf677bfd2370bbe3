"""Throughput and latency of the generated apps under granian, side by side with bare apps and with each other."""

import contextlib
import itertools
import json
import urllib.request
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from tests.servers import free_port

from .common import APPS_DIR, FRAMEWORK_NAMES, BenchError, clean_env, median, progress
from .load import Load, run_wrk
from .projects import Project
from .servers import Server, running

INTERFACES = {"fastapi": "asgi", "flask": "wsgi"}


@dataclass(frozen=True)
class Route:
    """A route under load, and the least ratio to the bare app it should reach at WARNING and at INFO, if any."""

    key: str
    label: str
    script: str
    target: float
    info_target: float | None = None


ROUTES = (
    Route("live", "GET /health/live", "get.lua", 0.90, info_target=0.80),
    Route("read", "GET /api/v1/items/{id}", "read_item.lua", 0.85),
    Route("create", "POST /api/v1/items", "create_item.lua", 0.85),
)
ROUTE_PATHS = {"live": "/health/live", "read": "/", "create": "/"}


@dataclass(frozen=True)
class LoadPlan:
    """How hard and how long each server is loaded."""

    seconds: int
    warm_up_seconds: int
    rounds: int
    connections: int
    workers: int
    threads: dict[str, int]
    seeded_items: int
    log_levels: tuple[str, ...]
    io_connections: tuple[int, ...]
    io_workers: int
    io_flask_threads: tuple[int, ...]
    starts: int
    """How often each server is started for its first answer (after one start that is not counted, with warm-ups)."""


@dataclass(frozen=True)
class Memory:
    label: str
    rss_mib: list[float]


@dataclass
class IOResult:
    """The I/O-bound route on one server configuration at one number of connections."""

    label: str
    framework: str
    threads: int
    connections: int
    loads: list[Load] = field(default_factory=list)


@dataclass
class Paired:
    """One framework's route at one log level, served two ways that differ in one respect: the first (the generated
    app as it is) against the second (the bare app, or the generated one without the feature measured), with the
    least ratio of their throughputs that the first should reach, if any."""

    framework: str
    log_level: str
    route: Route
    target: float | None
    first: list[Load] = field(default_factory=list)
    second: list[Load] = field(default_factory=list)

    @property
    def ratio(self) -> float:
        return rps(self.first) / rps(self.second)

    @property
    def below_target(self) -> bool:
        return self.target is not None and self.ratio < self.target


def alternate(runs: Sequence[tuple[Callable[[int], Load], list[Load]]], plan: LoadPlan) -> None:
    """Warm each run up, then load them in turn for the plan's rounds, the order reversed every other round (AB, BA,
    ...); each run is a load for a number of seconds and the list its results go to."""
    for load, _ in runs if plan.warm_up_seconds else ():
        load(plan.warm_up_seconds)
    for round_index in range(plan.rounds):
        for load, loads in runs if round_index % 2 == 0 else reversed(runs):
            loads.append(load(plan.seconds))


def read_items(server: Server, plan: LoadPlan, seconds: int, headers: Mapping[str, str] | None = None) -> Load:
    """wrk reading random items of the seeded ones."""
    return run_wrk(
        server.url("/"),
        "read_item.lua",
        connections=plan.connections,
        seconds=seconds,
        script_arguments=(str(plan.seeded_items),),
        headers=headers,
    )


def rps(loads: list[Load]) -> float:
    return median([load.rps for load in loads])


def p50(loads: list[Load]) -> float:
    return median([load.p50_ms for load in loads])


def p99(loads: list[Load]) -> float:
    return median([load.p99_ms for load in loads])


def _settings_env(project: Project, database_url: str, log_level: str, workers: int, threads: int) -> dict[str, str]:
    return {
        project.env_name("database_url"): database_url,
        project.env_name("log_level"): log_level,
        project.env_name("workers"): str(workers),
        project.env_name("threads"): str(threads),
    }


@contextlib.contextmanager
def generated_server(
    project: Project,
    database_url: str,
    log_level: str,
    workers: int,
    threads: int,
    log_dir: Path,
    *,
    variant: str = "generated",
    settings: Mapping[str, str] | None = None,
) -> Iterator[Server]:
    """The generated app served by its own production entry, ``python -m <package>``; ``variant`` names the server
    and its log, ``settings`` adds environment variables."""
    port = free_port()
    env = clean_env(_settings_env(project, database_url, log_level, workers, threads))
    env[project.env_name("port")] = str(port)
    env.update(settings or {})
    name = f"{variant} {project.framework} ({log_level})"
    log = log_dir / f"{variant}-{project.framework}-{log_level}.log"
    with running(name, [project.python, "-m", project.package], project.path, env, port, log) as server:
        yield server


def paired_server(
    project: Project,
    database_url: str,
    plan: LoadPlan,
    log_dir: Path,
    variant: str,
    settings: Mapping[str, str] | None = None,
) -> contextlib.AbstractContextManager[Server]:
    """The generated app as the paired comparisons serve it: at the plan's first log level, with its workers and
    threads."""
    threads = plan.threads[project.framework]
    log_level = plan.log_levels[0]
    return generated_server(
        project, database_url, log_level, plan.workers, threads, log_dir, variant=variant, settings=settings
    )


@contextlib.contextmanager
def bench_server(
    project: Project,
    target: str,
    database_url: str,
    log_level: str,
    workers: int,
    threads: int,
    log_dir: Path,
) -> Iterator[Server]:
    """A bench app in the project's environment, served by granian with the options the generated app uses."""
    port = free_port()
    env = clean_env(_settings_env(project, database_url, log_level, workers, threads))
    env.update(PYTHONPATH=str(APPS_DIR), BENCH_DATABASE_URL=database_url, BENCH_PACKAGE=project.package)
    module, _, attribute = target.partition(":")
    factory = ["factory"] if attribute == "create_app" else []
    command: list[str | Path] = [
        project.python,
        APPS_DIR / "serve.py",
        "granian",
        target,
        INTERFACES[project.framework],
        str(port),
        str(workers),
        str(threads),
        log_level,
        *factory,
    ]
    log = log_dir / f"{module}-{threads}-{log_level}.log"
    with running(f"{module} ({log_level}, {threads} threads)", command, project.path, env, port, log) as server:
        yield server


def _get_json(url: str) -> object:
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.loads(response.read())


def check_same_answers(generated: Server, bare: Server) -> None:
    """The bare app must return the same JSON as the generated one, or the comparison means nothing."""
    for path in ("/health/live", "/api/v1/items/1"):
        ours, theirs = _get_json(generated.url(path)), _get_json(bare.url(path))
        if ours != theirs:
            raise BenchError(f"GET {path}: the generated app returns {ours}, the bare app {theirs}")


def _load(server: Server, route: Route, plan: LoadPlan, seconds: int, tag: str) -> Load:
    arguments = {"live": (), "read": (str(plan.seeded_items),), "create": (tag,)}[route.key]
    return run_wrk(
        server.url(ROUTE_PATHS[route.key]),
        route.script,
        connections=plan.connections,
        seconds=seconds,
        script_arguments=arguments,
    )


def loader(server: Server, route: Route, plan: LoadPlan, tags: Iterator[int]) -> Callable[[int], Load]:
    """A load of the route on the server for a number of seconds; each run's creates take names of their own."""
    return lambda seconds: _load(server, route, plan, seconds, f"run{next(tags)}")


def compare_with_bare(
    project: Project, database_url: str, plan: LoadPlan, log_dir: Path
) -> tuple[list[Paired], list[Memory]]:
    """Each route on the generated (first) and the bare app (second), alternating in rounds, at each log level."""
    comparisons: list[Paired] = []
    memory: list[Memory] = []
    threads = plan.threads[project.framework]
    bare_target = f"bare_{project.framework}:app"
    tags = itertools.count()
    for log_level in plan.log_levels:
        with (
            generated_server(project, database_url, log_level, plan.workers, threads, log_dir) as generated,
            bench_server(project, bare_target, database_url, log_level, plan.workers, threads, log_dir) as bare,
        ):
            check_same_answers(generated, bare)
            for route in ROUTES:
                progress(f"{project.framework} {route.label} at {log_level}: generated against bare")
                target = route.info_target if log_level == "INFO" else route.target
                comparison = Paired(project.framework, log_level, route, target)
                alternate(
                    [
                        (loader(generated, route, plan, tags), comparison.first),
                        (loader(bare, route, plan, tags), comparison.second),
                    ],
                    plan,
                )
                comparisons.append(comparison)
            name = FRAMEWORK_NAMES[project.framework]
            memory.append(Memory(f"{name} generated, {log_level}", generated.worker_rss_mib()))
            memory.append(Memory(f"{name} bare, {log_level}", bare.worker_rss_mib()))
    return comparisons, memory


def compare_frameworks_on_io(
    projects: dict[str, Project], database_urls: dict[str, str], plan: LoadPlan, log_dir: Path
) -> tuple[list[IOResult], list[Memory]]:
    """The generated apps plus a 20 ms I/O wait route, FastAPI against Flask, at several numbers of connections."""
    configurations = [("fastapi", 1), *(("flask", threads) for threads in plan.io_flask_threads)]
    results: list[IOResult] = []
    memory: list[Memory] = []
    with contextlib.ExitStack() as stack:
        servers = []
        for framework, threads in configurations:
            project = projects[framework]
            server = stack.enter_context(
                bench_server(
                    project,
                    f"io_{framework}:create_app",
                    database_urls[framework],
                    plan.log_levels[0],
                    plan.io_workers,
                    threads,
                    log_dir,
                )
            )
            label = FRAMEWORK_NAMES[framework] + ("" if framework == "fastapi" else f", {threads} threads/worker")
            servers.append((label, framework, threads, server))
        for _, _, _, server in servers if plan.warm_up_seconds else ():
            run_wrk(server.url("/bench/io"), "get.lua", connections=10, seconds=plan.warm_up_seconds)
        for connections in plan.io_connections:
            progress(f"I/O-bound route at {connections} connections: " + ", ".join(s[0] for s in servers))
            level = [IOResult(label, framework, threads, connections) for label, framework, threads, _ in servers]
            for round_index in range(plan.rounds):
                order = list(zip(servers, level, strict=True))
                shift = round_index % len(order)
                for (_, _, _, server), result in order[shift:] + order[:shift]:
                    result.loads.append(
                        run_wrk(
                            server.url("/bench/io"),
                            "get.lua",
                            connections=connections,
                            seconds=plan.seconds,
                            allow_timeouts=True,
                        )
                    )
            results.extend(level)
        for label, _, _, server in servers:
            memory.append(
                Memory(f"{label}, I/O route after {max(plan.io_connections)} connections", server.worker_rss_mib())
            )
    return results, memory
