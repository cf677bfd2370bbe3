"""Link a project to the template with cruft, change the template, and pull the change into the project, offline."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from .baking import saved_answers
from .toolchain import run, run_checked

TEMPLATE_CHECKOUT = Path(__file__).parents[1]
NOT_TEMPLATE_FILES = shutil.ignore_patterns(
    ".git", ".venv", "__pycache__", "*.pyc", ".mypy_cache", ".pytest_cache", ".ruff_cache", "artifacts"
)
ANSWERS = {"project_name": "Orders API", "framework": "flask"}
PACKAGE = "orders_api"
README_ADDITION = "\n## Changelog note\n\nThis section came from a template update.\n"
ADDED_MODULE = Path("src", PACKAGE, "added_by_update.py")
ADDED_MODULE_TEMPLATE = Path("{{cookiecutter.project_slug}}", "src", "{{cookiecutter.package_name}}", ADDED_MODULE.name)
"""A new module in the template, to show that an update brings new files as well as changes."""
ANSWER_FILES = (".cruft.json", ".cookiecutter.json")


@dataclass(frozen=True)
class LinkedProject:
    """A git repository of the template and a committed project that ``cruft create`` made from it."""

    template: Path
    project: Path
    env: dict[str, str]
    created_from: str


def offline_env(home: Path) -> dict[str, str]:
    """The environment without the user's git and cookiecutter configuration, with a git identity."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("GIT_", "COOKIECUTTER_"))}
    identity = {"GIT_AUTHOR_NAME": "Template Test", "GIT_AUTHOR_EMAIL": "template-test@example.invalid"}
    identity |= {"GIT_COMMITTER_NAME": identity["GIT_AUTHOR_NAME"], "GIT_COMMITTER_EMAIL": identity["GIT_AUTHOR_EMAIL"]}
    isolation = {"HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config"), "GIT_CONFIG_NOSYSTEM": "1"}
    return env | identity | isolation


def git(arguments: list[str], repository: Path, env: dict[str, str]) -> str:
    return run_checked(["git", *arguments], repository, env).strip()


def commit_everything(repository: Path, message: str, env: dict[str, str]) -> str:
    """Commit the whole working tree and return the new commit's hash."""
    git(["add", "--all"], repository, env)
    git(["commit", "--quiet", "--no-verify", "--message", message], repository, env)
    return git(["rev-parse", "HEAD"], repository, env)


def cruft(arguments: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return run([sys.executable, "-m", "cruft", *arguments], cwd, env)


def cruft_checked(arguments: list[str], cwd: Path, env: dict[str, str]) -> str:
    return run_checked([sys.executable, "-m", "cruft", *arguments], cwd, env)


def read_json(path: Path) -> dict[str, object]:
    content: dict[str, object] = json.loads(path.read_text(encoding="utf-8"))
    return content


def cruft_state(project: Path) -> tuple[object, object, dict[str, object]]:
    """The template, the commit and the answers that ``.cruft.json`` links the project to."""
    state = read_json(project / ".cruft.json")
    context = state["context"]
    assert isinstance(context, dict)
    return state["template"], state["commit"], context["cookiecutter"]


def changed_paths(repository: Path, env: dict[str, str]) -> set[str]:
    """Every path that differs from the last commit, untracked and ignored files included."""
    status = git(["status", "--porcelain", "--untracked-files=all", "--ignored"], repository, env)
    return {line[3:] for line in status.splitlines()}


def change_template(template: Path, env: dict[str, str]) -> str:
    """Append a section to the project's README and add a module, commit, return the commit."""
    readme = template / "{{cookiecutter.project_slug}}" / "README.md"
    readme.write_text(readme.read_text(encoding="utf-8") + README_ADDITION, encoding="utf-8")
    module = template / ADDED_MODULE_TEMPLATE
    module.write_text('"""Added to {{ cookiecutter.project_name }} by a template update."""\n', encoding="utf-8")
    return commit_everything(template, "Add a changelog note and a module", env)


@pytest.fixture
def linked(tmp_path: Path) -> LinkedProject:
    """Put the template checkout in a git repository, ``cruft create`` a project from it and commit that."""
    env = offline_env(tmp_path / "home")
    (tmp_path / "home").mkdir()
    template = tmp_path / "template"
    shutil.copytree(TEMPLATE_CHECKOUT, template, ignore=NOT_TEMPLATE_FILES)
    git(["init", "--quiet", "--initial-branch=main"], template, env)
    created_from = commit_everything(template, "Template as checked out", env)

    output = tmp_path / "out"
    extra_context = json.dumps(ANSWERS)
    cruft_checked(
        ["create", str(template), "--no-input", "--output-dir", str(output), "--extra-context", extra_context],
        tmp_path,
        env,
    )
    project = output / "orders-api"
    git(["init", "--quiet", "--initial-branch=main"], project, env)
    commit_everything(project, "Project as created", env)
    return LinkedProject(template, project, env, created_from)


@pytest.mark.slow
def test_cruft_links_the_project_and_update_pulls_a_template_change(linked: LinkedProject) -> None:
    project, env = linked.project, linked.env
    template_url, commit, answers = cruft_state(project)
    assert (template_url, commit) == (str(linked.template), linked.created_from)
    assert answers.items() >= ANSWERS.items()
    assert saved_answers(project).items() >= {**ANSWERS, "package_name": PACKAGE, "_commit": commit}.items()
    assert changed_paths(project, env) == set(), "a generated file is ignored by the generated .gitignore"
    cruft_checked(["diff", "--exit-code"], project, env)
    assert "up to date" in cruft_checked(["check"], project, env)

    updated_to = change_template(linked.template, env)
    stale = cruft(["check"], project, env)
    assert (stale.returncode, "out of date" in stale.stdout) == (1, True), stale.stdout
    readme_before = (project / "README.md").read_text(encoding="utf-8")
    answers_before = saved_answers(project)

    cruft_checked(["update", "--skip-apply-ask"], project, env)

    assert (project / "README.md").read_text(encoding="utf-8") == readme_before + README_ADDITION
    module = (project / ADDED_MODULE).read_text(encoding="utf-8")
    assert module == '"""Added to Orders API by a template update."""\n'
    compile(module, str(ADDED_MODULE), "exec")
    assert cruft_state(project)[:2] == (str(linked.template), updated_to)
    assert saved_answers(project) == answers_before | {"_commit": updated_to}
    assert changed_paths(project, env) == {*ANSWER_FILES, "README.md", ADDED_MODULE.as_posix()}
    assert "up to date" in cruft_checked(["check"], project, env)


@pytest.mark.slow
def test_cruft_update_keeps_the_projects_own_changes(linked: LinkedProject) -> None:
    project, env = linked.project, linked.env
    readme = project / "README.md"
    title, rest = readme.read_text(encoding="utf-8").split("\n", 1)
    assert title == "# Orders API"
    local_title = "# Orders API, run by the payments team"
    readme.write_text(f"{local_title}\n{rest}", encoding="utf-8")
    commit_everything(project, "Name the owning team", env)

    change_template(linked.template, env)
    cruft_checked(["update", "--skip-apply-ask"], project, env)

    assert readme.read_text(encoding="utf-8") == f"{local_title}\n{rest}{README_ADDITION}"
    assert (project / ADDED_MODULE).is_file()
    assert not list(project.rglob("*.rej")), "cruft left rejected hunks"
    assert changed_paths(project, env) == {*ANSWER_FILES, "README.md", ADDED_MODULE.as_posix()}
