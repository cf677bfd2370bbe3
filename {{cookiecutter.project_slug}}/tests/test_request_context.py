"""Every response carries a request id and the security headers; each request is logged once; CORS is opt-in."""

import io
import json
import re
import sys
import threading
from collections.abc import Callable
from typing import Any

import httpx2
import pytest

from {{ cookiecutter.package_name }}.core.logging import flush_logs
from {{ cookiecutter.package_name }}.items import URL as ITEMS
from {{ cookiecutter.package_name }}.items import service as items
from {{ cookiecutter.package_name }}.settings import Settings

from .helpers import assert_problem

ORIGIN = "https://app.example"
SECURITY_HEADERS = ("content-security-policy", "referrer-policy", "x-content-type-options", "x-frame-options")


def written_logs(capsys: pytest.CaptureFixture[str]) -> str:
    """What was logged to stderr since the last call, once the log writer has written it."""
    flush_logs()
    return capsys.readouterr().err


def log_lines(capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    """The JSON log lines written to stderr since the last call."""
    return [json.loads(line) for line in written_logs(capsys).splitlines() if line.startswith("{")]


class ThreadRecordingStream(io.StringIO):
    """A stream that remembers which threads wrote to it."""

    def __init__(self) -> None:
        super().__init__()
        self.writers: set[str] = set()

    def write(self, text: str) -> int:
        self.writers.add(threading.current_thread().name)
        return super().write(text)


@pytest.mark.parametrize("path", ["/health/live", ITEMS, "/nowhere", "/docs", "/docs/assets/swagger-ui.css"])
def test_every_response_has_a_request_id_and_the_security_headers(client: httpx2.Client, path: str) -> None:
    response = client.get(path)

    assert len(response.headers["x-request-id"]) == 32
    for header in SECURITY_HEADERS:
        assert response.headers[header]
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]


def test_a_plain_request_id_is_kept_and_an_odd_one_replaced(client: httpx2.Client) -> None:
    kept = client.get("/health/live", headers={"x-request-id": "trace-42.a:b"})
    odd = "two words\\n" + "x" * 200
    replaced = client.get("/health/live", headers={"x-request-id": odd})
    again = client.get("/health/live", headers={"x-request-id": odd})

    assert kept.headers["x-request-id"] == "trace-42.a:b"
    assert re.fullmatch(r"[0-9a-f]{32}", replaced.headers["x-request-id"])
    assert replaced.headers["x-request-id"] != again.headers["x-request-id"], "not a new id for each request"


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [("GET", "/nowhere", 404), ("POST", ITEMS, 415), ("GET", f"{ITEMS}/abc", 422)],
)
def test_problems_carry_the_request_id(client: httpx2.Client, method: str, path: str, status: int) -> None:
    response = client.request(method, path, headers={"x-request-id": "problem-1"}, content=b"x")

    assert assert_problem(response, status)["request_id"] == "problem-1"
    assert response.headers["x-request-id"] == "problem-1"


def test_each_request_is_logged_once_as_a_json_line(client: httpx2.Client, capsys: pytest.CaptureFixture[str]) -> None:
    log_lines(capsys)
    client.post(ITEMS, json={"name": "Logged"}, headers={"x-request-id": "log-1"})

    lines = [line for line in log_lines(capsys) if line.get("request_id") == "log-1"]
    assert len(lines) == 1
    assert {key: lines[0][key] for key in ("method", "path", "status", "level")} == {
        "method": "POST",
        "path": ITEMS,
        "status": 201,
        "level": "INFO",
    }
    assert isinstance(lines[0]["duration_ms"], float)
    assert 0 < lines[0]["duration_ms"] < 60_000


def test_a_request_only_queues_its_log_line_which_a_thread_writes(
    client: httpx2.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    flush_logs()
    stream = ThreadRecordingStream()
    monkeypatch.setattr(sys, "stderr", stream)

    client.get("/health/live", headers={"x-request-id": "queued-1"})
    flush_logs()

    assert [json.loads(line)["request_id"] for line in stream.getvalue().splitlines()] == ["queued-1"]
    assert stream.writers == {"log-writer"}


def test_an_unexpected_error_is_logged_with_its_request_id(
    client: httpx2.Client, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def fail(*_args: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(items, "list_items", fail)
    log_lines(capsys)

    response = client.get(ITEMS, headers={"x-request-id": "error-1"})

    assert_problem(response, 500)
    assert response.headers["x-request-id"] == "error-1"
    errors = [line for line in log_lines(capsys) if line["level"] == "ERROR"]
    assert [line["request_id"] for line in errors] == ["error-1"]
    assert "RuntimeError: boom" in errors[0]["exception"]


def test_text_logs_are_readable_lines(
    make_client: Callable[[Settings], httpx2.Client], settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    client = make_client(settings.model_copy(update={"log_format": "text"}))
    written_logs(capsys)

    client.get("/health/live", headers={"x-request-id": "text-1"})

    assert "INFO" in written_logs(capsys).split("[text-1] GET /health/live 200")[0].splitlines()[-1]


def test_cross_origin_requests_are_refused_by_default(client: httpx2.Client) -> None:
    response = client.get(ITEMS, headers={"origin": ORIGIN})

    assert "access-control-allow-origin" not in response.headers


def test_configured_origins_may_call_the_api(
    make_client: Callable[[Settings], httpx2.Client], settings: Settings
) -> None:
    client = make_client(settings.model_copy(update={"cors_origins": [ORIGIN]}))

    simple = client.get(ITEMS, headers={"origin": ORIGIN})
    preflight = client.options(
        ITEMS,
        headers={
            "origin": ORIGIN,
            "access-control-request-method": "POST",
            "access-control-request-headers": "content-type",
        },
    )
    other = client.get(ITEMS, headers={"origin": "https://elsewhere.example"})
    not_a_preflight = client.options(ITEMS, headers={"origin": ORIGIN})

    assert simple.headers["access-control-allow-origin"] == ORIGIN
    assert "x-request-id" in simple.headers["access-control-expose-headers"].lower()
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == ORIGIN
    assert "POST" in preflight.headers["access-control-allow-methods"]
    assert "access-control-allow-origin" not in other.headers
    assert_problem(not_a_preflight, 405)


def test_answers_to_configured_origins_vary_by_origin(
    make_client: Callable[[Settings], httpx2.Client], settings: Settings
) -> None:
    """Even with one origin allowed: a cache that kept an answer for one origin must not hand it to another."""
    client = make_client(settings.model_copy(update={"cors_origins": [ORIGIN]}))

    answers = [
        client.get("/health/live", headers={"origin": ORIGIN}),
        client.get("/unknown", headers={"origin": ORIGIN}),
        client.options(ITEMS, headers={"origin": ORIGIN, "access-control-request-method": "POST"}),
    ]

    for answer in answers:
        assert answer.headers["access-control-allow-origin"] == ORIGIN
        assert "origin" in {name.strip().lower() for name in answer.headers.get("vary", "").split(",")}, answer
