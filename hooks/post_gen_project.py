"""Keep the chosen variant of every variant file and save the answers.

A file that exists in several variants is named ``<stem>__<tag><suffix>``, for
instance ``app__fastapi.py`` or ``LICENSE__mit``.  The tag of an answer is its
value in lower case with everything but letters and digits removed
(``Apache-2.0`` gives ``apache20``).  The variant whose tag belongs to the
answers is renamed to ``<stem><suffix>``; every other variant is deleted.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterable, Mapping
from pathlib import Path

VARIANT_ANSWERS = ("framework", "database", "license", "__server")
VARIANT_NAME = re.compile(r"^(?P<stem>[A-Za-z0-9][\w.-]*?)__(?P<tag>[a-z0-9]+)(?P<suffix>\.[\w.]+)?$")
OPTIONAL_PATHS: dict[str, tuple[str, object]] = {
    "Dockerfile": ("docker", True),
    ".dockerignore": ("docker", True),
    "compose.yaml": ("docker", True),
    ".github": ("ci", "github"),
    ".gitlab-ci.yml": ("ci", "gitlab"),
}
"""The manifest of optional files and folders: each is kept only when the answer named beside it has that value."""
UNSAVED_KEYS = ("_output_dir", "_repo_dir", "_checkout")
"""Machine-local paths, which would make the saved answers differ from one checkout to another."""


def variant_tag(value: str) -> str:
    """Turn an answer such as ``Apache-2.0`` into the file-name tag ``apache20``."""
    return re.sub(r"[^a-z0-9]", "", value.lower())


def resolve_variants(root: Path, tags: Iterable[str]) -> list[Path]:
    """Rename the chosen variants under ``root``, delete the others, return the kept paths."""
    chosen = set(tags)
    kept = []
    for path in sorted(root.rglob("*")):
        match = VARIANT_NAME.match(path.name)
        if not path.is_file() or match is None:
            continue
        if match["tag"] in chosen:
            target = path.with_name(match["stem"] + (match["suffix"] or ""))
            path.rename(target)
            kept.append(target)
        else:
            path.unlink()
    return kept


def remove_unwanted(root: Path, answers: Mapping[str, object]) -> None:
    """Delete the optional files and folders whose answer asks for them not to be there."""
    for relative, (key, wanted) in OPTIONAL_PATHS.items():
        path = root / relative
        if answers[key] == wanted or not path.exists():
            continue
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink()


def saved_answers(context: Mapping[str, object]) -> dict[str, object]:
    """The answers in the shape of a cookiecutter replay file, without machine-local paths."""
    return {"cookiecutter": {key: value for key, value in context.items() if key not in UNSAVED_KEYS}}


def main() -> None:
    context = json.loads(r"""{{ cookiecutter | tojson }}""")
    root = Path.cwd()
    resolve_variants(root, (variant_tag(str(context[key])) for key in VARIANT_ANSWERS))
    remove_unwanted(root, context)
    answers_file = root / ".cookiecutter.json"
    answers_file.write_text(json.dumps(saved_answers(context), indent=2, sort_keys=True) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
