"""Bake every row of the table of combinations (``combinations.py``) and check the project a user would get."""

from __future__ import annotations

import os
import re
import shlex
import tomllib
from pathlib import Path
from typing import Any

import pytest

from .baking import (
    ACCOUNTS_ONLY,
    IDENTITY_ONLY,
    JINJA_RESIDUE,
    OIDC_ONLY,
    PAGES_ONLY,
    VARIANT_MODULES,
    bake,
    saved_answers,
)
from .combinations import DEEP_FUZZ_ROWS, RABBITMQ_ROWS, TABLE, params, product
from .databases import scratch_database
from .dead_code import unused_code
from .readmes import clean_env, quick_start_commands
from .test_combinations import refused_together
from .toolchain import Environments, run_checked

TEXT_SUFFIXES = {
    ".py",
    ".toml",
    ".md",
    ".js",
    ".css",
    ".html",
    ".json",
    ".txt",
    ".cfg",
    ".ini",
    ".mako",
    ".yml",
    ".yaml",
    "",
}
PAGE_TEMPLATES = "pages/templates"
"""The pages' own Jinja templates (``*.html`` in this folder of the package), which the project renders: the one place
where Jinja belongs in a bake."""
LICENCE_FIRST_WORDS = {
    "MIT": "MIT License",
    "Apache-2.0": "Apache License",
    "BSD-3-Clause": "BSD 3-Clause License",
    "Proprietary": "Copyright (c)",
}
FRAMEWORK_DEPENDENCIES = {
    "fastapi": {"fastapi", "fastapi-offline", "sqlalchemy"},
    "flask": {"flask", "flask-openapi", "flask-openapi-swagger", "flask-openapi-redoc", "sqlalchemy"},
}
README_LINES = 155
"""A newcomer reads the README in five minutes: the longest, with accounts, jobs and pages, has 153 lines."""
DOCS = {"api.md", "deployment.md", "development.md", "observability.md", "settings.md"}
"""The topics of docs/ that every bake has."""
TEMPLATE_NAME = "cookiecutter-flask-fastapi"
"""Named where a bake says where it came from (its description, and the README's paragraph on updates)."""
PAIR_WORDS = (
    r"both frameworks|either framework|(?:the )?other framework|every framework|each framework|the frameworks"
    r"|framework-free"
)
NOT_CHOSEN = {
    "fastapi": re.compile(rf"\b(?:flask|werkzeug|gunicorn)\b|{PAIR_WORDS}", re.IGNORECASE),
    "flask": re.compile(rf"\b(?:fastapi|starlette|uvicorn)\b|{PAIR_WORDS}", re.IGNORECASE),
}
"""What a bake of each framework never says: the other framework's name, its server's, or the pair's words."""
DRIVER_DEPENDENCIES = {
    ("fastapi", "sqlite"): "aiosqlite",
    ("fastapi", "postgresql"): "asyncpg",
    ("flask", "postgresql"): "psycopg",
}
FUZZ_EXAMPLES = 100
REDIS_URL = "redis://127.0.0.1:6379"
RABBITMQ_URL = "amqp://guest:guest@127.0.0.1:5672//"
REDIS_USERS = [
    *[(row, "TEST_REDIS_URL") for row in TABLE if row.auth == "accounts"],
    *[(row, "TEST_BROKER_URL") for row in TABLE if row.jobs == "celery" and row not in RABBITMQ_ROWS],
]
"""The rows whose generated suite empties a Redis database of its own: to count sign-in attempts and requests with
accounts (the accounts rows hold both frameworks; the rate limits' Redis tests skip elsewhere), as the broker with
jobs; each takes one of ``REDIS_DATABASES``."""
REDIS_DATABASES = range(4, 13)
"""The Redis databases the bakes' suites may empty; 0 to 3 are left alone, 13 and 14 are test_add_job.py's, and 15
is the browser test's."""


