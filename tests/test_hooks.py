"""Unit tests of the hooks and Jinja filters, called as plain functions."""

from __future__ import annotations

import ast
import importlib.util
import io
import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path
from types import ModuleType

import jinja2
import pytest
from cookiecutter.exceptions import FailedHookException  # type: ignore[import-untyped]
from cookiecutter.hooks import run_script_with_context  # type: ignore[import-untyped]

ROOT = Path(__file__).resolve().parent.parent


def load(path: Path) -> ModuleType:
    """Import a Python file by path: the hooks live outside any package."""
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


pre_gen = load(ROOT / "hooks" / "pre_gen_project.py")
post_gen = load(ROOT / "hooks" / "post_gen_project.py")
extensions = load(ROOT / "local_extensions.py")

VALID = {
    "project_name": "My Service",
    "project_slug": "my-service",
    "package_name": "my_service",
    "description": "An HTTP API built from cookiecutter-flask-fastapi.",
    "author_name": "Your Name",
    "author_email": "you@example.com",
    "version": "0.1.0",
    "framework": "fastapi",
    "database": "sqlite",
    "auth": "accounts",
    "jobs": "none",
    "ui": "none",
    "server": "granian",
    "docker": True,
    "ci": "github",
    "python_version": "3.11",
    "license": "MIT",
}

HOSTILE_STRINGS = [
    pytest.param("", id="empty"),
    pytest.param("plain text", id="plain"),
    pytest.param('say "hi"', id="double-quotes"),
    pytest.param("Bob's", id="apostrophe"),
    pytest.param('Bob\'s "Best" API', id="more-quotes-than-apostrophes"),
    pytest.param("Bob's \"API", id="as-many-quotes-as-apostrophes"),
    pytest.param("C:\\path\\to\\thing", id="backslashes"),
    pytest.param("ends with a backslash\\", id="trailing-backslash"),
    pytest.param('"""docstring breaker"""', id="triple-double-quotes"),
    pytest.param("'''triple single'''", id="triple-single-quotes"),
    pytest.param("line one\nline two\r\nline three", id="newlines"),
    pytest.param("a\tb", id="tab"),
    pytest.param("nul\x00byte", id="nul"),
    pytest.param("del\x7fchar", id="del"),
    pytest.param("".join(map(chr, range(0x20))), id="every-c0-control"),
    pytest.param("next\x85line \u2028 \u2029", id="unicode-line-breaks"),
    pytest.param("Café Ωmega API", id="non-ascii"),
    pytest.param("🚀 launch 👩\u200d💻", id="emoji"),
    pytest.param("\\u0041 and \\n written out", id="escape-lookalikes"),
    pytest.param("{{ cookiecutter.x }} {% if %}", id="jinja-markers"),
]


# --- pre_gen_project --------------------------------------------------------------------------------------------


def with_answer(field: str, value: object) -> dict[str, object]:
    """The valid answers with one of them replaced."""
    return {**VALID, field: value}


def test_valid_answers_have_no_problem() -> None:
    assert pre_gen.validate(VALID) == []


def test_every_prompt_has_a_rule_and_the_same_choices() -> None:
    """A new prompt or choice in cookiecutter.json must reach the hook too."""
    template = json.loads((ROOT / "cookiecutter.json").read_text(encoding="utf-8"))
    prompts = [key for key in template if not key.startswith("_")]
    assert list(pre_gen.CHECKS) == prompts
    choices = {
        key: tuple(value) for key, value in template.items() if not key.startswith("_") and isinstance(value, list)
    }
    assert choices == pre_gen.CHOICES


