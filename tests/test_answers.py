"""Bake the template with invalid answers (which must stop it) and hostile valid ones (which must survive)."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml
from cookiecutter.exceptions import FailedHookException  # type: ignore[import-untyped]
from cookiecutter.generate import generate_context  # type: ignore[import-untyped]
from cookiecutter.main import cookiecutter  # type: ignore[import-untyped]
from cookiecutter.prompt import prompt_for_config  # type: ignore[import-untyped]

from .baking import HOSTILE_ANSWERS, LONG_NAME, NON_ASCII_AUTHOR, QUOTED_NAME, files

TEMPLATE = Path(__file__).resolve().parent.parent
# Jinja in extra_context is rendered before the hook runs, as the default values are; {% raw %} lets
# the markers through, as they arrive when a user types them at a prompt.
RAW_JINJA_NAME = "{% raw %}My {{ name }} API{% endraw %}"
RAW_JINJA_DESCRIPTION = "{% raw %}Serves {% if items %}items{% endif %}{% endraw %}"


def baked_leftovers(tmp_path: Path) -> list[str]:
    """Everything under the output folder of the ``cookies`` fixture (pytest-cookies 0.7: ``<tmp_path>/cookies``)."""
    output = tmp_path / "cookies"
    return sorted(path.relative_to(output).as_posix() for path in output.rglob("*"))


def single_error_line(capfd: pytest.CaptureFixture[str]) -> str:
    """The hook's one line on stderr."""
    lines = capfd.readouterr().err.splitlines()
    assert len(lines) == 1, lines
    return lines[0]


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    """A cookiecutter user config that keeps clones and replays inside the test's folder (JSON is YAML)."""
    path = tmp_path / "config.yaml"
    path.write_text(json.dumps({"cookiecutters_dir": str(tmp_path), "replay_dir": str(tmp_path)}), encoding="utf-8")
    return path


INVALID = [
    # An empty or letterless name slugifies to "", and cookiecutter then fails on the existing output folder
    # before any hook runs: these rows set a slug so that the name rule itself is exercised.
    pytest.param("project_name", {"project_name": "", "project_slug": "svc"}, id="name-empty"),
    pytest.param("project_name", {"project_name": "   ", "project_slug": "svc"}, id="name-blank"),
    pytest.param("project_name", {"project_name": "!!!", "project_slug": "svc"}, id="name-without-letters"),
    pytest.param("project_name", {"project_name": "My Service "}, id="name-trailing-space"),
    pytest.param("project_name", {"project_name": "My\nService"}, id="name-newline"),
    pytest.param("project_name", {"project_name": " ".join(["Name"] * 17)}, id="name-too-long"),
    pytest.param("project_name", {"project_name": RAW_JINJA_NAME}, id="name-jinja-markers"),
    pytest.param("project_slug", {"project_slug": "my service"}, id="slug-space"),
    pytest.param("project_slug", {"project_slug": "My-Service"}, id="slug-upper-case"),
    pytest.param("project_slug", {"project_slug": "1service"}, id="slug-leading-digit"),
    pytest.param("project_slug", {"project_slug": "my--service"}, id="slug-double-hyphen"),
    pytest.param(
        "project_slug",
        {"project_name": "The Thoroughly Documented, Carefully Tested & Well-Behaved Inventory Service API"},
        id="slug-derived-too-long",
    ),
    pytest.param("package_name", {"package_name": "class"}, id="package-keyword"),
    pytest.param("package_name", {"package_name": "json"}, id="package-stdlib"),
    pytest.param("package_name", {"package_name": "flask"}, id="package-flask"),
    pytest.param("package_name", {"package_name": "fastapi"}, id="package-fastapi"),
    pytest.param("package_name", {"package_name": "pydantic"}, id="package-pydantic"),
    pytest.param("package_name", {"package_name": "sqlalchemy"}, id="package-sqlalchemy"),
    # Dependencies that no hand-kept list had: the hook's list is now read from the bakes' environments.
    pytest.param("package_name", {"framework": "flask", "package_name": "flask_cors"}, id="package-flask-cors"),
    pytest.param("package_name", {"package_name": "httpx2"}, id="package-httpx2"),
    pytest.param("package_name", {"package_name": "schemathesis"}, id="package-schemathesis"),
    pytest.param("package_name", {"package_name": "hypothesis"}, id="package-hypothesis"),
    pytest.param("package_name", {"package_name": "fastapi_offline"}, id="package-fastapi-offline"),
    pytest.param("package_name", {"package_name": "bandit"}, id="package-bandit"),
    pytest.param("package_name", {"package_name": "my-service"}, id="package-hyphen"),
    pytest.param("package_name", {"project_name": "Test"}, id="package-derived-from-name"),
    pytest.param("description", {"description": "line one\nline two"}, id="description-newline"),
    pytest.param("description", {"description": RAW_JINJA_DESCRIPTION}, id="description-jinja-markers"),
    pytest.param("description", {"description": "An API. "}, id="description-trailing-space"),
    pytest.param("description", {"description": "x" * 301}, id="description-too-long"),
    pytest.param("author_name", {"author_name": ""}, id="author-empty"),
    pytest.param("author_name", {"author_name": " Zoë"}, id="author-leading-space"),
    pytest.param("author_email", {"author_email": "not-an-email"}, id="email-no-at"),
    pytest.param("author_email", {"author_email": "you@localhost"}, id="email-no-dot"),
    pytest.param("author_email", {"author_email": "you me@example.com"}, id="email-space"),
    pytest.param("author_email", {"author_email": "you@@example.com"}, id="email-two-ats"),
    pytest.param("author_email", {"author_email": "you@example..com"}, id="email-empty-label"),
    pytest.param("version", {"version": "v1..0"}, id="version-double-dot"),
    pytest.param("version", {"version": "latest"}, id="version-word"),
    pytest.param("version", {"version": "1.0 "}, id="version-trailing-space"),
    pytest.param("version", {"version": "1.0+local"}, id="version-local"),
]


