"""The answer combinations the template's tests bake: one table, from which each test module selects its rows.

The table is pairwise over every prompt of ``cookiecutter.json``: each answer to an option meets each answer to every
other option in at least one row. So every framework is baked with every database, every framework with every
server, every licence with every CI pipeline, and so on. The free-text prompts count as two options, each either left
at its defaults or answered: hostile answers (quotes, backslashes, non-ASCII text, the longest name) and own names (a
slug or package name that is not derived). ``test_combinations.py`` proves the coverage from ``cookiecutter.json``,
so that a new prompt or choice fails there until the table covers it.

Every row goes through the full, slow checks of ``test_bake.py``; the other modules take the rows they need (at the
end of this module). The table is kept small on purpose: ``.ci/run`` must finish in 20 minutes on two cores.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path

import pytest

from .baking import (
    BACKSLASHED_DESCRIPTION,
    LONG_NAME,
    NON_ASCII_AUTHOR,
    NON_ASCII_NAME,
    QUOTED_NAME,
    TRIPLE_QUOTED_DESCRIPTION,
)

TEMPLATE = Path(__file__).resolve().parents[1]
PROMPTS: dict[str, object] = {
    key: value
    for key, value in json.loads((TEMPLATE / "cookiecutter.json").read_text(encoding="utf-8")).items()
    if not key.startswith("_")
}
"""Every prompt of the template, with its default (a list of choices, a yes/no default, or a text)."""
OPTIONS: dict[str, tuple[object, ...]] = {
    key: tuple(default) if isinstance(default, list) else (True, False)
    for key, default in PROMPTS.items()
    if isinstance(default, (list, bool))
}
"""Every prompt with a fixed set of answers (a choice, or yes or no), and those answers, from cookiecutter.json."""
TEXT_OPTIONS: dict[str, tuple[str, ...]] = {
    "hostile answers": ("project_name", "description", "author_name", "author_email", "version"),
    "own names": ("project_slug", "package_name"),
}
"""The free-text prompts, as two options of the table: a row either answers some of their prompts or none."""
CLASSIC_SERVERS = {"fastapi": "uvicorn", "flask": "gunicorn"}
"""What ``server=classic`` runs for each framework (``__server`` in cookiecutter.json), for the rows' ids."""
OWN_PACKAGE = {"package_name": "orders"}
OWN_SLUG_AND_PACKAGE = {"project_slug": "orders-api", "package_name": "orders"}


def spelled(answers: Mapping[str, object]) -> str:
    """A readable id for these answers to options, one word or two an answer, in their order."""
    words = []
    for option, value in answers.items():
        if option == "server" and value == "classic":
            words.append(CLASSIC_SERVERS[str(answers["framework"])])
        elif option == "docker":
            words.append("docker" if value else "no-docker")
        elif option == "ci" and value == "none":
            words.append("no-ci")
        elif option == "auth" and value == "none":
            words.append("open")
        elif option == "jobs" and value == "none":
            words.append("no-jobs")
        elif option == "ui" and value == "none":
            continue  # the API alone, as every bake was before pages: the ids stay as they were
        elif option == "python_version":
            words.append(f"py{value}".replace(".", ""))
        else:
            words.append(str(value).lower())
    return "-".join(words)


@dataclass(frozen=True)
class Combination:
    """One row of the table: an answer to every option, and the free-text answers that differ from the defaults."""

    framework: str
    database: str
    auth: str
    jobs: str
    ui: str
    server: str
    docker: bool
    ci: str
    python_version: str
    license: str
    texts: Mapping[str, str] = field(default_factory=dict)
    label: str = ""
    """What ``texts`` holds, in a few words, for the id."""

    @property
    def choices(self) -> dict[str, object]:
        """The answer to every option with a fixed set of answers."""
        return {
            option.name: getattr(self, option.name) for option in fields(self) if option.name not in {"texts", "label"}
        }

    @property
    def answers(self) -> dict[str, object]:
        return {**self.choices, **self.texts}

    @property
    def id(self) -> str:
        return "-".join(filter(None, [spelled(self.choices), self.label]))

    def param(self) -> object:
        return pytest.param(self.answers, id=self.id)