INVALID = [
    pytest.param("project_name", "", "must not be empty", id="name-empty"),
    pytest.param("project_name", "   ", "must not be empty", id="name-blank"),
    pytest.param("project_name", " My Service", "must not start or end with spaces", id="name-leading-space"),
    pytest.param("project_name", "My Service ", "must not start or end with spaces", id="name-trailing-space"),
    pytest.param("project_name", "My\nService", "one line", id="name-newline"),
    pytest.param("project_name", "My\tService", "one line", id="name-tab"),
    pytest.param("project_name", "My\u2028Service", "one line", id="name-line-separator"),
    pytest.param("project_name", "A" * 81, "at most 80", id="name-too-long"),
    pytest.param("project_name", "My {{ name }}", "template markers", id="name-jinja-expression"),
    pytest.param("project_name", "My {% if %}", "template markers", id="name-jinja-statement"),
    pytest.param("project_name", "My {# note", "template markers", id="name-jinja-comment"),
    pytest.param("project_name", "!!! ???", "letter or digit", id="name-without-letters"),
    pytest.param("project_name", 42, "must be text", id="name-not-text"),
    pytest.param("project_slug", "my service", "lower-case", id="slug-space"),
    pytest.param("project_slug", "My-Service", "lower-case", id="slug-upper-case"),
    pytest.param("project_slug", "1service", "starting with a letter", id="slug-leading-digit"),
    pytest.param("project_slug", "my--service", "single hyphens", id="slug-double-hyphen"),
    pytest.param("project_slug", "service-", "single hyphens", id="slug-trailing-hyphen"),
    pytest.param("project_slug", "my_service", "single hyphens", id="slug-underscore"),
    pytest.param("project_slug", "", "lower-case", id="slug-empty"),
    pytest.param("project_slug", "a" * 65, "at most 64", id="slug-too-long"),
    pytest.param("package_name", "my-service", "identifier", id="package-hyphen"),
    pytest.param("package_name", "MyService", "identifier", id="package-upper-case"),
    pytest.param("package_name", "_private", "identifier", id="package-leading-underscore"),
    pytest.param("package_name", "2fast", "identifier", id="package-leading-digit"),
    pytest.param("package_name", "a" * 65, "at most 64", id="package-too-long"),
    pytest.param("package_name", "class", "keyword", id="package-keyword"),
    pytest.param("package_name", "match", "keyword", id="package-soft-keyword"),
    pytest.param("package_name", "type", "keyword", id="package-soft-keyword-3.12"),
    pytest.param("package_name", "json", "standard-library", id="package-stdlib-json"),
    pytest.param("package_name", "asyncio", "standard-library", id="package-stdlib-asyncio"),
    pytest.param("package_name", "fastapi", "imports", id="package-fastapi"),
    pytest.param("package_name", "flask_openapi", "imports", id="package-flask-openapi"),
    pytest.param("package_name", "pydantic_settings", "imports", id="package-pydantic-settings"),
    pytest.param("package_name", "sqlalchemy", "imports", id="package-sqlalchemy"),
    pytest.param("package_name", "dotenv", "imports", id="package-dotenv"),
    pytest.param("package_name", "tests", "folder name", id="package-tests"),
    pytest.param("package_name", "migrations", "folder name", id="package-migrations"),
    pytest.param("description", "", "must not be empty", id="description-empty"),
    pytest.param("description", "line one\nline two", "one line", id="description-newline"),
    pytest.param("description", "nul\x00byte", "U+0000", id="description-nul"),
    pytest.param("description", "x" * 301, "at most 300", id="description-too-long"),
    pytest.param("description", "Uses {{ secrets }}", "template markers", id="description-jinja"),
    pytest.param("author_name", "", "must not be empty", id="author-empty"),
    pytest.param("author_name", "Zoë\r\nO'Brien", "one line", id="author-crlf"),
    pytest.param("author_name", "x" * 101, "at most 100", id="author-too-long"),
    pytest.param("author_email", "", "must not be empty", id="email-empty"),
    pytest.param("author_email", "not-an-email", "e-mail address", id="email-no-at"),
    pytest.param("author_email", "you@localhost", "e-mail address", id="email-no-dot-in-domain"),
    pytest.param("author_email", "you@@example.com", "e-mail address", id="email-two-ats"),
    pytest.param("author_email", "you me@example.com", "e-mail address", id="email-space"),
    pytest.param("author_email", "@example.com", "e-mail address", id="email-no-local-part"),
    pytest.param("author_email", "you@example..com", "e-mail address", id="email-empty-label"),
    pytest.param("author_email", "you@-example.com", "e-mail address", id="email-label-hyphen"),
    pytest.param("author_email", "you.@example.com", "e-mail address", id="email-dot-before-at"),
    pytest.param("author_email", "you@example.c", "e-mail address", id="email-one-letter-tld"),
    pytest.param("author_email", "Your Name <you@example.com>", "e-mail address", id="email-with-name"),
    pytest.param("author_email", f"{'a' * 250}@example.com", "at most 254", id="email-too-long"),
    pytest.param("version", "", "must not be empty", id="version-empty"),
    pytest.param("version", "latest", "PEP 440", id="version-word"),
    pytest.param("version", "v1..0", "PEP 440", id="version-double-dot"),
    pytest.param("version", "1.0 ", "must not start or end with spaces", id="version-trailing-space"),
    pytest.param("version", "1.0+local.1", "PEP 440", id="version-local"),
    pytest.param("version", "1.0-beta-gamma", "PEP 440", id="version-two-labels"),
    pytest.param("version", "1.0.x", "PEP 440", id="version-wildcard"),
    pytest.param("framework", "django", "fastapi, flask", id="framework-unknown"),
    pytest.param("framework", "FastAPI", "fastapi, flask", id="framework-case"),
    pytest.param("auth", "oauth", "accounts, oidc, none", id="auth-unknown"),
    pytest.param("auth", "", "accounts, oidc, none", id="auth-empty"),
    pytest.param("jobs", "rq", "none, celery", id="jobs-unknown"),
    pytest.param("jobs", True, "none, celery", id="jobs-not-text"),
    pytest.param("ui", "html", "none, pages", id="ui-unknown"),
    pytest.param("python_version", "3.10", "3.11, 3.12, 3.13", id="python-3.10"),
    pytest.param("python_version", 3.12, "3.11, 3.12, 3.13", id="python-not-text"),
    pytest.param("license", "GPL", "MIT, Apache-2.0, BSD-3-Clause, Proprietary", id="license-unknown"),
    pytest.param("license", None, "MIT, Apache-2.0", id="license-null"),
]


