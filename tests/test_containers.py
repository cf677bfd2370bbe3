"""The container files of a bake, checked without a Docker engine.

hadolint lints the Dockerfile and the compose specification's schema validates compose.yaml. The Dockerfile is then
read instruction by instruction: what it copies must be in the build context and not in .dockerignore, and its two
stages are replayed on this machine (the builder's ``uv sync`` commands, the runtime's files, its CMD and HEALTHCHECK)
to show that the image would install, migrate, serve, report healthy and stop on SIGTERM. The replay leaves out what
only a real image can show: the base image, the runtime's RUN (its user and /data) and running as that user.
"""

from __future__ import annotations

import ast
import contextlib
import json
import os
import posixpath
import re
import shlex
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
import yaml
from uv import find_uv_bin

from .baking import bake, saved_answers
from .combinations import CONTAINER_ROWS, OPTIONS, params
from .databases import scratch_database
from .servers import free_port, member_credentials, start
from .toolchain import find_python, run_checked

CONTAINER_FILES = ("Dockerfile", ".dockerignore", "compose.yaml")
START_TIMEOUT_SECONDS = 120
STOP_TIMEOUT_SECONDS = 30
ROOT_USERS = {"root", "0"}
# The image's working directory and data directory, and where the replay puts them on this machine.
CONTAINER_ROOTS = ("/app", "/data")
BAKES = params(CONTAINER_ROWS)
"""The rows of the table with container files."""
COMPOSE_BAKES = [
    *BAKES,
    *(
        pytest.param({"database": database, "jobs": "celery"}, id=f"{database}-celery")
        for database in OPTIONS["database"]
        if not any(row.database == database and row.jobs == "celery" for row in CONTAINER_ROWS)
    ),
]
"""The rows with container files, and a bake with jobs for each database that no such row has jobs with: the
worker's database (an SQLite file on a shared volume, or the db service) changes compose.yaml."""
JOB_SERVICES = {"redis", "worker", "beat"}
OBSERVABILITY_SERVICES = {"prometheus", "grafana", "otel-collector"}
"""The services of the compose profile ``observability``."""
METRIC_DEFINITION = re.compile(r"\b(Counter|Gauge|Histogram)\(\s*\"(\w+)\"")
METRIC_SUFFIXES = {"Counter": ("_total",), "Gauge": ("",), "Histogram": ("_bucket", "_count", "_sum")}
PROMQL_NAME = re.compile(r"(?<![$\w])([a-z][a-z0-9]*_[a-z0-9_]+)\b(?!\s*\()")
"""A metric's name in a PromQL expression: a name with an underscore that calls nothing (labels have none here)."""
STOP_MARGIN_SECONDS = 5
"""What a worker's stop may take beyond the jobs' time limit: the end of the killed job's process, then its own."""


@dataclass(frozen=True)
class Instruction:
    keyword: str
    arguments: str


@dataclass
class Stage:
    base: str
    name: str | None
    instructions: list[Instruction] = field(default_factory=list)

    def all(self, keyword: str) -> list[Instruction]:
        return [instruction for instruction in self.instructions if instruction.keyword == keyword]

    def last(self, keyword: str) -> Instruction:
        found = self.all(keyword)
        assert found, f"the stage FROM {self.base} has no {keyword}"
        return found[-1]


@dataclass(frozen=True)
class Copy:
    flags: dict[str, str]
    sources: list[str]
    destination: str


def parse_dockerfile(text: str) -> list[Stage]:
    """The stages of a Dockerfile, with continuation lines joined and comment lines dropped, as Docker reads them."""
    stages: list[Stage] = []
    pending = ""
    for line in text.splitlines():
        if line.lstrip().startswith("#") or (not line.strip() and pending):
            continue
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        logical, pending = (pending + line).strip(), ""
        if not logical:
            continue
        keyword, _, arguments = logical.partition(" ")
        instruction = Instruction(keyword.upper(), arguments.strip())
        if instruction.keyword == "FROM":
            _, words = split_flags(instruction.arguments)
            image, *alias = words.split()
            stages.append(Stage(image, alias[1] if len(alias) == 2 and alias[0].upper() == "AS" else None))
        elif stages:
            stages[-1].instructions.append(instruction)
    assert not pending, "the Dockerfile ends with a continuation line"
    assert stages, "the Dockerfile has no FROM"
    return stages


