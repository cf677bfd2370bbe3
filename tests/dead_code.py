"""Code that nothing in a bake uses, found by vulture over its package, its tests and its migrations."""

from __future__ import annotations

from pathlib import Path

from vulture import Vulture

CALLED_BY_THEIR_DECORATOR = [
    *("@*.get", "@*.post", "@*.patch", "@*.delete", "@*.put", "@*.route"),
    *("@field_validator", "@model_validator"),
    *("@*.listens_for", "@*.connect", "@*.task", "@*.record_once", "@*.before_request", "@*.after_request"),
    "@*.exception_handler",
    "@pytest.fixture",
]
"""Functions that a decorator hands to their caller: routes, validators, event handlers, tasks and fixtures."""
READ_BY_NAME = {"schemas.py", "models.py", "problems.py"}
"""Modules of Pydantic and SQLAlchemy models, whose fields are read by name when a body or a row is made."""
ALLOWED = {
    "prepare": "logging.handlers.QueueHandler.prepare, which the handler calls for each record",
    "msg": "a log record's attribute, which prepare sets for the thread that writes it",
    "args": "a log record's attribute, which prepare sets for the thread that writes it",
    "message": "a log record's attribute, which prepare sets for the thread that writes it",
    "process_result_value": "the hook of SQLAlchemy's TypeDecorator, which SQLAlchemy calls for each value read",
    "Tracer": "named in quoted annotations, which vulture does not read",
    "openapi_version": "read by flask-openapi when it writes the OpenAPI document",
    "request_class": "read by Flask to make each request",
    "MEMBER": "the role that the access rules tell from an admin's, which an open API gives no one",
    "with_sessions": "how a feature's own periodic task runs on the worker's sessions, as the mail's delivery does",
    "load_config": "the hook of gunicorn's BaseApplication that reads its configuration",
    "load": "the hook of gunicorn's BaseApplication that makes the application",
    "threads": "read by granian and gunicorn; with uvicorn, which runs one event loop a worker, it is left unread",
    "take_back": "a counter's step back, which the sign-in throttle takes after a success; the rate limits never do",
}
"""Names vulture reports that are used all the same, each with who uses it."""


def unused_code(project: Path) -> list[str]:
    """Each module, class, function and variable of the package that nothing in the project uses."""
    vulture = Vulture(ignore_decorators=CALLED_BY_THEIR_DECORATOR, ignore_names=list(ALLOWED))
    vulture.scavenge([str(project / folder) for folder in ("src", "tests", "migrations")])
    return [
        f"{Path(item.filename).relative_to(project)}:{item.first_lineno}: {item.typ} {item.name}"
        for item in vulture.get_unused_code(min_confidence=60)
        if Path(item.filename).is_relative_to(project / "src")
        and not (item.typ == "variable" and Path(item.filename).name in READ_BY_NAME)
    ]
