"""The features the service is made of, one package each: adding a feature adds it here, and nowhere else.

Each part of a feature is optional. Its ``routes`` module holds ``{{ "routers" if cookiecutter.framework == "fastapi" else "blueprints" }}``, what it serves, and may hold
``init_app(app, settings)``, which prepares the application for it. Its ``commands`` module holds ``COMMANDS``, run as
{%- if cookiecutter.jobs == "celery" %}
``python -m`` the service's package and the command's name. Its ``tasks`` module adds its tasks to the worker, and its
``jobs`` module declares its kinds of background job. Its settings are a class of its ``settings`` module, mixed into
``FeatureSettings`` below.
{%- else %}
``python -m`` the service's package and the command's name. Its settings are a class of its ``settings`` module, mixed
into ``FeatureSettings`` below.
{%- endif %}
"""

import importlib
import importlib.util
from collections.abc import Iterator
from types import ModuleType

{% set settings_classes = ["AuthSettings"] if cookiecutter.auth != "none" else [] -%}
{% set settings_classes = settings_classes + (["JobSettings"] if cookiecutter.jobs == "celery" else []) -%}
{% set settings_classes = settings_classes + (["PageSettings"] if cookiecutter.ui == "pages" else []) -%}
{% set settings_classes = settings_classes + (["PageSessionSettings"] if cookiecutter.ui == "pages" and cookiecutter.auth != "none" else []) -%}
{% set settings_classes = settings_classes + (["SignInSettings"] if cookiecutter.ui == "pages" and cookiecutter.auth == "oidc" else []) -%}
{% if not settings_classes -%}
from pydantic import BaseModel
{% endif -%}
{% if cookiecutter.auth != "none" -%}
from .auth.settings import AuthSettings
{% endif -%}
{% if cookiecutter.jobs == "celery" -%}
from .jobs.settings import JobSettings
{% endif -%}
{% if cookiecutter.ui == "pages" and cookiecutter.auth == "oidc" -%}
from .pages.provider.settings import SignInSettings
{% endif -%}
{% if cookiecutter.ui == "pages" and cookiecutter.auth != "none" -%}
from .pages.sessions import PageSessionSettings
{% endif -%}
{% if cookiecutter.ui == "pages" -%}
from .pages.settings import PageSettings
{% endif %}
FEATURES = [
    "health",
{%- if cookiecutter.auth != "none" %}
    "auth",
{%- endif %}
{%- if cookiecutter.auth == "accounts" %}
    "mail",
{%- endif %}
    "items",
{%- if cookiecutter.jobs == "celery" %}
    "exports",
    "jobs",
{%- endif %}
{%- if cookiecutter.ui == "pages" %}
    "pages",
{%- endif %}
{%- if cookiecutter.ui == "pages" and cookiecutter.auth == "accounts" %}
    "pages.accounts",
{%- endif %}
{%- if cookiecutter.ui == "pages" and cookiecutter.auth == "oidc" %}
    "pages.provider",
{%- endif %}
]
"""Every feature's package, in the order the API document lists their operations."""


class FeatureSettings({{ settings_classes | join(", ") or "BaseModel" }}):
    """The settings of every feature that has some, which the service's ``Settings`` read from the environment."""


def feature_modules(kind: str) -> Iterator[ModuleType]:
    """The ``kind`` module (``routes``, ``commands``{{ ", ``tasks``, ``jobs``" if cookiecutter.jobs == "celery" }}) of every feature that has one, imported."""
    for feature in FEATURES:
        name = f"{__package__}.{feature}.{kind}"
        if importlib.util.find_spec(name) is not None:
            yield importlib.import_module(name)