@pytest.mark.parametrize(("field", "value", "rule"), INVALID)
def test_invalid_answer_is_named_with_its_rule_and_value(field: str, value: object, rule: str) -> None:
    problems = pre_gen.validate(with_answer(field, value))
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"{field}: ")
    assert rule in problems[0]
    shown = repr(value) if not isinstance(value, str) or len(value) <= 100 else repr(value[:80])
    assert shown in problems[0]
    assert "\n" not in problems[0]


@pytest.mark.parametrize("auth", ["accounts", "oidc", "none"])
def test_pages_are_accepted_with_every_identity(auth: str) -> None:
    assert pre_gen.validate({**VALID, "ui": "pages", "auth": auth}) == []


def test_a_rule_on_two_answers_waits_for_each_answer_to_be_valid() -> None:
    assert pre_gen.validate({**VALID, "ui": "pages", "auth": "oauth"}) == [
        "auth: must be one of accounts, oidc, none, got 'oauth'"
    ]


def test_missing_answer_is_reported() -> None:
    answers = dict(VALID)
    del answers["author_email"]
    assert pre_gen.validate(answers) == ["author_email: is missing: add author_email"]


def test_problems_come_in_prompt_order() -> None:
    answers = {**VALID, "version": "latest", "project_slug": "Bad Slug", "license": "GPL"}
    fields = [problem.split(":")[0] for problem in pre_gen.validate(answers)]
    assert fields == ["project_slug", "version", "license"]


