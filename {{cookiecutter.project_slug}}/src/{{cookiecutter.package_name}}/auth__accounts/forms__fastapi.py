"""The OAuth 2.0 endpoints' bodies, which are forms, not JSON."""

from fastapi import Depends, HTTPException, Request

from ..web.limits import is_form_content_type


def require_form(request: Request) -> None:
    """Answer 415 to a form route's body that is not a form: Starlette reads no body of another type, and hands the
    route an empty form instead."""
    if not is_form_content_type(request.headers.get("content-type")):
        raise HTTPException(415)


FormOnly = Depends(require_form)
"""The dependency that a route whose body is a form declares."""