def split_flags(arguments: str) -> tuple[list[tuple[str, str]], str]:
    """The leading ``--name=value`` flags of an instruction, and the rest of it."""
    flags = []
    while match := re.match(r"--([\w-]+)(?:=(\S*))?\s+", arguments):
        flags.append((match[1], match[2] or ""))
        arguments = arguments[match.end() :]
    return flags, arguments


def parse_copy(instruction: Instruction) -> Copy:
    """A COPY or ADD in either form: ``COPY [--flag...] src... dest`` or ``COPY [--flag...] ["src", ..., "dest"]``."""
    flags, rest = split_flags(instruction.arguments)
    paths: list[str] = json.loads(rest) if rest.startswith("[") else rest.split()
    assert len(paths) >= 2, f"{instruction.keyword} {instruction.arguments}: needs a source and a destination"
    return Copy(dict(flags), paths[:-1], paths[-1])


def exec_form(instruction: Instruction) -> list[str]:
    """The JSON (exec) form of a CMD, ENTRYPOINT or HEALTHCHECK CMD, so that no shell stands between Docker and it."""
    _, rest = split_flags(instruction.arguments)
    if instruction.keyword == "HEALTHCHECK":
        assert rest.startswith("CMD "), f"HEALTHCHECK {instruction.arguments}: expected HEALTHCHECK [options] CMD"
        rest = rest.removeprefix("CMD ").strip()
    assert rest.startswith("["), f"{instruction.keyword} {rest}: use the exec (JSON) form"
    command: list[str] = json.loads(rest)
    return command


def environment(stage: Stage) -> dict[str, str]:
    """The variables that the stage's ENV instructions set, in both ENV forms."""
    variables = {}
    for instruction in stage.all("ENV"):
        words = shlex.split(instruction.arguments)
        if "=" not in words[0]:
            variables[words[0]] = " ".join(words[1:])
            continue
        for word in words:
            name, _, value = word.partition("=")
            variables[name] = value
    return variables


def context_sources(stage: Stage) -> list[str]:
    """The build-context paths a stage reads: COPY and ADD sources and RUN bind mounts, except from other stages."""
    sources = []
    for instruction in stage.instructions:
        if instruction.keyword in {"COPY", "ADD"}:
            copy = parse_copy(instruction)
            if "from" not in copy.flags:
                sources += [source for source in copy.sources if not re.match(r"\w+://|git@", source)]
        elif instruction.keyword == "RUN":
            for name, value in split_flags(instruction.arguments)[0]:
                options = dict(option.partition("=")[::2] for option in value.split(","))
                if name == "mount" and options.get("type") == "bind" and "from" not in options:
                    sources.append(options.get("source", options.get("src", ".")))
    return sources


def ignore_rules(text: str) -> list[tuple[bool, re.Pattern[str]]]:
    """The .dockerignore patterns as (is an exception, regular expression), in file order."""
    rules = []
    for line in text.splitlines():
        pattern = line.strip()
        if not pattern or pattern.startswith("#"):
            continue
        exception = pattern.startswith("!")
        pattern = posixpath.normpath(pattern.removeprefix("!").strip()).lstrip("/")
        rules.append((exception, re.compile(pattern_regex(pattern))))
    return rules


def pattern_regex(pattern: str) -> str:
    """Docker's pattern syntax: ``**`` spans directories, ``*`` and ``?`` stay within one, ``[...]`` a class."""
    regex, index = "", 0
    while index < len(pattern):
        if pattern.startswith("**/", index):
            regex, index = regex + "(?:.*/)?", index + 3
        elif pattern.startswith("**", index):
            regex, index = regex + ".*", index + 2
        elif pattern[index] in "*?":
            regex, index = regex + ("[^/]*" if pattern[index] == "*" else "[^/]"), index + 1
        elif pattern[index] == "[" and "]" in pattern[index + 1 :]:
            end = pattern.index("]", index + 1)
            regex, index = regex + "[" + pattern[index + 1 : end].replace("!", "^", 1) + "]", end + 1
        elif pattern[index] == "\\" and index + 1 < len(pattern):
            regex, index = regex + re.escape(pattern[index + 1]), index + 2
        else:
            regex, index = regex + re.escape(pattern[index]), index + 1
    return regex