ACCEPTED = [
    pytest.param("project_name", "Café Ωmega API", id="name-non-ascii"),
    pytest.param("project_name", 'Bob\'s "Best" API', id="name-quotes"),
    pytest.param("project_name", "日本語 API 🚀", id="name-cjk-emoji"),
    pytest.param("project_name", "A" * 80, id="name-80-characters"),
    pytest.param("project_name", "Curly {braces} and 100% sure #1", id="name-lone-braces"),
    pytest.param("project_slug", "a", id="slug-one-letter"),
    pytest.param("project_slug", "my-service-2", id="slug-digits"),
    pytest.param("project_slug", "a" * 64, id="slug-64-characters"),
    pytest.param("package_name", "api2", id="package-digit"),
    pytest.param("package_name", "my__service_", id="package-underscores"),
    pytest.param("package_name", "typing_tools", id="package-stdlib-prefix"),
    pytest.param("description", "C:\\path\\to\\thing and \"quotes\" and 'apostrophes'", id="description-backslashes"),
    pytest.param("description", '"""Triple""" quotes and a trailing backslash\\', id="description-triple-quotes"),
    pytest.param("description", "x" * 300, id="description-300-characters"),
    pytest.param("author_name", "Zoë O'Brien-Ñúñez", id="author-non-ascii"),
    pytest.param("author_email", "zoe.o'brien+api@mail.example.co.uk", id="email-apostrophe-plus"),
    pytest.param("author_email", "zoë@exämple.com", id="email-non-ascii"),
    pytest.param("author_email", "me@xn--exmple-cua.xn--p1ai", id="email-punycode"),
    pytest.param("version", "1.0.0-beta.1", id="version-normalisable-pre"),
    pytest.param("version", "v2.0", id="version-v-prefix"),
    pytest.param("version", "1.0rc1", id="version-rc"),
    pytest.param("version", "2!1.0.post1.dev2", id="version-epoch-post-dev"),
    pytest.param("version", "1.0-1", id="version-implicit-post"),
    pytest.param("version", "1.0.DEV3", id="version-upper-case"),
    pytest.param("framework", "flask", id="framework-flask"),
    pytest.param("auth", "none", id="auth-none"),
    pytest.param("jobs", "celery", id="jobs-celery"),
    pytest.param("ui", "none", id="ui-none"),
    pytest.param("python_version", "3.13", id="python-3.13"),
    pytest.param("license", "Proprietary", id="license-proprietary"),
]


@pytest.mark.parametrize(("field", "value"), ACCEPTED)
def test_valid_answer_is_accepted(field: str, value: str) -> None:
    assert pre_gen.validate(with_answer(field, value)) == []


def test_long_values_are_shortened_in_messages() -> None:
    (problem,) = pre_gen.validate(with_answer("description", "x" * 5000))
    assert "(5000 characters)" in problem
    assert len(problem) < 200


def test_report_prints_only_the_first_problem() -> None:
    stream = io.StringIO()
    assert pre_gen.report({**VALID, "project_slug": "Bad Slug", "version": "latest"}, stream) == 1
    assert stream.getvalue().startswith("ERROR: project_slug: ")
    assert stream.getvalue().count("\n") == 1


def test_report_is_silent_for_valid_answers() -> None:
    stream = io.StringIO()
    assert pre_gen.report(VALID, stream) == 0
    assert stream.getvalue() == ""


# --- both hooks, rendered and run the way cookiecutter runs them ------------------------------------------------


@pytest.mark.parametrize("hook", ["pre_gen_project.py", "post_gen_project.py"])
def test_hook_holds_one_jinja_expression(hook: str) -> None:
    """Anything else Jinja-like would be rendered too, and could break the hook or leak answers into code."""
    source = (ROOT / "hooks" / hook).read_text(encoding="utf-8")
    assert re.findall(r"\{[{%#]", source) == ["{{"]
    assert 'json.loads(r"""{{ cookiecutter | tojson }}""")' in source


