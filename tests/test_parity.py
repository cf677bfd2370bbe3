"""The two frameworks give the same project: the same shared files and the same API contract."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from .baking import PAGES_ONLY, RENDERED_BY_FRAMEWORK, VARIANT_MODULES, files
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
    *(f"src/my_service/{module}" for module in (*VARIANT_MODULES, *RENDERED_BY_FRAMEWORK) if module not in PAGES_ONLY),
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
RENDER_PAGES = """
import json
import re
import sys
import tempfile
from pathlib import Path

from sqlalchemy import create_engine

from my_service.app import create_app
from my_service.core.models import Base
from my_service.settings import Settings

url = f"sqlite:///{Path(tempfile.mkdtemp()) / 'pages.db'}"
engine = create_engine(url)
Base.metadata.create_all(engine)
engine.dispose()
provider = Path("tests/issuer.py").exists()
if provider:
    from urllib.parse import urlsplit

    import httpx2

    from my_service.auth.settings import SERVICE
    from my_service.pages.provider import CALLBACK_URL
    from tests.auth import ISSUER
    from tests.issuer import Client

    # The tests' issuer, over real HTTP, with the callback of either test client registered.
    ISSUER.start()
    callbacks = {f"http://{host}{CALLBACK_URL}" for host in ("localhost", "testserver")}
    ISSUER.clients[SERVICE] = Client(redirect_uris=callbacks)
    ISSUER.user = "member-1"
    ISSUER.user_claims = {"name": "Ada Lovelace"}
app = create_app(Settings(database_url=url, log_level="WARNING", **({"oidc_issuer": ISSUER.url} if provider else {})))
if hasattr(app, "test_client"):
    client = app.test_client()
else:
    from starlette.testclient import TestClient

    client = TestClient(app, follow_redirects=False).__enter__()
accounts = not provider and client.get("/sign-in").status_code == 200
pages = {}


def form_token(url):
    return re.search('name="csrf_token" value="([0-9a-f]+)"', client.get(url).text)[1]


if accounts:
    pages["signed out"] = client.get("/items")
    for name, url in [
        ("sign up", "/sign-up"),
        ("sign in", "/sign-in?next=/items/new"),
        ("reset", "/reset-password"),
        ("new password", "/reset-password?token=abc"),
        ("verify", "/verify-email?token=abc"),
        ("new link", "/verify-email"),
    ]:
        pages[name] = client.get(url)
    pages["invalid sign-up"] = client.post("/sign-up", data={"csrf_token": form_token("/sign-up"), "email": "ada"})
    pages["used link"] = client.post("/verify-email", data={"csrf_token": form_token("/verify-email"), "token": "t"})
    password = {"email": "ada@example.com", "password": "correct horse battery staple"}
    client.post("/sign-up", data={"csrf_token": form_token("/sign-up"), **password})
    pages["wrong password"] = client.post(
        "/sign-in", data={"csrf_token": form_token("/sign-in"), **password, "password": "not the password"}
    )
    client.post("/sign-in", data={"csrf_token": form_token("/sign-in"), **password})
    pages["account"] = client.get("/account")
    pages["deletion"] = client.get("/account/delete")
    change = {"current_password": "wrong", "new_password": "a new passphrase here"}
    pages["wrong current password"] = client.post(
        "/account/password", data={"csrf_token": form_token("/account"), **change}
    )
    item = {"name": "Widget", "description": "<b>Small</b>", "quantity": "3"}
    client.post("/items", data={"csrf_token": form_token("/items/new"), **item})
elif provider:
    pages["signed out"] = client.get("/items")
    pages["sign in"] = client.get("/sign-in?next=/items/new")
    at_provider = httpx2.get(client.get("/sign-in/provider").headers["location"], follow_redirects=False)
    back = urlsplit(at_provider.headers["location"])
    pages["signed in"] = client.get(f"{back.path}?{back.query}")
    pages["account"] = client.get("/account")
    item = {"name": "Widget", "description": "<b>Small</b>", "quantity": "3"}
    client.post("/items", data={"csrf_token": form_token("/items/new"), **item})