def is_ignored(relative: str, rules: list[tuple[bool, re.Pattern[str]]]) -> bool:
    """Docker's rule: the last pattern that matches the path or one of its parent directories decides."""
    parts = relative.split("/")
    candidates = ["/".join(parts[:count]) for count in range(1, len(parts) + 1)]
    ignored = False
    for exception, regex in rules:
        if any(regex.fullmatch(candidate) for candidate in candidates):
            ignored = not exception
    return ignored


def files_under(paths: list[Path]) -> Iterator[Path]:
    for path in paths:
        if path.is_dir():
            yield from (child for child in path.rglob("*") if child.is_file())
        else:
            yield path


def lock(project: Path, python_version: str) -> None:
    """Write uv.lock, as the generated README asks before the first build."""
    env = {**os.environ, "UV_PYTHON_DOWNLOADS": "never"}
    run_checked([find_uv_bin(), "lock", "--quiet", "--python", find_python(python_version)], project, env)


def tool(name: str) -> str:
    """A command-line tool of the template's development environment, next to this Python or on PATH."""
    beside = Path(sys.executable).parent / name
    found = str(beside) if beside.is_file() else shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is not installed: `uv sync` in the template installs it with the dev dependency group")
    return found


@pytest.mark.parametrize("answers", BAKES)
def test_dockerfile_builds_with_uv_and_runs_migrations_then_the_server_as_a_user(
    cookies: Any, answers: dict[str, object]
) -> None:
    project = bake(cookies, answers)
    saved = saved_answers(project)
    prefix, package = saved["__env_prefix"], saved["package_name"]
    *builders, runtime = parse_dockerfile((project / "Dockerfile").read_text(encoding="utf-8"))

    assert builders, "a multi-stage build: the runtime stage must not carry the build tools"
    assert {stage.base for stage in [*builders, runtime]} == {f"python:{saved['python_version']}-slim"}
    builder_commands = [instruction.arguments for stage in builders for instruction in stage.all("RUN")]
    assert any(re.search(r"\bpip install .*\buv==\d+\.\d+\.\d+\b", command) for command in builder_commands)
    assert any(
        {"uv", "sync", "--locked", "--no-dev", "--no-editable"} <= set(split_flags(command)[1].split())
        for command in builder_commands
    )
    assert not [copy for copy in map(parse_copy, runtime.all("COPY")) if "src" in copy.sources]

    user = runtime.last("USER").arguments.split(":")[0]
    assert user not in ROOT_USERS
    assert runtime.instructions.index(runtime.last("USER")) > max(
        (runtime.instructions.index(instruction) for instruction in runtime.all("RUN")), default=-1
    ), "USER must come after the last RUN, so that nothing at run time is root"
    variables = environment(runtime)
    assert variables[f"{prefix}HOST"] == "0.0.0.0"
    assert variables["PYTHONDONTWRITEBYTECODE"] == variables["PYTHONUNBUFFERED"] == "1"
    assert runtime.last("EXPOSE").arguments.split() == [variables[f"{prefix}PORT"]] == ["8000"]
    assert not [name for name in variables if re.search("PASSWORD|SECRET|TOKEN", name)]

    healthcheck = " ".join(exec_form(runtime.last("HEALTHCHECK")))
    assert "/health/live" in healthcheck
    assert "urllib.request" in healthcheck
    start = [
        *(exec_form(runtime.last("ENTRYPOINT")) if runtime.all("ENTRYPOINT") else []),
        *exec_form(runtime.last("CMD")),
    ]
    assert re.fullmatch(rf"sh -c alembic upgrade head && exec python -m {package}", " ".join(start)), start


