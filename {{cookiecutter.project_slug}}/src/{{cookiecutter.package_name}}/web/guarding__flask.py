"""Guarded blueprints: every view runs for an authenticated principal, whom ``current_principal`` then returns.

The principal is found in a hook that runs before the blueprint's views, since flask-openapi validates a request
before its view runs: an anonymous request gets 401 before its parameters are checked, and after its body was found
readable JSON.
"""

from collections.abc import Callable
from typing import Any

from flask import g
from flask_openapi.blueprint import APIBlueprint

from ..core.principals import Principal


def guarded_blueprint(
    name: str,
    import_name: str,
    authenticate: Callable[[], Principal],
    *,
    security: list[dict[str, list[str]]],
    responses: dict[int | str, Any],
    **options: Any,
) -> APIBlueprint:
    """A blueprint whose every route requires the principal that ``authenticate`` finds, documented so."""
    blueprint = APIBlueprint(name, import_name, abp_security=security, abp_responses={**responses}, **options)

    @blueprint.before_request
    def authenticated() -> None:
        g.principal = authenticate()

    return blueprint


def current_principal() -> Principal:
    """The principal the request was authenticated as."""
    principal: Principal = g.principal
    return principal
