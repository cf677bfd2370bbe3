"""Adding a resource is a documented, tested path: the generated README's steps, followed literally, add ``orders``,
or ``books`` with every ``order`` of the steps read as ``book`` (a name that sorts before ``core``, which moves its
imports).

The steps copy the ``items`` package to the new one, register it, write its migration with Alembic's autogenerate and
run the project's suite, whose docs, fuzzing, HEAD and migration tests must then cover the new operations with no
change. The project is a git repository, so that the files the steps edited (not added) can be counted.
"""

from __future__ import annotations

import json
import os
import re
import xml.etree.ElementTree as ElementTree
from pathlib import Path
from typing import Any

import pytest

from .baking import bake, saved_answers
from .databases import scratch_database
from .readmes import clean_env, section, section_commands
from .toolchain import Environments, run_checked

ROWS = [
    pytest.param("fastapi", "postgresql", "books", id="fastapi-postgresql-books"),
    pytest.param("flask", "sqlite", "orders", id="flask-sqlite-orders"),
]
"""Each framework, each database and each side of ``core`` once; every row of the table runs its unchanged suite by
the README's test command in test_bake.py."""
HEADING = "Adding a resource"
EXAMPLE = "orders"
"""The plural name that the README's steps add."""
FEATURES_LIST = re.compile(r'^(FEATURES = \[\n(?:    "\w+",\n)+)\]$', re.MULTILINE)
OPERATIONS = 26
"""Live and ready, the accounts' fourteen (the default bake has accounts), then list, create, read, update and delete
for items and for the new resource."""
PRINT_OPENAPI = """
import json
from {package}.app import create_app

app = create_app()
print(json.dumps(app.api_doc if hasattr(app, "api_doc") else app.openapi()))
"""
GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "Template Test",
    "GIT_AUTHOR_EMAIL": "template-test@example.invalid",
    "GIT_COMMITTER_NAME": "Template Test",
    "GIT_COMMITTER_EMAIL": "template-test@example.invalid",
}


def git(arguments: list[str], project: Path) -> str:
    """Run git in the project, without the user's or the system's git configuration."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("GIT_")}
    env |= GIT_IDENTITY | {"GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    return run_checked(["git", *arguments], project, env)


def commit_as_baked(project: Path) -> None:
    """Put the project in a git repository, so that what the steps change shows in ``git status``."""
    git(["init", "--quiet", "--initial-branch=main"], project)
    git(["add", "--all"], project)
    git(["commit", "--quiet", "--no-verify", "--message", "As baked"], project)


def run_shell_block(block: str, project: Path, env: dict[str, str]) -> None:
    """Run a README's shell block as a user's shell would, stopping at the first command that fails."""
    run_checked(["bash", "-euo", "pipefail", "-c", block], project, env)


def renamed(text: str, name: str, example: str = EXAMPLE) -> str:
    """The steps' text for their ``example`` (a plural name) as it reads for another plural name, such as ``books``."""
    singular, example_singular = name.removesuffix("s"), example.removesuffix("s")
    replacements = [(example, name), (example_singular, singular)]
    for old, new in [*replacements, *((old.title(), new.title()) for old, new in replacements)]:
        text = text.replace(old, new)
    return text


def register(steps: str, features_module: Path, name: str, example: str = EXAMPLE) -> None:
    """The registration step, done as its prose says: the new feature's name added at the end of ``FEATURES``."""
    registration = re.compile(rf'add `"{example}"` to the end of `FEATURES` in `src/\w+/features\.py`')
    assert registration.search(" ".join(steps.split())), f"the steps no longer say where to register:\n{steps}"
    source = features_module.read_text(encoding="utf-8")
    assert len(FEATURES_LIST.findall(source)) == 1, f"{features_module.name} has no FEATURES list, one name a line"
    features_module.write_text(FEATURES_LIST.sub(rf'\1    "{name}",\n]', source), encoding="utf-8")


def passed_tests(report: Path) -> list[str]:
    """The tests that passed, as ``module.name`` (``tests.test_items.test_x[case]``), from a JUnit XML report."""
    return [
        f"{case.attrib['classname']}.{case.attrib['name']}"
        for case in ElementTree.parse(report).iter("testcase")
        if not any(child.tag in {"failure", "error", "skipped"} for child in case)
    ]