@pytest.mark.parametrize("answers", COMPOSE_BAKES)
def test_compose_file_runs_the_app_with_its_database(cookies: Any, answers: dict[str, object]) -> None:
    project = bake(cookies, answers)
    saved = saved_answers(project)
    prefix, package = saved["__env_prefix"], saved["package_name"]
    compose = yaml.safe_load((project / "compose.yaml").read_text(encoding="utf-8"))
    runtime = parse_dockerfile((project / "Dockerfile").read_text(encoding="utf-8"))[-1]

    assert "version" not in compose
    app = compose["services"]["app"]
    assert app["build"] in [".", {"context": "."}]
    assert "127.0.0.1:8000:8000" in app["ports"]
    assert app["healthcheck"]["test"] == ["CMD", *exec_form(runtime.last("HEALTHCHECK"))]
    database_url = app["environment"][f"{prefix}DATABASE_URL"]
    named_volumes = set(compose.get("volumes") or {})
    if saved["database"] == "postgresql":
        db = compose["services"]["db"]
        assert re.fullmatch(r"postgres:17(\.\d+)?(-\w+)?", db["image"])
        assert db["environment"]["POSTGRES_DB"] == package
        assert "pg_isready" in " ".join(db["healthcheck"]["test"])
        assert {volume.split(":")[0] for volume in db["volumes"]} <= named_volumes
        assert app["depends_on"]["db"]["condition"] == "service_healthy"
        assert re.fullmatch(rf"postgresql://\w+:\w+@db:5432/{package}", database_url)
    else:
        assert database_url == f"sqlite:////data/{package}.db"
        assert any(f"{volume}:/data" in app["volumes"] for volume in named_volumes)
    expected = {"app", *OBSERVABILITY_SERVICES} | ({"db"} if saved["database"] == "postgresql" else set())
    expected |= JOB_SERVICES if saved["jobs"] == "celery" else set()
    assert set(compose["services"]) == expected | ({"mailpit"} if saved["auth"] == "accounts" else set())
    if saved["auth"] == "accounts":
        # With jobs, the worker delivers the mail, and the app needs no SMTP server.
        sender = compose["services"]["worker" if saved["jobs"] == "celery" else "app"]
        assert sender["environment"][f"{prefix}SMTP_HOST"] == "mailpit"
        assert (f"{prefix}SMTP_HOST" in app["environment"]) == (saved["jobs"] != "celery")
        assert compose["services"]["mailpit"]["ports"] == ["127.0.0.1:8025:8025"]


def exported_metrics(project: Path, package: str) -> set[str]:
    """The names of the samples the bake's metrics module defines, with their suffixes (``_total``, ``_bucket``)."""
    source = (project / "src" / package / "core" / "metrics.py").read_text(encoding="utf-8")
    return {name + suffix for kind, name in METRIC_DEFINITION.findall(source) for suffix in METRIC_SUFFIXES[kind]}


def mounted_files(service: dict[str, Any], project: Path) -> dict[str, Path]:
    """The service's bind mounts of the project's files, by the path they have in the container; each must exist."""
    mounts = {}
    for volume in service.get("volumes", []):
        source, target, *options = volume.split(":")
        if source.startswith("./"):
            assert options == ["ro"], f"{source} should be mounted read-only"
            assert (project / source).is_file(), f"{source} is mounted but the project has no such file"
            mounts[target] = project / source
    return mounts


