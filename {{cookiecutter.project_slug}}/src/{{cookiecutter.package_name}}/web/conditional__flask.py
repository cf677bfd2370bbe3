"""Conditional requests on Flask: the precondition of a change."""

from flask import current_app

from ..settings import Settings
from .etags import IfMatch, Precondition


def change_precondition(header: IfMatch) -> Precondition:
    """The change's If-Match header, which the settings may require."""
    settings: Settings = current_app.extensions["settings"]
    return header.precondition(required=settings.require_if_match)