def count_in(module: str, tests: list[str]) -> int:
    return sum(test.startswith(f"{module}.") for test in tests)


def operations_of(document: dict[str, Any]) -> dict[tuple[str, str], set[str]]:
    """Each operation of an OpenAPI document, by path and method, with the statuses it documents."""
    return {
        (path, method): set(operation["responses"])
        for path, path_item in document["paths"].items()
        for method, operation in path_item.items()
    }


@pytest.mark.slow
@pytest.mark.parametrize(("framework", "database", "name"), ROWS)
def test_readme_steps_add_a_resource_that_the_suite_covers(
    cookies: Any, environments: Environments, tmp_path: Path, framework: str, database: str, name: str
) -> None:
    project = bake(cookies, {"framework": framework, "database": database})
    package = saved_answers(project)["package_name"]
    python = environments.sync(project, framework, "3.11")
    commit_as_baked(project)
    readme = project / "README.md"
    copy_and_rename, migrate = (renamed(block, name) for block in section_commands(readme, HEADING))
    # `uv run`, as the README says, in the environment synced above; no Python is downloaded.
    env = clean_env() | {"UV_PROJECT_ENVIRONMENT": str(Path(python).parents[1])}

    with scratch_database(database, tmp_path) as database_url:
        steps_env = env | {f"{package.upper()}_DATABASE_URL": database_url}
        run_shell_block(copy_and_rename, project, steps_env)
        register(section(readme, HEADING), project / "src" / package / "features.py", name)
        run_shell_block(migrate, project, steps_env)
        # The app's own document, from settings that name a database its driver can open.
        document = json.loads(run_checked([python, "-c", PRINT_OPENAPI.format(package=package)], project, steps_env))

    edited = set(git(["diff", "--name-only", "HEAD"], project).split())
    added = set(git(["ls-files", "--others", "--exclude-standard"], project).split())
    migrations = {path for path in added if path.startswith("migrations/versions/")}
    assert edited == {f"src/{package}/features.py"}, f"the steps edited {sorted(edited)}; only features.py may be"
    assert len(migrations) == 1, f"the steps added the migrations {sorted(migrations)}"
    assert next(iter(migrations)).endswith(f"_create_the_{name}_table.py")
    items_files = {path.name for path in (project / "src" / package / "items").glob("*.py")}
    new_files = {f"src/{package}/{name}/{module}" for module in items_files}
    assert added == {*new_files, f"tests/test_{name}.py", *migrations}

    # The new migration, as written by autogenerate and its post-write hooks, is as clean as the generated code.
    run_checked([python, "-m", "ruff", "check", "--no-cache", "."], project)
    run_checked([python, "-m", "ruff", "format", "--check", "--no-cache", "."], project)
    environments.mypy(python, project)

    operations = operations_of(document)
    assert len(operations) == OPERATIONS, sorted(operations)
    items = {key: value for key, value in operations.items() if key[0].startswith("/api/v1/items")}
    added_operations = {key: value for key, value in operations.items() if key[0].startswith(f"/api/v1/{name}")}
    mirrored = {
        (path.replace("item", name.removesuffix("s")), method): statuses for (path, method), statuses in items.items()
    }
    assert added_operations == mirrored, f"the {name} operations do not mirror the items operations"

    # Step 4: the whole suite; the fuzzing, docs, HEAD and migration tests take the operations and tables from the app.
    report = tmp_path / "report.xml"
    output = run_checked(["uv", "run", "pytest", "-p", "no:cacheprovider", f"--junitxml={report}"], project, env)
    assert re.search(r"\b\d+ passed\b", output)
    passed = passed_tests(report)
    assert count_in(f"tests.test_{name}", passed) == count_in("tests.test_items", passed) > 0
    assert {
        "tests.test_fuzz.test_every_operation_conforms_to_the_documented_contract[signed in]",
        "tests.test_docs.test_openapi_is_3_1_and_documents_every_operation_the_app_serves",
        "tests.test_migrations.test_upgrade_matches_the_models_and_downgrade_removes_everything",
    } <= set(passed)
