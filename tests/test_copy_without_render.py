"""The files that cookiecutter copies instead of rendering (``_copy_without_render`` in cookiecutter.json).

Copying is a speed-up only: it skips Jinja's parsing and compiling of files that hold no Jinja, about half of the
template. A copied file must therefore be byte for byte what rendering it would give, and a pattern that covers no
file any more is a mistake to remove.
"""

from __future__ import annotations

import fnmatch
import json
from pathlib import Path

import pytest
from binaryornot.check import is_binary
from cookiecutter.environment import StrictEnvironment  # type: ignore[import-untyped]

TEMPLATE = Path(__file__).resolve().parents[1]
PROJECT = TEMPLATE / "{{cookiecutter.project_slug}}"
PATTERNS: list[str] = json.loads((TEMPLATE / "cookiecutter.json").read_text(encoding="utf-8"))["_copy_without_render"]
JINJA_MARKERS = ("{{", "{%", "{#")
PAGE_TEMPLATES = "src/{{cookiecutter.package_name}}/pages/templates/"
"""The pages' own Jinja templates, which the generated project renders: copied as they are because they hold Jinja,
which cookiecutter would otherwise render."""


def covered(pattern: str) -> list[Path]:
    """The template files a pattern covers, matched as cookiecutter matches them.

    Cookiecutter matches each folder and file path relative to the project folder with ``fnmatch`` (whose ``*``
    also matches ``/``); a folder that matches is copied with everything in it.
    """
    files = []
    for path in sorted(PROJECT.rglob("*")):
        if fnmatch.fnmatch(path.relative_to(PROJECT).as_posix(), pattern):
            files += [path] if path.is_file() else sorted(inner for inner in path.rglob("*") if inner.is_file())
    return files


@pytest.mark.parametrize("pattern", PATTERNS)
def test_every_pattern_covers_files(pattern: str) -> None:
    assert covered(pattern), f"{pattern!r} in _copy_without_render covers no file of the template: remove it"


COPIED = sorted({path for pattern in PATTERNS for path in covered(pattern)})


@pytest.mark.parametrize("path", COPIED, ids=[path.relative_to(PROJECT).as_posix() for path in COPIED])
def test_a_copied_file_is_what_rendering_would_give(path: Path) -> None:
    if is_binary(str(path)):
        return  # cookiecutter copies binary files without rendering anyway
    text = path.read_bytes().decode("utf-8")
    relative = path.relative_to(PROJECT).as_posix()
    if relative.startswith(PAGE_TEMPLATES) and path.suffix == ".html":
        assert "cookiecutter." not in text, f"{relative} is copied as it is: the project's Jinja cannot name answers"
        return
    markers = [marker for marker in JINJA_MARKERS if marker in text]
    assert markers == [], (
        f"{relative} holds Jinja ({', '.join(markers)}) but _copy_without_render copies it as it is:"
        " remove its pattern from cookiecutter.json (or, for a folder, list its other files one by one)"
    )
    rendered = StrictEnvironment(keep_trailing_newline=True).from_string(text).render()
    assert rendered == text, f"{relative} would render differently (its line endings?) from the copy"
