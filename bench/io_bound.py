"""FastAPI against Flask on a route that waits on I/O: the generated apps plus a 20 ms wait, several servers at
several numbers of connections, in rotating rounds."""

import contextlib
from dataclasses import dataclass, field
from pathlib import Path

from .common import FRAMEWORK_NAMES, progress
from .load import Load, run_wrk
from .projects import Project
from .rounds import LoadPlan
from .servers import Memory
from .throughput import bench_server


@dataclass
class IOResult:
    """The I/O-bound route on one server configuration at one number of connections."""

    label: str
    framework: str
    threads: int
    connections: int
    loads: list[Load] = field(default_factory=list)


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