else:
    client.post("/api/v1/items", json={"name": "Widget", "description": "<b>Small</b>", "quantity": 3})
token = form_token("/items/new")
pages |= {
    "list": client.get("/items"),
    "search": client.get("/items?q=Wid&limit=1"),
    "live search": client.get("/items?q=Wid", headers={"HX-Request": "true"}),
    "new": client.get("/items/new"),
    "item": client.get("/items/1"),
    "edit": client.get("/items/1/edit"),
    "delete": client.get("/items/1/delete"),
    "invalid": client.post("/items", data={"csrf_token": token, "name": "", "quantity": "x"}),
    "taken": client.post("/items", data={"csrf_token": token, "name": "Widget"}),
    "changed meanwhile": client.post("/items/1/edit", data={"csrf_token": token, "version": "0" * 16, "name": "G"}),
    "forbidden": client.post("/items", data={"name": "Widget"}),
    "missing": client.get("/items/2"),
    "not found": client.get("/nowhere", headers={"Accept": "text/html"}),
    "not allowed": client.put("/items", headers={"Accept": "text/html"}),
}
print(json.dumps({name: [response.status_code, response.text] for name, response in pages.items()}))
if provider:
    ISSUER.stop()
"""
NORMALISED = {
    r'(?<=csrf_token" value=")[0-9a-f]{64}|(?<=X-CSRF-Token": ")[0-9a-f]{64}': "TOKEN",
    r"<code>[0-9a-f]{32}</code>": "<code>REQUEST-ID</code>",
    r'(?<=name="version" value=")[0-9a-f]{16}': "VERSION",
    r'<time datetime="[^"]+">[^<]+</time>': "<time>TIME</time>",
}
"""What differs between two renderings of a page on any framework: the browser's token, the request id, the item's
version (random, as its entity tag), the time."""
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


def normalised(html: str) -> str:
    for pattern, replacement in NORMALISED.items():
        html = re.sub(pattern, replacement, html)
    return html


def test_the_pages_templates_and_static_files_have_no_variants() -> None:
    """The pages' templates and static files are single files of the template: both frameworks get them as they are."""
    pages = (
        Path(__file__).parents[1] / "{{cookiecutter.project_slug}}" / "src" / "{{cookiecutter.package_name}}" / "pages"
    )
    shared = [path for folder in ("templates", "static") for path in (pages / folder).rglob("*") if path.is_file()]
    assert shared
    assert [path.name for path in shared if "__" in path.name] == []


@pytest.mark.slow
@pytest.mark.parametrize(
    ("auth", "jobs", "ui"),
    [*((auth, "none", "pages") for auth in AUTHS), ("accounts", "celery", "none")],
)
def test_both_frameworks_document_the_same_contract(
    cookies_session: Any, environments: Environments, auth: str, jobs: str, ui: str
) -> None:
    documents = {}
    pages = {}
    for framework, project in bake_both(cookies_session, auth=auth, jobs=jobs, ui=ui).items():
        python = environments.sync(project, framework, "3.11")
        documents[framework] = json.loads(run_checked([python, "-c", DUMP_OPENAPI], project))
        if ui == "pages":
            rendered = json.loads(run_checked([python, "-c", RENDER_PAGES], project))
            pages[framework] = {name: (status, normalised(html)) for name, (status, html) in rendered.items()}

    fastapi, flask = (contract(documents[framework]) for framework in FRAMEWORKS)

    assert fastapi["openapi"].startswith("3.1")
    assert flask["openapi"].startswith("3.1")
    assert fastapi["paths"] == flask["paths"]
    assert fastapi["schemas"] == flask["schemas"]
    assert fastapi["securitySchemes"] == flask["securitySchemes"] == SECURITY_SCHEMES[auth]
    # The pages stay out of the API's contract, and render the same HTML on both frameworks.
    assert [path for path in fastapi["paths"] if not path.startswith(("/api/", "/health/"))] == []
    for name in pages.get("fastapi", {}):
        assert pages["fastapi"][name] == pages["flask"][name], name