@pytest.mark.parametrize(("field", "answers"), INVALID)
def test_invalid_answer_stops_generation(
    cookies: Any, capfd: pytest.CaptureFixture[str], tmp_path: Path, field: str, answers: dict[str, str]
) -> None:
    result = cookies.bake(extra_context=answers)
    assert result.exit_code == -1
    assert isinstance(result.exception, FailedHookException)
    assert single_error_line(capfd).startswith(f"ERROR: {field}: ")
    # pytest-cookies makes an empty bake00 folder; cookiecutter deletes the project folder it made in it.
    assert baked_leftovers(tmp_path) == ["bake00"]


CHOICE_ANSWERS = [
    pytest.param("framework", "django", id="framework-django"),
    pytest.param("python_version", "3.10", id="python-3.10"),
    pytest.param("license", "GPL", id="license-gpl"),
]


@pytest.mark.parametrize(("field", "value"), CHOICE_ANSWERS)
def test_unknown_choice_is_refused_by_cookiecutter(cookies: Any, tmp_path: Path, field: str, value: str) -> None:
    """Cookiecutter checks extra_context against the choices itself, before any hook runs."""
    result = cookies.bake(extra_context={field: value})
    assert result.exit_code == -1
    assert isinstance(result.exception, ValueError)
    assert f"{value} provided for choice variable {field}" in str(result.exception)
    assert baked_leftovers(tmp_path) == []


@pytest.mark.parametrize(("field", "value"), CHOICE_ANSWERS)
def test_unknown_choice_in_a_replay_file_is_refused_by_the_hook(
    capfd: pytest.CaptureFixture[str], tmp_path: Path, config_file: Path, field: str, value: str
) -> None:
    """A replay file (such as an edited .cookiecutter.json) bypasses cookiecutter's own choice check."""
    context = generate_context(context_file=str(TEMPLATE / "cookiecutter.json"))
    answers = {**prompt_for_config(context, no_input=True), field: value}
    replay = tmp_path / "answers.json"
    replay.write_text(json.dumps({"cookiecutter": answers}), encoding="utf-8")
    output = tmp_path / "output"
    output.mkdir()
    with pytest.raises(FailedHookException):
        cookiecutter(str(TEMPLATE), replay=str(replay), output_dir=str(output), config_file=str(config_file))
    assert single_error_line(capfd).startswith(f"ERROR: {field}: ")
    assert list(output.iterdir()) == []


