"""Refuse answers that would generate a broken or misleading project.

Every rule is a plain function of the answers, so the tests import this file
unrendered and call ``validate`` directly.  Cookiecutter renders the one Jinja
expression, inside a raw string in ``main``, into the answers as JSON.
"""

from __future__ import annotations

import json
import keyword
import re
import sys
import unicodedata
from collections.abc import Callable, Mapping
from typing import TextIO

PROMPT_ORDER = (
    "project_name",
    "project_slug",
    "package_name",
    "description",
    "author_name",
    "author_email",
    "version",
    "framework",
    "database",
    "server",
    "docker",
    "ci",
    "python_version",
    "license",
)
"""The order of the prompts in cookiecutter.json, in which problems are reported."""
CHOICES = {
    "framework": ("fastapi", "flask"),
    "database": ("sqlite", "postgresql"),
    "server": ("granian", "classic"),
    "ci": ("github", "gitlab", "none"),
    "python_version": ("3.11", "3.12", "3.13"),
    "license": ("MIT", "Apache-2.0", "BSD-3-Clause", "Proprietary"),
}

SLUG = re.compile(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*")
PACKAGE = re.compile(r"[a-z][a-z0-9_]*")
EMAIL = re.compile(
    r"""
    [\w!#$%&'*+/=?^`{|}~-]+ (?:\.[\w!#$%&'*+/=?^`{|}~-]+)*  # local part: dot-separated atoms
    @
    (?:[^\W_](?:[\w-]*[^\W_])?\.)+                          # domain labels, no edge hyphens
    (?:[^\W\d_]{2,}|xn--[a-z0-9-]+)                         # top-level domain
    """,
    re.VERBOSE | re.IGNORECASE,
)
# PEP 440, appendix B, without the local segment: a distribution's own version is public.
VERSION = re.compile(
    r"""
    v?
    (?:(?P<epoch>[0-9]+)!)?
    (?P<release>[0-9]+(?:\.[0-9]+)*)
    (?P<pre>[-_.]?(?P<pre_l>a|b|c|rc|alpha|beta|pre|preview)[-_.]?(?P<pre_n>[0-9]+)?)?
    (?P<post>(?:-(?P<post_n1>[0-9]+))|(?:[-_.]?(?P<post_l>post|rev|r)[-_.]?(?P<post_n2>[0-9]+)?))?
    (?P<dev>[-_.]?(?P<dev_l>dev)[-_.]?(?P<dev_n>[0-9]+)?)?
    """,
    re.VERBOSE | re.IGNORECASE,
)

# Built from parts: written out, the markers would be Jinja when cookiecutter renders this file.
JINJA_MARKERS = ("{" + "{", "{" + "%", "{" + "#")
# Line breaks and control characters would break the one-line README title, TOML and YAML values.
CONTROL_CATEGORIES = frozenset({"Cc", "Cs", "Zl", "Zp"})
# ``type`` became a soft keyword in Python 3.12; the project may run on a newer Python than this hook.
SOFT_KEYWORDS = frozenset(keyword.softkwlist) | {"type"}
# Import names of the generated project's dependencies and tools: a package of that name would shadow them.
DEPENDENCY_IMPORT_NAMES = frozenset(
    (
        *("fastapi", "starlette", "flask", "flask_openapi3", "flask_openapi3_swagger", "werkzeug", "jinja2"),
        *("markupsafe", "itsdangerous", "click", "blinker", "anyio", "sniffio", "h11", "multipart"),
        *("pydantic", "pydantic_core", "pydantic_settings", "annotated_types", "typing_extensions"),
        *("typing_inspection", "dotenv", "email_validator", "python_multipart"),
        *("sqlalchemy", "alembic", "greenlet", "aiosqlite", "asyncpg", "psycopg", "psycopg_binary"),
        *("granian", "uvicorn", "gunicorn", "httpx", "httpcore", "certifi", "idna"),
        *("pytest", "pluggy", "coverage", "mypy", "ruff"),
    )
)
# Top-level names the generated project or its tools already use for something else.
PROJECT_FOLDER_NAMES = frozenset(("src", "tests", "test", "conftest", "migrations"))


def shown(value: str) -> str:
    """``repr`` of an answer, shortened when it is too long to read in one line."""
    if len(value) <= 100:
        return repr(value)
    return f"{value[:80]!r}... ({len(value)} characters)"


def text_problem(value: object, max_length: int) -> str | None:
    """The first problem with a free-text answer, or ``None``."""
    if not isinstance(value, str):
        return f"must be text, got {value!r}"
    if not value.strip():
        return f"must not be empty or blank, got {value!r}: fill it in"
    for char in value:
        if unicodedata.category(char) in CONTROL_CATEGORIES:
            return (
                f"must be one line without control characters, found U+{ord(char):04X} in {shown(value)}:"
                " write it on one line"
            )
    if value != value.strip():
        return f"must not start or end with spaces, got {shown(value)}: remove them"
    if len(value) > max_length:
        return f"must be at most {max_length} characters, got {shown(value)}: shorten it"
    if any(marker in value for marker in JINJA_MARKERS):
        return f"must not contain the template markers {', '.join(JINJA_MARKERS)}, got {shown(value)}: remove them"
    return None


def check_project_name(value: object) -> str | None:
    """A one-line display name with at least one letter or digit to build the slug from."""
    problem = text_problem(value, 80)
    if problem is None and isinstance(value, str) and not any(char.isalnum() for char in value):
        problem = f"must contain a letter or digit to build the project slug from, got {value!r}"
    return problem


def check_project_slug(value: object) -> str | None:
    """A distribution and directory name: lower-case words joined by single hyphens."""
    if not isinstance(value, str) or not SLUG.fullmatch(value):
        return (
            "must be lower-case letters and digits in words joined by single hyphens, starting with a letter"
            f" (like 'my-service'), got {value!r}: set project_slug or change project_name"
        )
    if len(value) > 64:
        return f"must be at most 64 characters, got {shown(value)}: set a shorter project_slug"
    return None


def check_package_name(value: object) -> str | None:
    """An importable name that shadows nothing the generated project imports."""
    if not isinstance(value, str) or not PACKAGE.fullmatch(value):
        return (
            "must be a lower-case Python identifier (letters, digits and underscores, starting with a letter),"
            f" got {value!r}: set package_name"
        )
    if len(value) > 64:
        return f"must be at most 64 characters, got {shown(value)}: set a shorter package_name"
    if keyword.iskeyword(value) or value in SOFT_KEYWORDS:
        return f"must not be a Python keyword, got {value!r}: choose another package_name"
    if value in sys.stdlib_module_names:
        return f"must not shadow the standard-library module {value!r}: choose another package_name"
    if value in DEPENDENCY_IMPORT_NAMES:
        return f"must not shadow {value!r}, which the generated project imports: choose another package_name"
    if value in PROJECT_FOLDER_NAMES:
        return f"must not be {value!r}, a folder name of the generated project: choose another package_name"
    return None


def check_description(value: object) -> str | None:
    """A one-line summary for the README, the package metadata and the API docs."""
    return text_problem(value, 300)


def check_author_name(value: object) -> str | None:
    """The author's name as it appears in the package metadata and licence."""
    return text_problem(value, 100)


def check_author_email(value: object) -> str | None:
    """A plausible ``local@domain.tld`` address."""
    problem = text_problem(value, 254)
    if problem is None and isinstance(value, str) and not EMAIL.fullmatch(value):
        problem = f"must be an e-mail address like 'name@example.com', got {value!r}"
    return problem


def check_version(value: object) -> str | None:
    """A public PEP 440 version such as ``0.1.0`` or ``1.0rc1``."""
    problem = text_problem(value, 64)
    if problem is None and isinstance(value, str) and not VERSION.fullmatch(value):
        problem = f"must be a public PEP 440 version like '0.1.0' or '1.0rc1', got {value!r}"
    return problem


def choice_check(field: str) -> Callable[[object], str | None]:
    """A check that accepts only the choices offered for ``field``."""
    allowed = CHOICES[field]

    def check(value: object) -> str | None:
        if value in allowed:
            return None
        return f"must be one of {', '.join(allowed)}, got {value!r}"

    return check


def check_docker(value: object) -> str | None:
    if isinstance(value, bool):
        return None
    return f"must be yes or no, got {value!r}"


CHECKS: dict[str, Callable[[object], str | None]] = {
    "project_name": check_project_name,
    "project_slug": check_project_slug,
    "package_name": check_package_name,
    "description": check_description,
    "author_name": check_author_name,
    "author_email": check_author_email,
    "version": check_version,
    **{field: choice_check(field) for field in CHOICES},
    "docker": check_docker,
}
CHECKS = {field: CHECKS[field] for field in PROMPT_ORDER}


def validate(answers: Mapping[str, object]) -> list[str]:
    """Every problem with the answers as ``<field>: <problem>``, in prompt order."""
    problems = []
    for field, check in CHECKS.items():
        problem = f"is missing: add {field}" if field not in answers else check(answers[field])
        if problem is not None:
            problems.append(f"{field}: {problem}")
    return problems


def report(answers: Mapping[str, object], stream: TextIO) -> int:
    """Write the first problem as one ``ERROR:`` line to ``stream``; return the exit status."""
    problems = validate(answers)
    if problems:
        print(f"ERROR: {problems[0]}", file=stream)
        return 1
    return 0


def main() -> int:
    """Validate the answers cookiecutter rendered into this file."""
    return report(json.loads(r"""{{ cookiecutter | tojson }}"""), sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
