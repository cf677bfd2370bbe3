"""The current principal for Flask: always the one principal of an open API."""

from typing import Any

from flask_openapi3.blueprint import APIBlueprint

from ..core.principals import Principal
from . import EVERYONE

SECURITY_SCHEMES: dict[str, Any] = {}
"""An open API declares no security scheme."""
GUARDED_RESPONSES: dict[int | str, dict[str, Any]] = {}
"""An open API answers no request with 401."""


def current_principal() -> Principal:
    return EVERYONE


def guarded_blueprint(name: str, import_name: str, **options: Any) -> APIBlueprint:
    """A blueprint like any other: an open API guards nothing."""
    return APIBlueprint(name, import_name, **options)
