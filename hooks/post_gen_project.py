"""Keep the chosen variant of every variant file and save the answers.

A file that exists in several variants is named ``<stem>__<tag><suffix>``, for
instance ``app__fastapi.py`` or ``LICENSE__mit``, or with two tags when it differs by two answers
(``visitors__accounts__fastapi.py``).  The tag of an answer is its
value in lower case with everything but letters and digits removed
(``Apache-2.0`` gives ``apache20``).  The variant whose tag belongs to the
answers is renamed to ``<stem><suffix>``; every other variant is deleted.

Cookiecutter starts a Python process for this hook on every bake, so it imports only what the default answers need
(``os``, not ``pathlib`` and ``shutil``): each module more is time that every user waits.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Mapping

VARIANT_ANSWERS = ("framework", "database", "license", "__server", "auth")
VARIANT_NAME = re.compile(r"^(?P<stem>[A-Za-z0-9][\w.-]*?)__(?P<tag>[a-z0-9]+)(?P<suffix>\.[\w.]+)?$")
OPTIONAL_PATHS: dict[str, dict[str, tuple[object, ...]]] = {
    "Dockerfile": {"docker": (True,)},
    ".dockerignore": {"docker": (True,)},
    "compose.yaml": {"docker": (True,)},
    "deploy": {"docker": (True,)},
    "deploy/kubernetes": {"database": ("postgresql",)},
    "deploy/kubernetes/base/worker.yaml": {"jobs": ("celery",)},
    "deploy/kubernetes/base/beat.yaml": {"jobs": ("celery",)},
    ".github": {"ci": ("github",)},
    ".gitlab-ci.yml": {"ci": ("gitlab",)},
    "migrations/versions/0003_create_accounts.py": {"auth": ("accounts",)},
    "migrations/versions/0004_create_jobs.py": {"jobs": ("celery",)},
    "migrations/versions/0005_account_links_and_mail.py": {"auth": ("accounts",)},
    "src/{package_name}/jobs": {"jobs": ("celery",)},
    "src/{package_name}/exports": {"jobs": ("celery",)},
    "tests/jobs.py": {"jobs": ("celery",)},
    "tests/counting_job.py": {"jobs": ("celery",)},
    "tests/test_exports.py": {"jobs": ("celery",)},
    "tests/test_jobs.py": {"jobs": ("celery",)},
    "tests/test_job_workers.py": {"jobs": ("celery",)},
    "tests/test_job_traces.py": {"jobs": ("celery",)},
    "tests/worker.py": {"jobs": ("celery",)},
    "src/{package_name}/core/access.py": {"auth": ("accounts", "oidc")},
    "src/{package_name}/mail": {"auth": ("accounts",)},
    "docs/identity.md": {"auth": ("accounts", "oidc")},
    "docs/jobs.md": {"jobs": ("celery",)},
    "src/{package_name}/mail/tasks.py": {"jobs": ("celery",)},
    "tests/test_accounts.py": {"auth": ("accounts",)},
    "tests/test_account_deletion.py": {"auth": ("accounts",)},
    "tests/test_account_mail.py": {"auth": ("accounts",)},
    "tests/mail.py": {"auth": ("accounts",)},
    "tests/test_throttling.py": {"auth": ("accounts",)},
    "tests/test_oidc.py": {"auth": ("oidc",)},
    "tests/test_ownership.py": {"auth": ("accounts", "oidc")},
    "tests/test_job_ownership.py": {"auth": ("accounts", "oidc"), "jobs": ("celery",)},
    "tests/test_job_clean_ups.py": {"auth": ("accounts",), "jobs": ("celery",)},
    "tests/issuer.py": {"auth": ("oidc",)},
    "src/{package_name}/pages": {"ui": ("pages",)},
    "src/{package_name}/pages/accounts": {"auth": ("accounts",)},
    "src/{package_name}/pages/templates/account": {"auth": ("accounts",)},
    "migrations/versions/0007_create_page_sessions.py": {"auth": ("accounts",), "ui": ("pages",)},
    "docs/pages.md": {"ui": ("pages",)},
    "tests/pages.py": {"ui": ("pages",)},
    "docs/pages.png": {"ui": ("pages",)},
    "tests/test_pages.py": {"ui": ("pages",)},
    "tests/test_page_accounts.py": {"auth": ("accounts",), "ui": ("pages",)},
}
"""The manifest of optional files and folders (``{package_name}`` stands for the package's folder): each is kept
only when every answer named beside it has one of the values given."""
ALTERNATIVE_PATHS: dict[str, tuple[str, dict[str, tuple[object, ...]]]] = {
    "src/{package_name}/mail/sender.py": ("src/{package_name}/mail/sender_on_worker.py", {"jobs": ("celery",)}),
}
"""Files with a second version for some answers: where every answer named beside it has one of the values given, the
second version takes the first one's place; elsewhere the second version is deleted."""
UNSAVED_KEYS = ("_output_dir", "_repo_dir", "_checkout", "_copy_without_render")
"""Machine-local paths, which would make the saved answers differ from one checkout to another, and the template's
list of files it copies as they are (a speed-up, not an answer: a replay takes it from cookiecutter.json)."""


def variant_tag(value: str) -> str:
    """Turn an answer such as ``Apache-2.0`` into the file-name tag ``apache20``."""
    return re.sub(r"[^a-z0-9]", "", value.lower())


def resolve_variants(root: str | os.PathLike[str], tags: Iterable[str]) -> list[str]:
    """Rename the chosen variants under ``root``, files and folders alike, delete the others, return the kept paths."""
    chosen = set(tags)
    kept = []
    for folder, subfolders, names in os.walk(root):
        for name, is_folder in [*((name, True) for name in subfolders), *((name, False) for name in names)]:
            if VARIANT_NAME.match(name) is None:
                continue
            if is_folder:
                subfolders.remove(name)
            target = chosen_name(name, chosen)
            if target is None:
                if is_folder:
                    remove_folder(os.path.join(folder, name))
                else:
                    os.remove(os.path.join(folder, name))
                continue
            os.rename(os.path.join(folder, name), os.path.join(folder, target))
            kept.append(os.path.join(folder, target))
            if is_folder:
                subfolders.append(target)  # walked under its new name
    return sorted(kept)


def chosen_name(name: str, chosen: set[str]) -> str | None:
    """The name a variant is kept under, or ``None`` when it is not chosen. A name may carry two tags, the answer of
    a folder's variants and the framework (``visitors__accounts__fastapi.py``): it is kept when both are chosen."""
    while (match := VARIANT_NAME.match(name)) is not None:
        if match["tag"] not in chosen:
            return None
        name = match["stem"] + (match["suffix"] or "")
    return name


def remove_folder(path: str) -> None:
    """Delete a folder and everything in it (``shutil`` would cost every bake its import)."""
    for folder, subfolders, names in os.walk(path, topdown=False):
        for name in names:
            os.remove(os.path.join(folder, name))
        for name in subfolders:
            os.rmdir(os.path.join(folder, name))
    os.rmdir(path)


def remove_unwanted(root: str | os.PathLike[str], answers: Mapping[str, object]) -> None:
    """Delete the optional files and folders whose answer asks for them not to be there."""
    for relative, conditions in OPTIONAL_PATHS.items():
        path = os.path.join(root, relative.format(package_name=answers["package_name"]))
        if all(answers[key] in wanted for key, wanted in conditions.items()) or not os.path.lexists(path):
            continue
        if os.path.isdir(path):
            remove_folder(path)
        else:
            os.remove(path)


def choose_alternatives(root: str | os.PathLike[str], answers: Mapping[str, object]) -> None:
    """Put the second version of each file with one in the first one's place where the answers ask for it."""
    for first, (second, conditions) in ALTERNATIVE_PATHS.items():
        first_path, second_path = (
            os.path.join(root, relative.format(package_name=answers["package_name"])) for relative in (first, second)
        )
        if not os.path.lexists(second_path):
            continue
        if all(answers[key] in wanted for key, wanted in conditions.items()):
            os.replace(second_path, first_path)
        else:
            os.remove(second_path)


def saved_answers(context: Mapping[str, object]) -> dict[str, object]:
    """The answers in the shape of a cookiecutter replay file, without machine-local paths."""
    return {"cookiecutter": {key: value for key, value in context.items() if key not in UNSAVED_KEYS}}


def main() -> None:
    context = json.loads(r"""{{ cookiecutter | tojson }}""")
    root = os.getcwd()
    resolve_variants(root, (variant_tag(str(context[key])) for key in VARIANT_ANSWERS))
    choose_alternatives(root, context)
    remove_unwanted(root, context)
    with open(os.path.join(root, ".cookiecutter.json"), "w", encoding="utf-8") as answers_file:
        answers_file.write(json.dumps(saved_answers(context), indent=2, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
