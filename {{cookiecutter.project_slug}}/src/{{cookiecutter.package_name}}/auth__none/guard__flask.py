"""The current principal for Flask: always the one principal of an open API."""

from typing import Any

from flask_openapi.blueprint import APIBlueprint

from ..core.principals import Principal
from ..web import guarding
from ..web.guarding import current_principal as current_principal
from . import EVERYONE


def token_subject() -> str | None:
    """An open API knows no caller by a token: the rate limits count each by its address."""
    return None


def authenticate() -> Principal:
    return EVERYONE


def guarded_blueprint(name: str, import_name: str, **options: Any) -> APIBlueprint:
    """A blueprint like any other, whose every caller is the one principal."""
    return guarding.guarded_blueprint(name, import_name, authenticate, security=[], responses={}, **options)