@pytest.mark.parametrize("answers", COMPOSE_BAKES)
def test_observability_profile_scrapes_the_app_and_charts_its_metrics(cookies: Any, answers: dict[str, object]) -> None:
    project = bake(cookies, answers)
    saved = saved_answers(project)
    services = yaml.safe_load((project / "compose.yaml").read_text(encoding="utf-8"))["services"]

    # Only `--profile observability` starts them, and they are published on this machine alone.
    for name, service in services.items():
        assert (service.get("profiles") == ["observability"]) == (name in OBSERVABILITY_SERVICES), name
    for name in OBSERVABILITY_SERVICES:
        assert all(port.startswith("127.0.0.1:") for port in services[name].get("ports", [])), name

    prometheus_files = mounted_files(services["prometheus"], project)
    config = yaml.safe_load(prometheus_files["/etc/prometheus/prometheus.yml"].read_text(encoding="utf-8"))
    assert {job["metrics_path"] for job in config["scrape_configs"]} == {"/metrics"}
    targets = [
        target for job in config["scrape_configs"] for group in job["static_configs"] for target in group["targets"]
    ]
    app_port = services["app"]["ports"][0].rsplit(":", 1)[1]
    expected = [f"app:{app_port}"]
    if saved["jobs"] == "celery":
        # The worker serves its jobs' metrics on the port its settings name.
        expected.append(f"worker:{services['worker']['environment'][saved['__env_prefix'] + 'METRICS_PORT']}")
    assert targets == expected

    grafana_files = mounted_files(services["grafana"], project)
    provisioned = {target.rsplit("/", 2)[1]: path for target, path in grafana_files.items() if "provisioning" in target}
    (source,) = yaml.safe_load(provisioned["datasources"].read_text(encoding="utf-8"))["datasources"]
    prometheus_port = services["prometheus"]["ports"][0].rsplit(":", 1)[1]
    assert (source["type"], source["url"]) == ("prometheus", f"http://prometheus:{prometheus_port}")
    (provider,) = yaml.safe_load(provisioned["dashboards"].read_text(encoding="utf-8"))["providers"]
    dashboards = {target: path for target, path in grafana_files.items() if target.endswith(".json")}
    assert dashboards
    assert all(target.startswith(provider["options"]["path"] + "/") for target in dashboards)
    home = services["grafana"]["environment"]["GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH"]
    assert home in dashboards

    # The collector takes OTLP over HTTP on the port the app's comment names, into a traces pipeline; the app and the
    # worker send their traces wherever the shell's variable points.
    (collector_config,) = mounted_files(services["otel-collector"], project).values()
    collector = yaml.safe_load(collector_config.read_text(encoding="utf-8"))
    assert collector["receivers"]["otlp"]["protocols"]["http"]["endpoint"] == "0.0.0.0:4318"
    assert "otlp" in collector["service"]["pipelines"]["traces"]["receivers"]
    tracing = ["app", *(["worker"] if saved["jobs"] == "celery" else [])]
    for name in tracing:
        assert services[name]["environment"]["OTEL_EXPORTER_OTLP_ENDPOINT"] == "${OTEL_EXPORTER_OTLP_ENDPOINT:-}"
    assert "http://otel-collector:4318" in (project / "compose.yaml").read_text(encoding="utf-8")

    exported = exported_metrics(project, saved["package_name"])
    for path in dashboards.values():
        dashboard = json.loads(path.read_text(encoding="utf-8"))
        titles = {panel["title"] for panel in dashboard["panels"]}
        assert {"Requests per second, by route", "Errors, share of requests", "Latency"} <= titles
        for panel in dashboard["panels"]:
            assert panel["datasource"]["uid"] == source["uid"], panel["title"]
            for target in panel["targets"]:
                charted = set(PROMQL_NAME.findall(target["expr"]))
                assert charted, target["expr"]
                assert charted <= exported, f"{panel['title']}: {charted - exported} is not exported"


