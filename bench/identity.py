"""The authenticated item read against the open one: the generated app baked with ``auth=accounts`` beside the same
framework baked with ``auth=none``, both served by their production entry on PostgreSQL, alternating under wrk."""

import json
import secrets
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from tests.servers import LOCAL

from .common import FRAMEWORK_NAMES, BenchError, progress
from .database import seed_items
from .projects import Project
from .rounds import READ, LoadPlan, Paired, alternate, announce
from .servers import Memory, Server
from .throughput import paired_server, read_items

TARGET = 0.85
"""The least ratio of the authenticated item read to the open one (issue 11)."""
REGISTER_PATH = "/api/v1/auth/register"
TOKEN_PATH = "/api/v1/auth/token"
MEMBER_EMAIL = "bench-member@example.com"
TOKEN_SECONDS = 3600
"""Access tokens live 15 minutes by default; one token serves a framework's whole comparison, however slow the run."""


def accounts_settings(project: Project) -> dict[str, str]:
    """An explicit signing key (every worker signs and checks with it) and tokens that outlive the run."""
    return {
        project.env_name("signing_key"): secrets.token_urlsafe(32),
        project.env_name("access_token_seconds"): str(TOKEN_SECONDS),
    }


def _post(url: str, body: bytes, content_type: str) -> dict[str, object]:
    """POST a body and return the JSON object of the answer; an error answer fails the benchmark with its body."""
    request = urllib.request.Request(url, data=body, headers={"Content-Type": content_type}, method="POST")
    try:
        with LOCAL.open(request, timeout=30) as response:
            answer = json.loads(response.read())
    except urllib.error.HTTPError as error:
        raise BenchError(f"POST {url}: {error.code} {error.read().decode(errors='replace')}") from None
    if not isinstance(answer, dict):
        raise BenchError(f"POST {url}: expected a JSON object, got {answer!r}")
    return answer


def sign_up(server: Server) -> tuple[str, str]:
    """Register a member through the API and sign in with the password grant: their user id and an access token."""
    password = secrets.token_urlsafe(24)
    account = json.dumps({"email": MEMBER_EMAIL, "password": password}).encode()
    user = _post(server.url(REGISTER_PATH), account, "application/json")
    form = urllib.parse.urlencode({"grant_type": "password", "username": MEMBER_EMAIL, "password": password})
    tokens = _post(server.url(TOKEN_PATH), form.encode(), "application/x-www-form-urlencoded")
    return str(user["id"]), str(tokens["access_token"])


def _status(url: str, headers: dict[str, str]) -> int:
    try:
        with LOCAL.open(urllib.request.Request(url, headers=headers), timeout=5) as response:
            status: int = response.status
            return status
    except urllib.error.HTTPError as error:
        return error.code


def check_guarded(server: Server, bearer: dict[str, str]) -> None:
    """The read must be refused without the token and answered with it, or the comparison measures nothing."""
    url = server.url("/api/v1/items/1")
    statuses = (_status(url, {}), _status(url, bearer))
    if statuses != (401, 200):
        raise BenchError(f"GET {url} answered {statuses[0]} without a token and {statuses[1]} with one: not 401, 200")


def compare_authenticated(
    opened: Server, accounts_project: Project, accounts_url: str, plan: LoadPlan, log_dir: Path
) -> tuple[Paired, list[Memory]]:
    """The item read with a bearer token (first) against the open read on ``opened``, the open bake of the same
    framework and server already serving at the plan's first log level (second), alternating in rounds.
    ``accounts_url`` is migrated and holds no items: they are seeded as the new member's."""
    framework, log_level = accounts_project.framework, plan.log_levels[0]
    comparison = Paired(framework, accounts_project.server, log_level, READ, TARGET)
    settings = accounts_settings(accounts_project)
    with paired_server(accounts_project, accounts_url, plan, log_dir, "accounts", settings) as guarded:
        member, token = sign_up(guarded)
        seed_items(accounts_url, plan.seeded_items, owner=member)
        bearer = {"Authorization": f"Bearer {token}"}
        check_guarded(guarded, bearer)
        progress(f"{framework} {READ.label} at {log_level} under {comparison.server}: with a bearer token against open")
        alternate(
            [
                (lambda seconds: read_items(guarded, plan, seconds, bearer), comparison.first),
                (lambda seconds: read_items(opened, plan, seconds), comparison.second),
            ],
            plan,
        )
        announce(comparison)
        label = f"{FRAMEWORK_NAMES[framework]} generated with accounts, {comparison.server}, {log_level}"
        memory = [Memory(label, guarded.worker_rss_mib())]
    return comparison, memory
