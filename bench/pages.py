"""The items list page against the JSON list of the same items: the generated app baked with ``ui=pages`` (and
``auth=none``), served once by its production entry on PostgreSQL, its two lists loaded in alternating rounds under
wrk. Both call the same service and count every item; the page adds the Jinja rendering, its cookie and its CSRF
token."""

import html
import json
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

from tests.servers import LOCAL

from .common import FRAMEWORK_NAMES, BenchError, progress
from .load import Load, run_wrk
from .projects import Project
from .rounds import LIST_LIMIT, LoadPlan, Paired, Route, alternate, announce, list_pages
from .servers import Memory, Server
from .throughput import paired_server

TARGET = 0.80
"""The least ratio of the items list page's throughput to the JSON list's (issue 30)."""
PAGE_PATH = "/items"
JSON_PATH = "/api/v1/items"
PAGE_LIST = Route("page", f"GET {PAGE_PATH}?limit={LIST_LIMIT}&offset={{n}}", "list_items.lua", TARGET)


def _get(url: str) -> tuple[int, str, str]:
    """The status, content type and body of a GET; a redirect fails the benchmark, since wrk would load it."""
    try:
        with LOCAL.open(url, timeout=5) as response:
            if response.geturl() != url:
                raise BenchError(f"GET {url} was redirected to {response.geturl()}")
            status: int = response.status
            return status, response.headers.get_content_type(), response.read().decode(errors="replace")
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get_content_type(), error.read().decode(errors="replace")


def _json_names(server: Server, offset: int) -> list[str]:
    url = server.url(f"{JSON_PATH}?limit={LIST_LIMIT}&offset={offset}")
    status, _, body = _get(url)
    items = json.loads(body).get("items") if status == 200 else None
    if not isinstance(items, list) or len(items) != LIST_LIMIT:
        raise BenchError(f"GET {url}: expected 200 with {LIST_LIMIT} items, got {status}: {body[:500]}")
    return [str(item["name"]) for item in items]


def check_same_items(server: Server) -> None:
    """A page of the list must answer 200 with HTML that shows the JSON list's items at the same offset, each as the
    whole text of an element, and none of the next page's: or the comparison measures something else."""
    url = server.url(f"{PAGE_PATH}?limit={LIST_LIMIT}&offset={LIST_LIMIT}")
    status, content_type, page = _get(url)
    if (status, content_type) != (200, "text/html"):
        raise BenchError(f"GET {url} answered {status} {content_type}, not 200 text/html: {page[:500]}")
    shown = [name for name in _json_names(server, LIST_LIMIT) if f">{html.escape(name)}<" in page]
    if len(shown) != LIST_LIMIT:
        raise BenchError(f"GET {url} shows {len(shown)} of the {LIST_LIMIT} items that the JSON list has there")
    beyond = [name for name in _json_names(server, 2 * LIST_LIMIT) if f">{html.escape(name)}<" in page]
    if beyond:
        raise BenchError(f"GET {url} shows items of the next page too: {', '.join(beyond)}")


def list_loader(server: Server, path: str, plan: LoadPlan) -> Callable[[int], Load]:
    """A load of the list at ``path`` for a number of seconds, a random one of its first pages at a time."""
    return lambda seconds: run_wrk(
        server.url("/"),
        PAGE_LIST.script,
        connections=plan.connections,
        seconds=seconds,
        script_arguments=(str(LIST_LIMIT), str(list_pages(plan)), path),
    )


def compare_pages(project: Project, database_url: str, plan: LoadPlan, log_dir: Path) -> tuple[Paired, list[Memory]]:
    """The items list page (first) against the JSON list of the same items (second) on one server of the ``ui=pages``
    bake, at the plan's first log level, alternating in rounds; ``database_url`` is migrated and seeded."""
    framework, log_level = project.framework, plan.log_levels[0]
    comparison = Paired(framework, project.server, log_level, PAGE_LIST, TARGET)
    with paired_server(project, database_url, plan, log_dir, "pages") as served:
        check_same_items(served)
        progress(f"{framework} {PAGE_LIST.label} at {log_level} under {project.server}: the page against the JSON list")
        alternate(
            [
                (list_loader(served, PAGE_PATH, plan), comparison.first),
                (list_loader(served, JSON_PATH, plan), comparison.second),
            ],
            plan,
        )
        announce(comparison)
        label = f"{FRAMEWORK_NAMES[framework]} generated with pages, {project.server}, {log_level}"
        memory = [Memory(label, served.worker_rss_mib())]
    return comparison, memory