def text_files(project: Path) -> list[Path]:
    return [
        path
        for path in project.rglob("*")
        if path.is_file() and path.suffix in TEXT_SUFFIXES and ".venv" not in path.parts
    ]


def test_each_suite_that_empties_a_redis_database_has_one_of_its_own() -> None:
    assert len(REDIS_USERS) <= len(REDIS_DATABASES)


@pytest.mark.parametrize(
    "answers",
    [
        param
        for param in product("database", "auth", "jobs", "ui", "docker")
        if not refused_together(param.values[0])  # type: ignore[attr-defined]
    ],
)
def test_every_readme_is_read_in_five_minutes(cookies: Any, answers: dict[str, Any]) -> None:
    """Each answer that adds to the README, with every other such answer: the table's rows hold only some of them."""
    readme_lines = (bake(cookies, answers) / "README.md").read_text(encoding="utf-8").count("\n")

    assert readme_lines <= README_LINES, f"the README has {readme_lines} lines"


@pytest.mark.parametrize("answers", params(TABLE))
def test_bake_is_complete_and_fully_rendered(cookies: Any, answers: dict[str, Any]) -> None:
    project = bake(cookies, answers)
    framework = answers["framework"]
    other = "flask" if framework == "fastapi" else "fastapi"
    saved = saved_answers(project)
    package = project / "src" / saved["package_name"]

    page_templates = set((package / PAGE_TEMPLATES).rglob("*.html"))
    residue = [
        f"{path.relative_to(project)}:{number}: {line.strip()}"
        for path in text_files(project)
        if path not in page_templates
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if JINJA_RESIDUE.search(line)
    ]
    assert residue == []
    assert bool(page_templates) == (saved["ui"] == "pages")
    # They are the project's Jinja, copied as they are: none may name an answer, which would stay unrendered.
    assert not [path for path in page_templates if "cookiecutter." in path.read_text(encoding="utf-8")]
    # Nothing speaks of the framework that was not chosen, or of the two as a pair: that is the template's business.
    not_chosen = [
        f"{path.relative_to(project)}:{number}: {line.strip()}"
        for path in text_files(project)
        if path.name != ".cookiecutter.json"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if NOT_CHOSEN[framework].search(line.replace(TEMPLATE_NAME, ""))
    ]
    assert not_chosen == []
    # Nothing the answers left out lingers: every module, class, function and setting is used by this bake.
    assert unused_code(project) == []
    # A newcomer reads the README in five minutes; the rest is in docs/, a file a topic, each only with its feature.
    readme_lines = (project / "README.md").read_text(encoding="utf-8").count("\n")
    assert readme_lines <= README_LINES, f"the README has {readme_lines} lines"
    feature_docs = {
        "identity.md": saved["auth"] != "none",
        "jobs.md": saved["jobs"] == "celery",
        "pages.md": saved["ui"] == "pages",
    }
    expected_docs = DOCS | {name for name, wanted in feature_docs.items() if wanted}
    assert {path.name for path in (project / "docs").glob("*.md")} == expected_docs
    assert not [path for path in project.rglob("*") if "__" in path.stem.strip("_")]
    for module in VARIANT_MODULES:
        wanted = {
            ACCOUNTS_ONLY: saved["auth"] == "accounts",
            IDENTITY_ONLY: saved["auth"] != "none",
            OIDC_ONLY: saved["auth"] == "oidc",
            PAGES_ONLY: saved["ui"] == "pages",
        }
        expected = all(present for only, present in wanted.items() if module in only)
        assert (package / module).is_file() == expected, module
    # With jobs, the worker delivers the mail: its task, and a sender that asks for it in place of the server's own.
    assert (package / "mail" / "tasks.py").is_file() == (saved["auth"] == "accounts" and saved["jobs"] == "celery")
    assert not (package / "mail" / "sender_on_worker.py").exists()
    assert (project / "tests" / "conftest.py").is_file()
    assert (project / "tests" / "mail.py").is_file() == (saved["auth"] == "accounts")
    assert other not in (package / "app.py").read_text(encoding="utf-8").lower()
    assert (project / "LICENSE").read_text(encoding="utf-8").lstrip().startswith(LICENCE_FIRST_WORDS[saved["license"]])

    metadata = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    dependencies = {re.split(r"[\[<>=!~ ]", requirement)[0] for requirement in metadata["dependencies"]}
    assert FRAMEWORK_DEPENDENCIES[framework] <= dependencies
    assert not (FRAMEWORK_DEPENDENCIES[other] - FRAMEWORK_DEPENDENCIES[framework]) & dependencies
    drivers = {driver for (fw, db), driver in DRIVER_DEPENDENCIES.items() if (fw, db) != (framework, saved["database"])}
    assert not drivers & dependencies
    if (framework, saved["database"]) in DRIVER_DEPENDENCIES:
        assert DRIVER_DEPENDENCIES[framework, saved["database"]] in dependencies
    assert metadata["requires-python"] == f">={saved['python_version']}"
    assert {key: saved[key] for key in answers} == answers