# Every row is baked in full (test_bake.py); the first is the template's defaults. Every framework, database and
# identity meet in a row (the first twelve), except Flask with SQLite and accounts. Pages take seven rows: four open
# ones (one per licence), one with accounts on each framework (flask-postgresql-accounts and the last row) and one with
# OpenID Connect (fastapi-sqlite-oidc, which signs in at the tests' issuer); a fifth open row bakes the API alone; the
# last row completes the pairs. Background jobs are on in one row of each framework and database, and in a fifth
# (flask-postgresql-open) whose suite runs on RabbitMQ instead of Redis (test_bake.py). One row a line, as a table.
# fmt: off
TABLE = (
    Combination("fastapi", "sqlite", "accounts", "none", "none", "granian", True, "github", "3.11", "MIT"),
    Combination("fastapi", "sqlite", "oidc", "celery", "pages", "granian", False, "github", "3.13", "Apache-2.0"),
    Combination("fastapi", "sqlite", "none", "none", "pages", "classic", True, "github", "3.12", "BSD-3-Clause"),
    Combination(
        "fastapi", "postgresql", "accounts", "celery", "none", "classic", True, "gitlab", "3.12", "Apache-2.0",
        {"project_name": LONG_NAME, **NON_ASCII_AUTHOR, **OWN_PACKAGE}, "80-character-name-own-package",
    ),
    Combination("fastapi", "postgresql", "oidc", "none", "none", "classic", True, "gitlab", "3.12", "Proprietary"),
    Combination(
        "fastapi", "postgresql", "none", "none", "pages", "classic", False, "gitlab", "3.13", "MIT",
        {"project_name": QUOTED_NAME, "description": BACKSLASHED_DESCRIPTION}, "quotes-and-backslashes",
    ),
    Combination(
        "flask", "sqlite", "none", "none", "none", "classic", True, "gitlab", "3.13", "BSD-3-Clause",
        OWN_PACKAGE, "own-package",
    ),
    Combination(
        "flask", "sqlite", "oidc", "celery", "none", "granian", False, "none", "3.11", "BSD-3-Clause",
        {"version": "2.0.0rc1", "description": TRIPLE_QUOTED_DESCRIPTION, **NON_ASCII_AUTHOR},
        "triple-quotes-non-ascii-author",
    ),
    Combination("flask", "sqlite", "none", "none", "pages", "classic", True, "none", "3.11", "Apache-2.0"),
    Combination("flask", "postgresql", "accounts", "none", "pages", "granian", True, "gitlab", "3.11", "BSD-3-Clause"),
    Combination(
        "flask", "postgresql", "oidc", "celery", "none", "granian", False, "none", "3.12", "MIT",
        OWN_SLUG_AND_PACKAGE, "own-slug-and-package",
    ),
    Combination(
        "flask", "postgresql", "none", "celery", "pages", "granian", False, "github", "3.11", "Proprietary",
        {"project_name": NON_ASCII_NAME, **OWN_PACKAGE}, "non-ascii-name-own-package",
    ),
    Combination("fastapi", "sqlite", "accounts", "none", "pages", "granian", False, "none", "3.13", "Proprietary"),
)
# fmt: on


def covering(rows: Iterable[Combination], *aspects: str | tuple[str, ...]) -> list[Combination]:
    """Few of ``rows`` in which every value of each aspect that ``rows`` hold appears at least once, in table order.

    An aspect is an option, or a tuple of options whose values count together (``("framework", "server")``: every
    framework with every server). Greedy: the row that brings the most values not yet seen, the earlier on a tie.
    """
    table = list(rows)

    def values(row: Combination) -> set[tuple[str | tuple[str, ...], object]]:
        answers = row.answers
        return {
            (aspect, answers[aspect] if isinstance(aspect, str) else tuple(answers[name] for name in aspect))
            for aspect in aspects
        }

    wanted = set().union(*map(values, table))
    chosen: list[Combination] = []
    while wanted:
        best = max(table, key=lambda row: len(values(row) & wanted))
        chosen.append(best)
        wanted -= values(best)
    return sorted(chosen, key=table.index)


def params(rows: Iterable[Combination]) -> list[object]:
    return [row.param() for row in rows]


def product(*options: str) -> list[object]:
    """Every combination of these options' values, the other answers at their defaults; for cheap, static checks."""
    return [
        pytest.param(answers, id=spelled(answers))
        for answers in (
            dict(zip(options, values, strict=True))
            for values in itertools.product(*(OPTIONS[option] for option in options))
        )
    ]


# What each check bakes, as rows of the table; test modules parametrize with ``params(...)``.
RABBITMQ_ROWS = [row for row in TABLE if row.jobs == "celery"][-1:]
"""test_bake.py: the row whose generated suite runs its jobs on RabbitMQ; its framework and database have a row on
Redis too."""
DEEP_FUZZ_ROWS = covering(TABLE, "framework")
"""test_bake.py: the rows whose generated suite fuzzes with a deeper budget: one for each framework."""
CONTAINER_ROWS = [row for row in TABLE if row.docker]
"""test_containers.py: the rows with container files."""
BROWSER_ROWS = covering([row for row in TABLE if row.auth != "oidc"], ("framework", "server"))
"""test_browser.py: each framework under each of its production servers, signed in through Swagger UI where it has
accounts (its "Authorize" cannot reach an OpenID Connect provider from the tests)."""
PAGES_BROWSER_ROWS = covering([row for row in TABLE if row.ui == "pages"], ("framework", "server"), "auth")
"""test_browser_pages.py: the pages in the browser under each framework and production server, and with each identity
that a row with pages has."""
PIPELINE_ROWS = [row for row in TABLE if row.ci != "none"]
"""test_ci_files.py, the pipelines' validators: the rows with a CI pipeline."""
PRE_COMMIT_ROWS = covering(PIPELINE_ROWS, "framework", "ci")
"""test_ci_files.py, the pre-commit hooks on a fresh bake: each framework and each pipeline at least once."""
CI_FILE_BAKES = [*product("framework", "database", "ci", "python_version"), *params(TABLE)]
"""test_ci_files.py, the static reading of the CI files: every answer of what they depend on, and every row."""