def job_time_limit(project: Path, package: str) -> int:
    """The default of the ``job_time_limit`` setting, read from the bake's ``jobs/settings.py``."""
    tree = ast.parse((project / "src" / package / "jobs" / "settings.py").read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.target.id == "job_time_limit":
            assert isinstance(node.value, ast.Call), "job_time_limit: expected a Field(default=...)"
            (default,) = [keyword.value for keyword in node.value.keywords if keyword.arg == "default"]
            limit = ast.literal_eval(default)
            assert isinstance(limit, int)
            return limit
    pytest.fail("jobs/settings.py has no job_time_limit setting")


def duration_seconds(duration: str) -> float:
    """A compose duration, such as ``340s`` or ``5m40s``, in seconds."""
    units = {"h": 3600, "m": 60, "s": 1, "ms": 0.001, "us": 0.000001}
    parts = re.findall(r"(\d+(?:\.\d+)?)(h|ms|us|m|s)", duration)
    assert "".join(number + unit for number, unit in parts) == duration, f"not a duration: {duration}"
    return sum(float(number) * units[unit] for number, unit in parts)


def documented_settings(project: Path, prefix: str) -> set[str]:
    """The settings' variables that .env.example lists, commented out or not."""
    text = (project / ".env.example").read_text(encoding="utf-8")
    return set(re.findall(rf"^#? ?({prefix}\w+)=", text, re.MULTILINE))


@pytest.mark.parametrize("answers", COMPOSE_BAKES)
def test_compose_file_runs_the_jobs_worker_and_beat_beside_the_app(cookies: Any, answers: dict[str, object]) -> None:
    project = bake(cookies, answers)
    saved = saved_answers(project)
    prefix, package = saved["__env_prefix"], saved["package_name"]
    services = yaml.safe_load((project / "compose.yaml").read_text(encoding="utf-8"))["services"]
    app = services["app"]
    http_check = app["healthcheck"]["test"]
    # A value under /run/secrets is a secret's file, which compose mounts only for the services that list it.
    for name, service in services.items():
        for variable, value in (service.get("environment") or {}).items():
            if str(value).startswith("/run/secrets/"):
                assert posixpath.basename(value) in service.get("secrets", []), f"{name}: {variable} has no secret"
    if saved["jobs"] != "celery":
        assert not JOB_SERVICES & set(services)
        assert f"{prefix}BROKER_URL" not in app["environment"]
        return

    redis, worker, beat = services["redis"], services["worker"], services["beat"]
    assert re.fullmatch(r"redis:[78](\.\d+)*(-\w+)?", redis["image"])
    assert redis["healthcheck"]["test"] == ["CMD", "redis-cli", "ping"]
    broker_url = app["environment"][f"{prefix}BROKER_URL"]
    broker = urlsplit(broker_url)
    assert (broker.scheme, broker.hostname, broker.port) == ("redis", "redis", 6379), broker_url
    assert app["depends_on"]["redis"]["condition"] == "service_healthy"
    if saved["auth"] == "accounts":
        counters = urlsplit(app["environment"][f"{prefix}REDIS_URL"])
        assert (counters.hostname, counters.port) == ("redis", 6379)
        assert counters.path != broker.path, "the sign-in counters share the broker's Redis database"

    # The worker and beat run the app's image with their own command, the same broker, and a check of their own:
    # the image's HEALTHCHECK asks for an HTTP server that they do not run.
    for role, service in {"worker": worker, "beat": beat}.items():
        # The image the app's service builds, not a second build of it nor one from a registry.
        assert "build" not in service
        assert (service["image"], service["pull_policy"]) == (app["image"], "never")
        assert service["command"] == ["python", "-m", package, role]
        assert service["environment"][f"{prefix}BROKER_URL"] == broker_url
        # Besides the settings, only OpenTelemetry's standard variables.
        settings = {name for name in service["environment"] if not name.startswith("OTEL_")}
        assert settings <= documented_settings(project, prefix)
        assert service["healthcheck"].get("test") != http_check
        # Migrations run as the app starts: neither starts before the app is healthy, that is migrated.
        assert service["depends_on"]["app"]["condition"] == "service_healthy"
        assert service["depends_on"]["redis"]["condition"] == "service_healthy"
        assert "ports" not in service
    assert beat["healthcheck"] == {"disable": True}, "beat has no liveness signal: its container exits when it stops"
    assert "deploy" not in beat, "run exactly one beat"

    environment = worker["environment"]
    assert environment[f"{prefix}DATABASE_URL"] == app["environment"][f"{prefix}DATABASE_URL"]
    assert posixpath.isabs(environment[f"{prefix}WORKER_HEARTBEAT_FILE"])
    assert worker["healthcheck"]["test"] == ["CMD", "python", "-m", package, "worker-alive"]
    assert duration_seconds(worker["stop_grace_period"]) >= job_time_limit(project, package) + STOP_MARGIN_SECONDS, (
        "docker compose stop would kill a worker before the jobs it runs reach their time limit"
    )
    if saved["database"] == "postgresql":
        assert worker["depends_on"]["db"]["condition"] == "service_healthy"
    else:
        data_volumes = {volume for volume in app["volumes"] if volume.endswith(":/data")}
        assert data_volumes, "the app keeps its SQLite file in a volume at /data"
        assert data_volumes <= set(worker.get("volumes", [])), "the worker must open the app's SQLite file"


@pytest.mark.slow
@pytest.mark.parametrize("answers", BAKES)
def test_dockerfile_passes_hadolint(cookies: Any, answers: dict[str, object]) -> None:
    project = bake(cookies, answers)

    run_checked([tool("hadolint"), "--no-color", "Dockerfile"], project)


@pytest.mark.slow
@pytest.mark.parametrize("answers", COMPOSE_BAKES)
def test_compose_file_follows_the_compose_specification(cookies: Any, answers: dict[str, object]) -> None:
    project = bake(cookies, answers)

    run_checked([tool("check-jsonschema"), "--builtin-schema", "vendor.compose-spec", "compose.yaml"], project)


@pytest.mark.slow
@pytest.mark.parametrize("answers", BAKES)
def test_build_context_holds_every_copied_path_and_dockerignore_keeps_them(
    cookies: Any, answers: dict[str, object]
) -> None:
    project = bake(cookies, answers)
    saved = saved_answers(project)
    lock(project, saved["python_version"])
    rules = ignore_rules((project / ".dockerignore").read_text(encoding="utf-8"))
    sources = [
        source
        for stage in parse_dockerfile((project / "Dockerfile").read_text(encoding="utf-8"))
        for source in context_sources(stage)
    ]

    assert {"uv.lock", "pyproject.toml", "src", "migrations"} <= set(sources)
    for source in sources:
        matches = sorted(project.glob(source.strip("/"))) if source.strip("/") not in {"", "."} else [project]
        assert matches, f"the Dockerfile copies {source}, which is not in the bake (after uv lock)"
        copied = [path.relative_to(project).as_posix() for path in files_under(matches)]
        assert not [path for path in copied if is_ignored(path, rules)], f".dockerignore drops part of {source}"
    assert is_ignored(".venv/bin/python", rules)
    assert is_ignored(".env", rules)
    assert is_ignored(f"{saved['package_name']}.db", rules)


def host_path(container_path: str, roots: dict[str, Path]) -> Path:
    """Where the replay keeps a path of the image: under the folder that stands for its root."""
    for root, folder in roots.items():
        if container_path == root or container_path.startswith(root + "/"):
            return folder / container_path.removeprefix(root).lstrip("/")
    pytest.fail(f"the replay knows only {', '.join(roots)}; the Dockerfile uses {container_path}")


def host_value(value: str, roots: dict[str, Path]) -> str:
    mapped = re.sub(r"/(app|data)(?=[/:]|$)", lambda match: str(roots["/" + match[1]]), value)
    return mapped.replace("${PATH}", os.environ["PATH"]).replace("$PATH", os.environ["PATH"])


def replay_copies(project: Path, stage: Stage, workdir: str, roots: dict[str, Path]) -> None:
    """Copy what a stage's COPY instructions take from the build context, with Docker's meaning of the destination."""
    for copy in map(parse_copy, stage.all("COPY")):
        if "from" in copy.flags:
            continue
        destination = host_path(posixpath.join(workdir, copy.destination), roots)
        into_folder = copy.destination.endswith("/") or len(copy.sources) > 1
        for source in (project / source for source in copy.sources):
            if source.is_dir():
                shutil.copytree(source, destination, dirs_exist_ok=True)
            else:
                target = destination / source.name if into_folder else destination
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, target)


