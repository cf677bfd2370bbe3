"""The template's own code (hooks, filters, tests) meets the standard it sets for generated projects."""

from __future__ import annotations

import sys
from pathlib import Path

from .toolchain import run_checked

TEMPLATE = Path(__file__).resolve().parents[1]
# Named, not ".": ruff would read the project's pyproject.toml, which is TOML only once rendered.
PYTHON_SOURCES = ["hooks", "tests", "local_extensions.py", "bench"]


def test_ruff_lint_and_format_are_clean() -> None:
    run_checked([sys.executable, "-m", "ruff", "check", "--no-cache", *PYTHON_SOURCES], TEMPLATE)
    run_checked([sys.executable, "-m", "ruff", "format", "--check", "--no-cache", *PYTHON_SOURCES], TEMPLATE)


def test_mypy_strict_is_clean() -> None:
    run_checked([sys.executable, "-m", "mypy"], TEMPLATE)


def test_bandit_finds_nothing_in_the_code_that_runs_on_users_machines() -> None:
    """The hooks and filters run wherever the template is baked; the tests run only here."""
    run_checked([sys.executable, "-m", "bandit", "--quiet", "--recursive", "hooks", "local_extensions.py"], TEMPLATE)


def test_only_the_list_of_features_chooses_code_with_jinja_blocks() -> None:
    """The package's modules read as ordinary Python: Jinja gives them names and values, and decides nothing, except
    in ``features.py``, where the answers choose the features; whatever else differs by answer is a file of its own."""
    package = TEMPLATE / "{{cookiecutter.project_slug}}" / "src" / "{{cookiecutter.package_name}}"
    with_blocks = {
        str(module.relative_to(package))
        for module in package.rglob("*.py")
        if "{%" in module.read_text(encoding="utf-8")
    }
    assert with_blocks == {"features.py"}
