"""The generated apps against the bare apps of their frameworks, route by route in alternating rounds, under
granian and under the classic servers; and the servers that every comparison of a generated app starts."""

import contextlib
import itertools
import json
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

from tests.servers import free_port

from .common import APPS_DIR, FRAMEWORK_NAMES, INTERFACES, BenchError, progress, served_env
from .database import trim_items
from .load import Load, run_wrk
from .projects import Project
from .rounds import LIST_LIMIT, READ, ROUTES, LoadPlan, Paired, Route, alternate, announce, list_pages
from .servers import Memory, Server, running

ROUTE_PATHS = {"live": "/health/live", "read": "/", "list": "/", "create": "/"}
SAME_ANSWERS = ("/health/live", "/api/v1/items/1", f"/api/v1/items?limit={LIST_LIMIT}&offset={LIST_LIMIT}")
"""What both apps must answer alike: the health route, an item, and a page of the list."""


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


UNREACHED_LIMIT = str(10**12)
"""The generated servers' rate limits, reads and writes: every request is counted, none refused (see
``rate_limits``)."""


def _settings_env(project: Project, database_url: str, log_level: str, workers: int, threads: int) -> dict[str, str]:
    return {
        project.env_name("database_url"): database_url,
        project.env_name("log_level"): log_level,
        project.env_name("workers"): str(workers),
        project.env_name("threads"): str(threads),
        project.env_name("rate_limit_reads"): UNREACHED_LIMIT,
        project.env_name("rate_limit_writes"): UNREACHED_LIMIT,
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
    env = served_env(_settings_env(project, database_url, log_level, workers, threads))
    env[project.env_name("port")] = str(port)
    env.update(settings or {})
    name = f"{variant} {project.framework} under {project.server} ({log_level})"
    log = log_dir / f"{variant}-{project.framework}-{project.server}-{log_level}.log"
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
    server: str = "granian",
) -> Iterator[Server]:
    """A bench app in the project's environment, served by ``server`` (granian, uvicorn or gunicorn) with the
    options the generated app uses."""
    port = free_port()
    env = served_env(_settings_env(project, database_url, log_level, workers, threads))
    env.update(PYTHONPATH=str(APPS_DIR), BENCH_DATABASE_URL=database_url, BENCH_PACKAGE=project.package)
    module, _, attribute = target.partition(":")
    factory = ["factory"] if attribute == "create_app" else []
    command: list[str | Path] = [
        project.python,
        APPS_DIR / "serve.py",
        server,
        target,
        INTERFACES[project.framework],
        str(port),
        str(workers),
        str(threads),
        log_level,
        *factory,
    ]
    log = log_dir / f"{module}-{server}-{threads}-{log_level}.log"
    name = f"{module} under {server} ({log_level}, {threads} threads)"
    with running(name, command, project.path, env, port, log) as served:
        yield served


def _get_json(url: str) -> object:
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.loads(response.read())


def check_same_answers(generated: Server, bare: Server) -> None:
    """The bare app must return the same JSON as the generated one, or the comparison means nothing."""
    for path in SAME_ANSWERS:
        ours, theirs = _get_json(generated.url(path)), _get_json(bare.url(path))
        if ours != theirs:
            raise BenchError(f"GET {path}: the generated app returns {ours}, the bare app {theirs}")


def _script_arguments(route: Route, plan: LoadPlan, tag: str) -> tuple[str, ...]:
    return {
        "live": (),
        "read": (str(plan.seeded_items),),
        "list": (str(LIST_LIMIT), str(list_pages(plan))),
        "create": (tag,),
    }[route.key]


TAGS = itertools.count()
"""Numbers every load's creates with a prefix of its own."""


def loader(server: Server, route: Route, plan: LoadPlan) -> Callable[[int], Load]:
    """A load of the route on the server for a number of seconds; each run's creates take names of their own."""
    return lambda seconds: run_wrk(
        server.url(ROUTE_PATHS[route.key]),
        route.script,
        connections=plan.connections,
        seconds=seconds,
        script_arguments=_script_arguments(route, plan, f"run{next(TAGS)}"),
    )


@contextlib.contextmanager
def generated_and_bare(
    project: Project, database_url: str, plan: LoadPlan, log_level: str, log_dir: Path
) -> Iterator[tuple[Server, Server]]:
    """The generated app and the bare app of its framework, both under the server the project was baked with, once
    they are seen to answer alike."""
    threads = plan.threads[project.framework]
    bare_target = f"bare_{project.framework}:app"
    with (
        generated_server(project, database_url, log_level, plan.workers, threads, log_dir) as generated,
        bench_server(
            project, bare_target, database_url, log_level, plan.workers, threads, log_dir, project.server
        ) as bare,
    ):
        check_same_answers(generated, bare)
        yield generated, bare


def compare_with_bare(
    project: Project, generated: Server, bare: Server, database_url: str, plan: LoadPlan, log_level: str
) -> tuple[list[Paired], list[Memory]]:
    """Each route on the generated (first) and the bare app (second), alternating in rounds. The items that creates
    add are removed after them, so that every comparison reads the seeded table."""
    comparisons: list[Paired] = []
    server = project.server
    for route in ROUTES if server == "granian" else [route for route in ROUTES if route.key in plan.classic_routes]:
        progress(f"{project.framework} {route.label} at {log_level} under {server}: generated against bare")
        target = route.info_target if log_level == "INFO" else route.target
        comparison = Paired(project.framework, server, log_level, route, target)
        alternate(
            [(loader(generated, route, plan), comparison.first), (loader(bare, route, plan), comparison.second)], plan
        )
        announce(comparison)
        comparisons.append(comparison)
        if route.key == "create":
            trim_items(database_url, plan.seeded_items)
    name = FRAMEWORK_NAMES[project.framework]
    memory = [
        Memory(f"{name} generated, {server}, {log_level}", generated.worker_rss_mib()),
        Memory(f"{name} bare, {server}, {log_level}", bare.worker_rss_mib()),
    ]
    return comparisons, memory


def compare_read_without(
    served: Server, project: Project, database_url: str, plan: LoadPlan, log_dir: Path, feature: str, target: float
) -> Paired:
    """The item read on ``served``, the project already serving at the plan's first log level with ``feature`` on
    (first), against the same project served with ``<feature>_enabled=false`` (second), alternating in rounds."""
    framework, log_level = project.framework, plan.log_levels[0]
    comparison = Paired(framework, project.server, log_level, READ, target)
    without = {project.env_name(f"{feature}_enabled"): "false"}
    with paired_server(project, database_url, plan, log_dir, f"without-{feature}", without) as off:
        progress(f"{framework} {READ.label} at {log_level}: with {feature.replace('_', ' ')} against without")
        alternate(
            [
                (lambda seconds: read_items(served, plan, seconds), comparison.first),
                (lambda seconds: read_items(off, plan, seconds), comparison.second),
            ],
            plan,
        )
    announce(comparison)
    return comparison
