"""``package_name`` refuses every import name that a bake's environment installs, as read from real environments."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from .baking import bake
from .reserved_names import (
    BAKES,
    HOOK,
    REGENERATE,
    TEMPLATE,
    accepted,
    bake_names,
    current_block,
    load_hook,
    render_block,
    reservable,
)
from .toolchain import Environments

hook = load_hook()


def test_generated_names_are_as_the_generator_writes_them() -> None:
    """Sorted, one set, inside their markers: a hand edit would be lost at the next regeneration."""
    block = current_block(HOOK.read_text(encoding="utf-8"))
    names = hook.DEPENDENCY_IMPORT_NAMES
    assert block == render_block(names), f"regenerate the list with `{REGENERATE}`"
    assert reservable(names, hook) == sorted(names), "only lower-case identifiers can be answers"


@pytest.mark.parametrize(
    "name", ["starlette", "colorama", "typing_extensions", "psycopg_binary", "opentelemetry", "yaml"]
)
def test_transitive_and_other_platforms_dependencies_are_refused(name: str) -> None:
    """Names that no pyproject.toml of the template lists: dependencies of dependencies, and Windows-only ones."""
    problem = hook.check_package_name(name)
    assert problem is not None
    assert f"must not shadow {name!r}, which the generated project imports" in problem


@pytest.mark.slow
@pytest.mark.parametrize("answers", [pytest.param(answers, id=bake_id) for bake_id, answers in BAKES.items()])
def test_hook_refuses_every_import_name_of_a_bakes_environment(
    cookies: Any, environments: Environments, tmp_path: Path, answers: dict[str, str]
) -> None:
    project = bake(cookies, answers)
    names = bake_names(project, answers, environments, tmp_path)
    assert {"pytest", answers["framework"], "sqlalchemy"} <= names.keys(), "the environment was not read"
    missing = accepted(names, hook)
    shown = "\n".join(f"  {name} (from {', '.join(sorted(dists))})" for name, dists in missing.items())
    assert not missing, (
        f"package_name would take these import names that the bake's environment installs:\n{shown}\n"
        f"Add them to DEPENDENCY_IMPORT_NAMES in {HOOK.relative_to(TEMPLATE)}: run `{REGENERATE}` and commit it."
    )