def replay_build(project: Path, stages: list[Stage], python: str, roots: dict[str, Path]) -> dict[str, str]:
    """Replay the builder stages' COPY and ``uv`` commands, then leave only what the runtime stage copies from them.

    Returns the runtime stage's environment, with its paths moved under ``roots``.
    """
    *builders, runtime = stages
    for stage in builders:
        workdir = stage.last("WORKDIR").arguments
        replay_copies(project, stage, workdir, roots)
        env = {key: value for key, value in os.environ.items() if key not in {"VIRTUAL_ENV", "UV_PROJECT_ENVIRONMENT"}}
        env |= {name: host_value(value, roots) for name, value in environment(stage).items()} | {"UV_PYTHON": python}
        for run in stage.all("RUN"):
            command = shlex.split(split_flags(run.arguments)[1])
            if command[0] == "uv":
                run_checked([find_uv_bin(), *command[1:]], host_path(workdir, roots), env)

    kept = set()
    for copy in map(parse_copy, runtime.all("COPY")):
        if "from" in copy.flags:
            assert copy.sources == [copy.destination], "the replay needs the builder's files at the same paths"
            kept.add(host_path(copy.destination, roots))
    for root in roots.values():
        for path in root.iterdir():
            if path in kept:
                continue
            if path.is_dir():
                shutil.rmtree(path)
            else:
                path.unlink()
    replay_copies(project, runtime, runtime.last("WORKDIR").arguments, roots)
    return {name: host_value(value, roots) for name, value in environment(runtime).items()}


