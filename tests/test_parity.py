"""The two frameworks give the same project: the same shared files and the same API contract."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from .baking import RENDERED_BY_FRAMEWORK, VARIANT_MODULES, files
from .toolchain import Environments, run_checked

FRAMEWORKS = ("fastapi", "flask")
FRAMEWORK_FILES = {
    "pyproject.toml",
    "README.md",
    "Makefile",
    ".cookiecutter.json",
    ".env.example",
    "tests/conftest.py",
    "tests/mail.py",
    *(f"src/my_service/{module}" for module in (*VARIANT_MODULES, *RENDERED_BY_FRAMEWORK)),
    "docs/deployment.md",
    "docs/development.md",
    "src/my_service/auth/service.py",
    "src/my_service/auth/attempts.py",
}
"""The files that differ between the frameworks' default bakes, the accounts' service and counters among them."""
FLASK_ONLY_FILES = {"src/my_service/web/guarding.py"}
"""Flask's guarded blueprints, which FastAPI's dependencies make unnecessary."""
DUMP_OPENAPI = """
import json
from my_service.app import create_app
from my_service.settings import Settings

app = create_app(Settings(database_url="sqlite://"))
document = app.api_doc if hasattr(app, "api_doc") else app.openapi()
print(json.dumps(document))
"""
# What the two generators may spell differently without changing the contract, and so is not compared:
# - operation ids, summaries and descriptions (each framework derives them its own way);
# - "title" keys of schemas and properties, and the "examples" of a parameter (FastAPI repeats them, flask-openapi
#   does not);
# - components that flask-openapi adds for its request models, whose fields FastAPI lists as parameters
#   (ItemPath, ItemListQuery, UserPath, PageQuery); the parameters themselves are compared.
OAUTH2_PASSWORD_FLOW = {"type": "oauth2", "flows": {"password": {"scopes": {}, "tokenUrl": "/api/v1/auth/token"}}}
"""How the default bake (accounts) declares its tokens, which Swagger UI's "Authorize" uses."""
LEGITIMATELY_DIFFERENT_KEYS = {"operationId", "summary", "description", "title", "examples"}
REQUEST_MODEL_COMPONENTS = {"ItemPath", "ItemListQuery", "UserPath", "PageQuery"}


AUTHS = ("accounts", "oidc", "none")
SECURITY_SCHEMES: dict[str, Any] = {
    "accounts": {"OAuth2": OAUTH2_PASSWORD_FLOW},
    "oidc": {
        "OpenIDConnect": {
            "type": "openIdConnect",
            "openIdConnectUrl": "http://localhost:8080/realms/my_service/.well-known/openid-configuration",
        }
    },
    "none": None,
}
"""How each identity declares its tokens: the password flow for Swagger UI's "Authorize", the provider's discovery
URL from the settings, or nothing at all."""


def bake_both(cookies_session: Any, **answers: str) -> dict[str, Path]:
    projects = {}
    for framework in FRAMEWORKS:
        result = cookies_session.bake(
            extra_context={"framework": framework, **answers}, template=str(Path(__file__).parents[1])
        )
        assert result.exit_code == 0, result.exception
        projects[framework] = result.project_path
    return projects


@pytest.fixture(scope="module")
def bakes(cookies_session: Any) -> dict[str, Path]:
    return bake_both(cookies_session)


def test_shared_files_are_byte_identical(bakes: dict[str, Path]) -> None:
    fastapi, flask = (files(bakes[framework]) for framework in FRAMEWORKS)

    assert fastapi.keys() == flask.keys() - FLASK_ONLY_FILES
    flask = {name: content for name, content in flask.items() if name not in FLASK_ONLY_FILES}
    differing = {name for name in fastapi if fastapi[name] != flask[name]}
    assert differing == FRAMEWORK_FILES


def without_spelling(node: Any) -> Any:
    """The document without the keys that each generator legitimately spells its own way."""
    if isinstance(node, dict):
        return {key: without_spelling(value) for key, value in node.items() if key not in LEGITIMATELY_DIFFERENT_KEYS}
    if isinstance(node, list):
        return [without_spelling(value) for value in node]
    return node


def contract(document: dict[str, Any]) -> dict[str, Any]:
    """Paths, methods, parameters, request bodies, responses, security and component schemas of an OpenAPI
    document."""
    schemas = document["components"]["schemas"]
    compared: dict[str, Any] = without_spelling(
        {
            "openapi": document["openapi"],
            "paths": {
                path: {
                    method: {
                        "parameters": sorted(operation.get("parameters", []), key=lambda parameter: parameter["name"]),
                        "requestBody": operation.get("requestBody"),
                        "responses": operation["responses"],
                        "security": operation.get("security"),
                        "tags": operation.get("tags"),
                    }
                    for method, operation in path_item.items()
                }
                for path, path_item in document["paths"].items()
            },
            "schemas": {name: schema for name, schema in schemas.items() if name not in REQUEST_MODEL_COMPONENTS},
            "securitySchemes": document["components"].get("securitySchemes"),
        }
    )
    return compared


@pytest.mark.slow
@pytest.mark.parametrize(("auth", "jobs"), [*((auth, "none") for auth in AUTHS), ("accounts", "celery")])
def test_both_frameworks_document_the_same_contract(
    cookies_session: Any, environments: Environments, auth: str, jobs: str
) -> None:
    documents = {}
    for framework, project in bake_both(cookies_session, auth=auth, jobs=jobs).items():
        python = environments.sync(project, framework, "3.11")
        documents[framework] = json.loads(run_checked([python, "-c", DUMP_OPENAPI], project))

    fastapi, flask = (contract(documents[framework]) for framework in FRAMEWORKS)

    assert fastapi["openapi"].startswith("3.1")
    assert flask["openapi"].startswith("3.1")
    assert fastapi["paths"] == flask["paths"]
    assert fastapi["schemas"] == flask["schemas"]
    assert fastapi["securitySchemes"] == flask["securitySchemes"] == SECURITY_SCHEMES[auth]
