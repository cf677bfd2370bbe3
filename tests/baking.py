"""Baking a project with pytest-cookies and reading it back; the hostile answers and what a bake must look like."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

# Answers that break naive templates: quotes, apostrophes, backslashes, non-ASCII text, the longest name allowed.
QUOTED_NAME = 'Bob\'s "Best" API'
BACKSLASHED_DESCRIPTION = "C:\\path\\to\\thing and \"quotes\" and 'apostrophes'"
TRIPLE_QUOTED_DESCRIPTION = '"""Docstring""" breaker, 🚀 and a trailing backslash \\'
NON_ASCII_NAME = "Café Ωmega API"
NON_ASCII_AUTHOR = {"author_name": "Zoë O'Brien-Ñúñez", "author_email": "zoe.o'brien@example.com"}
LONG_NAME = "Zoë's «Ωmega» API — “quoted”, 'apostrophed' & (parenthesised) edition: v2 !!!!!!"
"""80 characters, the most allowed; its punctuation keeps the derived slug within 64."""
HOSTILE_ANSWERS: dict[str, dict[str, str]] = {
    "non-ascii-name": {"project_name": NON_ASCII_NAME},
    "quotes-in-name": {"project_name": QUOTED_NAME},
    "backslashes-in-description": {"description": BACKSLASHED_DESCRIPTION},
    "triple-quotes-in-description": {"description": TRIPLE_QUOTED_DESCRIPTION},
    "non-ascii-author": NON_ASCII_AUTHOR,
    "80-character-name": {"project_name": LONG_NAME},
}
"""Each hostile answer by name; every one is also baked in full by a row of ``combinations.TABLE``."""

JINJA_RESIDUE = re.compile(r"(?<!\$)\{\{|\{%|\{#|(?<![\w.])cookiecutter\.\w")
"""Jinja markers left in a baked file; ``${{`` opens a GitHub Actions expression, which a workflow may contain."""

# The generated package's layout, relative to src/<package>/: the one place to change when the layout changes.
VARIANT_MODULES = (
    "app.py",
    "serve.py",
    "core/database.py",
    "core/counting.py",
    "web/handlers.py",
    "web/middleware.py",
    "web/docs.py",
    "web/metrics.py",
    "web/compat.py",
    "web/conditional.py",
    "web/rate_limiting.py",
    "web/idempotent.py",
    "web/answers.py",
    "health/routes.py",
    "items/service.py",
    "items/routes.py",
    "auth/guard.py",
    "auth/routes.py",
    "auth/forms.py",
    "mail/sender.py",
    "mail/delivery.py",
    "pages/routes.py",
    "pages/visitors.py",
    "pages/accounts/routes.py",
    "pages/provider/routes.py",
    "pages/signing_in.py",
)
"""Modules that the template holds once per variant (``name__fastapi.py``, ``name__flask.py``, ``serve__granian.py``
...), of which the post-generation hook keeps the chosen one."""
ACCOUNTS_ONLY = ("auth/forms.py", "mail/sender.py", "mail/delivery.py", "pages/accounts/routes.py")
"""Variant modules of a package that only bakes with accounts have."""
OIDC_ONLY = ("pages/provider/routes.py",)
"""Variant modules of a package that only bakes with OpenID Connect have."""
PAGES_ONLY = (
    "pages/routes.py",
    "pages/visitors.py",
    "pages/accounts/routes.py",
    "pages/provider/routes.py",
    "pages/signing_in.py",
)
"""Variant modules that only bakes with pages have."""
IDENTITY_ONLY = ("auth/routes.py", "pages/signing_in.py")
"""Variant modules that only bakes with an identity (accounts or OpenID Connect) have: an open API has no routes of
its own for it, nor a sign-in to its pages."""
RENDERED_BY_FRAMEWORK = ("settings.py", "features.py")
"""Modules that the template holds once, whose rendered text differs by framework."""


def bake(cookies: Any, answers: Mapping[str, object]) -> Path:
    """Bake with these answers, fail unless generation succeeded, and return the project folder."""
    result = cookies.bake(extra_context=dict(answers))
    assert result.exit_code == 0, result.exception
    assert result.exception is None
    project: Path = result.project_path
    return project


def saved_answers(project: Path) -> dict[str, Any]:
    """The answers the post-generation hook saved in the project's ``.cookiecutter.json``."""
    answers: dict[str, Any] = json.loads((project / ".cookiecutter.json").read_text(encoding="utf-8"))["cookiecutter"]
    return answers


def files(project: Path) -> dict[str, bytes]:
    """Every file of a baked project and its content, leaving out environments and bytecode that tools add."""
    return {
        path.relative_to(project).as_posix(): path.read_bytes()
        for path in project.rglob("*")
        if path.is_file() and ".venv" not in path.parts and "__pycache__" not in path.parts
    }