def wait_until_healthy(healthcheck: list[str], server: subprocess.Popen[bytes], env: dict[str, str], log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while subprocess.run(healthcheck, env=env, capture_output=True, check=False).returncode != 0:
        if server.poll() is not None:
            pytest.fail(f"the CMD exited {server.returncode}:\n{log.read_text(encoding='utf-8')[-8000:]}")
        if time.monotonic() > deadline:
            pytest.fail(f"the HEALTHCHECK failed for {START_TIMEOUT_SECONDS}s:\n{log.read_text(encoding='utf-8')}")
        time.sleep(0.5)


@pytest.mark.slow
@pytest.mark.parametrize("answers", BAKES)
def test_image_replayed_on_this_machine_migrates_serves_is_healthy_and_stops_on_sigterm(
    cookies: Any, answers: dict[str, object], tmp_path: Path
) -> None:
    project = bake(cookies, answers)
    saved = saved_answers(project)
    prefix, python_version = saved["__env_prefix"], saved["python_version"]
    lock(project, python_version)
    stages = parse_dockerfile((project / "Dockerfile").read_text(encoding="utf-8"))
    roots = {root: tmp_path / root.strip("/") for root in CONTAINER_ROOTS}
    for folder in roots.values():
        folder.mkdir()

    variables = replay_build(project, stages, find_python(python_version), roots)
    runtime = stages[-1]
    port = free_port()
    log = tmp_path / "server.log"
    # A SQLite bake keeps the image's own URL, a file under /data; a PostgreSQL bake gets a scratch database.
    with scratch_database(saved["database"], roots["/data"]) as scratch_url:
        env = {"PATH": variables.pop("PATH"), "HOME": str(tmp_path)}
        env |= variables | {f"{prefix}HOST": "127.0.0.1", f"{prefix}PORT": str(port)}
        if saved["database"] == "postgresql":
            env[f"{prefix}DATABASE_URL"] = scratch_url
        healthcheck = exec_form(runtime.last("HEALTHCHECK"))
        server = start(exec_form(runtime.last("CMD")), host_path(runtime.last("WORKDIR").arguments, roots), env, log)
        try:
            wait_until_healthy(healthcheck, server, env, log)
            base_url = f"http://127.0.0.1:{port}"
            if saved["auth"] == "oidc":
                # No provider runs here: the service refuses an anonymous call, and its readiness reads the database.
                assert httpx.get(f"{base_url}/api/v1/items", timeout=10).status_code == 401
                ready = httpx.get(f"{base_url}/health/ready", timeout=10)
                assert ready.status_code == 200, ready.text
            else:
                headers = member_credentials(base_url) if saved["auth"] == "accounts" else {}
                items = httpx.get(f"{base_url}/api/v1/items", headers=headers, timeout=10)
                assert items.status_code == 200, items.text
            if saved["database"] == "sqlite":
                assert (roots["/data"] / f"{saved['package_name']}.db").is_file()

            server.send_signal(signal.SIGTERM)
            server.wait(timeout=STOP_TIMEOUT_SECONDS)
            assert subprocess.run(healthcheck, env=env, capture_output=True, check=False).returncode != 0, (
                "the server outlived the CMD's process: SIGTERM did not reach it (exec?)"
            )
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(server.pid, signal.SIGKILL)
            server.wait()


@pytest.mark.parametrize("docker", [False, True], ids=["without-docker", "with-docker"])
def test_container_files_exist_only_when_asked_for(cookies: Any, docker: bool) -> None:
    project = bake(cookies, {"docker": docker})

    assert [name for name in CONTAINER_FILES if (project / name).exists()] == (list(CONTAINER_FILES) if docker else [])