ANSWERS_IN_FILES = ("project_name", "project_slug", "package_name", "description", "author_name", "author_email")
HOSTILE = [pytest.param(answers, id=name) for name, answers in HOSTILE_ANSWERS.items()]


def parsed_data_files(project: Path) -> dict[Path, object]:
    """Every TOML, YAML and JSON file of the project, parsed."""
    parsed: dict[Path, object] = {}
    for path in sorted(project.rglob("*")):
        if path.suffix == ".toml":
            parsed[path] = tomllib.loads(path.read_text(encoding="utf-8"))
        elif path.suffix in {".yaml", ".yml"}:
            parsed[path] = list(yaml.safe_load_all(path.read_text(encoding="utf-8")))
        elif path.suffix == ".json":
            parsed[path] = json.loads(path.read_text(encoding="utf-8"))
    assert parsed
    return parsed


def strings_in(document: object) -> list[str]:
    """Every string in a parsed document, keys included."""
    if isinstance(document, str):
        return [document]
    if isinstance(document, dict):
        return [string for key, value in document.items() for string in (*strings_in(key), *strings_in(value))]
    if isinstance(document, list):
        return [string for item in document for string in strings_in(item)]
    return []


def test_long_name_is_at_the_limit() -> None:
    assert len(LONG_NAME) == 80


@pytest.mark.parametrize("framework", ["fastapi", "flask"])
@pytest.mark.parametrize("answers", HOSTILE)
def test_hostile_answers_survive_generation(cookies: Any, answers: dict[str, str], framework: str) -> None:
    # The Flask bakes take GitLab's pipeline, so that both CI files are parsed back.
    ci = "gitlab" if framework == "flask" else "github"
    result = cookies.bake(extra_context={**answers, "framework": framework, "ci": ci})
    assert result.exception is None
    assert result.exit_code == 0
    context = result.context
    assert {key: context[key] for key in answers} == answers, "cookiecutter must pass the answers on unchanged"
    project = result.project_path

    metadata = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert metadata["name"] == context["project_slug"]
    assert metadata["description"] == context["description"]
    assert metadata["authors"] == [{"name": context["author_name"], "email": context["author_email"]}]

    saved = json.loads((project / ".cookiecutter.json").read_text(encoding="utf-8"))["cookiecutter"]
    prompts = [key for key in context if not key.startswith("_")]
    assert {key: saved[key] for key in prompts} == {key: context[key] for key in prompts}

    for path, document in parsed_data_files(project).items():
        text = path.read_text(encoding="utf-8")
        scalars = "\n".join(strings_in(document))
        for key in (*ANSWERS_IN_FILES, "__env_prefix"):
            if context[key] in text:
                assert context[key] in scalars, f"{path.name} does not parse back to {context[key]!r}"

    python_files = sorted(project.rglob("*.py"))
    assert python_files
    for path in python_files:
        compile(path.read_text(encoding="utf-8"), str(path), "exec")


@pytest.mark.parametrize("framework", ["fastapi", "flask"])
def test_saved_answers_replay_to_the_same_project(
    cookies: Any, tmp_path: Path, config_file: Path, framework: str
) -> None:
    """``cookiecutter --replay-file <project>/.cookiecutter.json`` regenerates the project it came from."""
    answers = {"project_name": QUOTED_NAME, **NON_ASCII_AUTHOR, "framework": framework}
    first = cookies.bake(extra_context=answers).project_path
    output = tmp_path / "replayed"
    output.mkdir()
    replay = first / ".cookiecutter.json"
    second = Path(cookiecutter(str(TEMPLATE), replay=str(replay), output_dir=str(output), config_file=str(config_file)))
    assert second.name == first.name
    assert files(second) == files(first)