@pytest.mark.slow
@pytest.mark.parametrize("answers", params(TABLE))
def test_bake_is_lint_clean_typed_and_passes_its_own_tests(
    cookies: Any, environments: Environments, answers: dict[str, Any]
) -> None:
    project = bake(cookies, answers)
    python = environments.sync(project, answers["framework"], answers["python_version"])

    run_checked([python, "-m", "ruff", "check", "--no-cache", "."], project)
    run_checked([python, "-m", "ruff", "format", "--check", "--no-cache", "."], project)
    environments.mypy(python, project)
    run_checked([python, "-m", "bandit", "--quiet", "--recursive", "src", "--severity-level", "medium"], project)
    with scratch_database(answers["database"], project) as database_url:
        migrations_env = {**os.environ, f"{saved_answers(project)['package_name'].upper()}_DATABASE_URL": database_url}
        for alembic_command in (["upgrade", "head"], ["check"], ["downgrade", "base"]):
            run_checked([python, "-m", "alembic", *alembic_command], project, migrations_env)
    # The generated suite's schema-driven fuzzing runs with a deeper budget for one row of each framework, and with
    # its own default for the others.
    deep = any(row.answers == answers for row in DEEP_FUZZ_ROWS)
    # The suite runs by the README's own test command, `uv run pytest`, in the environment synced above, as a user's
    # shell would run it, and with coverage, as the generated CI runs it.
    suite_env = clean_env() | {"UV_PROJECT_ENVIRONMENT": str(Path(python).parents[1])}
    suite_env |= {"FUZZ_EXAMPLES": str(FUZZ_EXAMPLES)} if deep else {}
    # With accounts, the suite also counts sign-in attempts in Redis; with jobs, its broker is Redis (or RabbitMQ):
    # each in a database of this row's own.
    for (row, variable), database in zip(REDIS_USERS, REDIS_DATABASES, strict=False):
        if row.answers == answers:
            suite_env[variable] = f"{REDIS_URL}/{database}"
    if any(row.answers == answers for row in RABBITMQ_ROWS):
        suite_env["TEST_BROKER_URL"] = RABBITMQ_URL
    test_command = shlex.split(quick_start_commands(project / "README.md")[1])
    output = run_checked([*test_command, "--cov", "-p", "no:cacheprovider", "-rfEs"], project, suite_env)
    assert re.search(r"\b\d+ passed\b", output)
    skipped = re.findall(r"^SKIPPED .*$", output, re.MULTILINE)
    if "TEST_REDIS_URL" not in suite_env:
        # The rate limits' Redis tests run in the rows that have a Redis database of their own (both frameworks).
        skipped = [line for line in skipped if "TEST_REDIS_URL" not in line]
    assert not skipped, f"every test runs here, where every server a test needs is: {skipped}"
    assert "Required test coverage of 95" in output