@pytest.mark.parametrize("value", HOSTILE_STRINGS)
def test_rendered_pre_gen_hook_reads_hostile_answers(
    value: str, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    """The answers arrive intact through the rendered raw string: the hook reports the exact value it received."""
    with pytest.raises(FailedHookException):
        run_script_with_context(
            ROOT / "hooks" / "pre_gen_project.py", tmp_path, {"cookiecutter": {**VALID, "version": value}}
        )
    err = capfd.readouterr().err
    assert err.startswith("ERROR: version: ")
    assert repr(value) in err


def test_rendered_pre_gen_hook_passes_valid_answers(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    run_script_with_context(ROOT / "hooks" / "pre_gen_project.py", tmp_path, {"cookiecutter": VALID})
    assert capfd.readouterr().err == ""


# --- post_gen_project -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answer", "tag"),
    [
        pytest.param("fastapi", "fastapi", id="fastapi"),
        pytest.param("flask", "flask", id="flask"),
        pytest.param("MIT", "mit", id="mit"),
        pytest.param("Apache-2.0", "apache20", id="apache"),
        pytest.param("BSD-3-Clause", "bsd3clause", id="bsd"),
        pytest.param("Proprietary", "proprietary", id="proprietary"),
    ],
)
def test_variant_tag(answer: str, tag: str) -> None:
    assert post_gen.variant_tag(answer) == tag


SHARED_FILES = [
    "README.md",
    ".env.example",
    "src/pkg/__init__.py",
    "src/pkg/__main__.py",
    "src/pkg/schemas.py",
    "tests/__init__.py",
    "tests/test_items.py",
]
VARIANT_FILES = [
    "LICENSE__mit",
    "LICENSE__apache20",
    "src/pkg/app__fastapi.py",
    "src/pkg/app__flask.py",
    "src/pkg/db/nested/database__fastapi.py",
    "src/pkg/db/nested/database__flask.py",
    "tests/conftest__fastapi.py",
    "tests/conftest__flask.py",
    "src/pkg/auth__accounts/__init__.py",
    "src/pkg/auth__accounts/guard__fastapi.py",
    "src/pkg/auth__accounts/guard__flask.py",
    "src/pkg/auth__none/__init__.py",
    "src/pkg/auth__none/guard__fastapi.py",
    "src/pkg/auth__none/guard__flask.py",
    "src/pkg/pages/visitors__accounts__fastapi.py",
    "src/pkg/pages/visitors__accounts__flask.py",
    "src/pkg/pages/visitors__none__fastapi.py",
    "src/pkg/pages/visitors__none__flask.py",
]


def make_tree(root: Path, files: list[str]) -> None:
    """Create each file with its own path as content, to tell renamed files apart."""
    for name in files:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(name, encoding="utf-8")


def tree(root: Path) -> dict[str, str]:
    """Every file under ``root`` and its content."""
    return {
        path.relative_to(root).as_posix(): path.read_text(encoding="utf-8")
        for path in root.rglob("*")
        if path.is_file()
    }


@pytest.mark.parametrize(
    ("framework", "license_tag", "auth"),
    [
        ("fastapi", "mit", "accounts"),
        ("flask", "mit", "none"),
        ("fastapi", "apache20", "none"),
        ("flask", "apache20", "accounts"),
    ],
)
def test_resolve_variants_keeps_only_the_chosen_ones(
    tmp_path: Path, framework: str, license_tag: str, auth: str
) -> None:
    """Files and folders alike; the files of a chosen folder are variants in their turn, and a file with two tags is
    kept when both are chosen."""
    make_tree(tmp_path, SHARED_FILES + VARIANT_FILES)
    kept = post_gen.resolve_variants(tmp_path, [framework, license_tag, auth])
    chosen = {
        "LICENSE": f"LICENSE__{license_tag}",
        "src/pkg/app.py": f"src/pkg/app__{framework}.py",
        "src/pkg/db/nested/database.py": f"src/pkg/db/nested/database__{framework}.py",
        "tests/conftest.py": f"tests/conftest__{framework}.py",
        "src/pkg/auth/__init__.py": f"src/pkg/auth__{auth}/__init__.py",
        "src/pkg/auth/guard.py": f"src/pkg/auth__{auth}/guard__{framework}.py",
        "src/pkg/pages/visitors.py": f"src/pkg/pages/visitors__{auth}__{framework}.py",
    }
    assert tree(tmp_path) == {name: name for name in SHARED_FILES} | chosen
    kept_paths = sorted(Path(path).relative_to(tmp_path).as_posix() for path in kept)
    assert kept_paths == sorted([*(name for name in chosen if name != "src/pkg/auth/__init__.py"), "src/pkg/auth"])


@pytest.mark.parametrize(
    ("auth", "jobs", "kept"),
    [
        ("accounts", "celery", {"test_jobs.py", "test_job_ownership.py", "test_accounts.py"}),
        ("none", "celery", {"test_jobs.py"}),
        ("oidc", "none", set()),
        ("accounts", "none", {"test_accounts.py"}),
    ],
)
def test_an_optional_file_is_kept_only_when_every_answer_it_names_asks_for_it(
    tmp_path: Path, auth: str, jobs: str, kept: set[str]
) -> None:
    tests = ["test_jobs.py", "test_job_ownership.py", "test_accounts.py"]
    make_tree(tmp_path, [f"tests/{name}" for name in tests])
    post_gen.remove_unwanted(tmp_path, {**VALID, "auth": auth, "jobs": jobs, "docker": False, "ci": "none"})
    assert {path.name for path in (tmp_path / "tests").iterdir()} == kept


@pytest.mark.parametrize(("jobs", "chosen"), [("celery", "on the worker"), ("none", "in the server")])
def test_an_alternative_takes_the_place_of_the_first_version_only_where_its_answers_ask(
    tmp_path: Path, jobs: str, chosen: str
) -> None:
    mail = tmp_path / "src/my_service/mail"
    mail.mkdir(parents=True)
    (mail / "sender.py").write_text("in the server", encoding="utf-8")
    (mail / "sender_on_worker.py").write_text("on the worker", encoding="utf-8")
    post_gen.choose_alternatives(tmp_path, {**VALID, "jobs": jobs})
    assert tree(mail) == {"sender.py": chosen}


def test_saved_answers_keep_the_answers_and_drop_machine_paths() -> None:
    template_values = {"_extensions": ["local_extensions.TomlStringExtension"], "_template": "gh:owner/template"}
    machine_paths = {"_output_dir": "/home/me/out", "_repo_dir": "/home/me/.cookiecutters/x", "_checkout": None}
    answers = {**VALID, "description": 'Bob\'s "Best" \\ API'}
    saved = post_gen.saved_answers({**answers, **template_values, **machine_paths})
    assert list(saved) == ["cookiecutter"]
    assert saved["cookiecutter"].items() >= (answers | template_values).items()
    assert saved["cookiecutter"].keys().isdisjoint(machine_paths)
    assert json.loads(json.dumps(saved)) == saved


def test_rendered_post_gen_hook_resolves_variants_and_saves_hostile_answers(tmp_path: Path) -> None:
    make_tree(tmp_path, SHARED_FILES + VARIANT_FILES)
    answers = {
        **VALID,
        "framework": "flask",
        "license": "Apache-2.0",
        "__server": "gunicorn",
        "project_name": 'Bob\'s "Best" """API\\',
    }
    run_script_with_context(ROOT / "hooks" / "post_gen_project.py", tmp_path, {"cookiecutter": answers})
    saved = json.loads((tmp_path / ".cookiecutter.json").read_text(encoding="utf-8"))
    assert saved == {"cookiecutter": answers}
    assert (tmp_path / "src/pkg/app.py").read_text(encoding="utf-8") == "src/pkg/app__flask.py"
    assert (tmp_path / "LICENSE").read_text(encoding="utf-8") == "LICENSE__apache20"
    assert not (tmp_path / "src/pkg/app__fastapi.py").exists()


# --- local_extensions -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", HOSTILE_STRINGS)
def test_toml_string_round_trips(value: str) -> None:
    literal = extensions.toml_string(value)
    assert tomllib.loads(f"key = {literal}") == {"key": value}
    assert not re.search(r"[\x00-\x1f\x7f]", literal), "control characters must be escaped"


@pytest.mark.parametrize(
    ("value", "literal"),
    [
        pytest.param("Café Ωmega 🚀", '"Café Ωmega 🚀"', id="non-ascii-kept"),
        pytest.param('a"b\\c', '"a\\"b\\\\c"', id="quote-backslash"),
        pytest.param("\b\t\n\f\r", '"\\b\\t\\n\\f\\r"', id="short-escapes"),
        pytest.param("\x00\x1b\x7f", '"\\u0000\\u001B\\u007F"', id="unicode-escapes"),
        pytest.param("\x85\u2028", '"\x85\u2028"', id="allowed-unescaped"),
    ],
)
def test_toml_string_escapes_only_what_toml_requires(value: str, literal: str) -> None:
    assert extensions.toml_string(value) == literal


@pytest.mark.parametrize("value", HOSTILE_STRINGS)
def test_py_string_round_trips(value: str) -> None:
    literal = extensions.py_string(value)
    assert ast.literal_eval(literal) == value
    (statement,) = ast.parse(f"VALUE = {literal}").body
    assert isinstance(statement, ast.Assign)
    assert isinstance(statement.value, ast.Constant)
    assert not re.search(r"[\x00-\x1f\x7f\x80-\x9f\u2028\u2029]", literal), "control characters must be escaped"


@pytest.mark.parametrize(
    ("value", "literal"),
    [
        pytest.param("Café Ωmega 🚀", '"Café Ωmega 🚀"', id="non-ascii-kept"),
        pytest.param("Bob's", '"Bob\'s"', id="apostrophe-in-double-quotes"),
        pytest.param('say "hi"', "'say \"hi\"'", id="quotes-in-single-quotes"),
        pytest.param('Bob\'s "Best"', "'Bob\\'s \"Best\"'", id="more-quotes-than-apostrophes"),
        pytest.param("Bob's \"API", '"Bob\'s \\"API"', id="tie-prefers-double"),
        pytest.param("a\\b\n\t\r\x00\x7f\x85\u2028", '"a\\\\b\\n\\t\\r\\x00\\x7f\\x85\\u2028"', id="escapes"),
    ],
)
def test_py_string_quotes_like_ruff(value: str, literal: str) -> None:
    assert extensions.py_string(value) == literal


def test_py_string_is_stable_under_ruff_format() -> None:
    """The generated project must pass ``ruff format --check`` whatever the answers."""
    source = "".join(
        f"VALUE_{index} = {extensions.py_string(param.values[0])}\n" for index, param in enumerate(HOSTILE_STRINGS)
    )
    formatted = subprocess.run(
        [sys.executable, "-m", "ruff", "format", "--isolated", "--line-length", "120", "-"],
        input=source,
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=True,
    ).stdout
    assert formatted == source


def test_extension_registers_both_filters() -> None:
    env = jinja2.Environment(extensions=[extensions.TomlStringExtension], autoescape=False)
    template = env.from_string("name = {{ value | toml_string }}\nNAME = {{ value | py_string }}\n")
    rendered = template.render(value='Bob\'s "Best"\n')
    assert tomllib.loads(rendered.splitlines()[0]) == {"name": 'Bob\'s "Best"\n'}
    assert ast.literal_eval(rendered.splitlines()[1].removeprefix("NAME = ")) == 'Bob\'s "Best"\n'
