"""The OAuth 2.0 endpoints' bodies, which are forms, not JSON."""

from collections.abc import Callable
from functools import wraps
from typing import Any, cast, get_type_hints

from flask import Response, abort, current_app, request
from flask_openapi.openapi import OpenAPI
from pydantic import BaseModel, ValidationError

from ..web.compat import TAKES_FORM

DELAYED_VALIDATION = "__delay_validate_request__"
"""The attribute that makes flask-openapi leave a view's request for the view to validate."""


def form_body(view: Callable[..., Response]) -> Callable[..., Response]:
    """Validate the view's ``form`` model against the URL-encoded body as a form is read: every field as the text it
    is, its last value if repeated, and an empty one as absent.

    flask-openapi would parse each field as JSON first: a password such as ``"secret"`` would lose its quotes, and
    ``12345`` would become a number.
    """
    model: type[BaseModel] = get_type_hints(view)["form"]

    @wraps(view)
    def validated(**path: Any) -> Response:
        fields = {name: values[-1] for name, values in request.form.lists() if values[-1] != ""}
        try:
            form = model.model_validate(fields)
        except ValidationError as error:
            abort(cast(OpenAPI, current_app).validation_error_callback(error))
        return view(**path, form=form)

    setattr(validated, DELAYED_VALIDATION, True)
    setattr(validated, TAKES_FORM, True)
    return validated
