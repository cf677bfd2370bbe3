"""Property-based tests driven by the application's own OpenAPI document.

For every operation, schemathesis generates requests from the schema, valid and invalid, and checks each response:
no server error, a documented status code and content type, and a body that matches the documented schema. The
budget is small by default; set FUZZ_EXAMPLES (for instance to 200) for a deeper run. Coverage pauses while they
run: its tracer would make them several times slower, and every line they reach, an example test reaches too.

Where operations are protected, a member of the test's own fuzzes every operation, getting past 401; then an
anonymous caller fuzzes the protected ones, briefly, and must get 401 from each.
"""

import os
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx2
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import Case
from schemathesis.checks import CheckFunction
from schemathesis.core.result import Ok
from schemathesis.schemas import APIOperation
from schemathesis.specs.openapi.checks import positive_data_acceptance
from schemathesis.specs.openapi.schemas import OpenApiSchema

from .auth import PROTECTED_STATUSES, RULES_BEYOND_THE_SCHEMA, sign_in
from .live_server import Server, live_client

EXAMPLES_PER_OPERATION = int(os.environ.get("FUZZ_EXAMPLES", "20"))
LIVE_EXAMPLES_PER_OPERATION = max(1, EXAMPLES_PER_OPERATION // 2)
"""Over HTTP, each example costs a round trip: fewer, since the in-process run covers the same generated data."""
ANONYMOUS_EXAMPLES = max(1, EXAMPLES_PER_OPERATION // 4)
"""An anonymous request to a protected operation gets 401 before anything in it is looked at: a few suffice."""
CALLERS = ["signed in", "anonymous"] if PROTECTED_STATUSES else ["anyone"]


def excluded_checks(case: Case[Any]) -> list[CheckFunction]:
    """Schema-valid data that a rule beyond the schema refuses is not a bug, nor is a change refused (412) because the
    If-Match generated for it names a tag that the resource does not have, nor a POST refused (422) because the
    Idempotency-Key generated for it was generated before for another body."""
    conditional = {"if-match", "idempotency-key"} & {name.lower() for name in case.headers or {}}
    if conditional or (case.operation.path, case.operation.method) in RULES_BEYOND_THE_SCHEMA:
        return [positive_data_acceptance]
    return []


@pytest.fixture
def untraced() -> Iterator[Callable[[Callable[[], None]], None]]:
    """Run a function on a thread that no tracer follows; so are the threads that start during the test (those of
    the application that schemathesis calls). The rest of the run is traced as before."""
    tracing = threading.gettrace()
    threading.settrace(None)

    def run(function: Callable[[], None]) -> None:
        with ThreadPoolExecutor(max_workers=1) as pool:
            pool.submit(function).result()

    yield run
    threading.settrace(tracing)


@pytest.mark.parametrize("caller", CALLERS)
def test_every_operation_conforms_to_the_documented_contract(
    untraced: Callable[[Callable[[], None]], None],
    api_schema: OpenApiSchema,
    served_operations: set[tuple[str, str]],
    anonymous_client: httpx2.Client,
    caller: str,
) -> None:
    headers = sign_in(anonymous_client) if caller == "signed in" else {}
    results = list(api_schema.get_all_operations())
    assert all(isinstance(result, Ok) for result in results), "the OpenAPI document has invalid operations"
    operations = [result.ok() for result in results if isinstance(result, Ok)]
    assert {(operation.path, operation.method) for operation in operations} == served_operations
    refused = caller == "anonymous"
    if refused:
        operations = [operation for operation in operations if "401" in operation.definition.raw["responses"]]
        assert operations

    untraced(lambda: fuzz(operations, headers, refused, EXAMPLES_PER_OPERATION))


@pytest.mark.parametrize("caller", CALLERS)
def test_the_production_server_conforms_over_http(
    untraced: Callable[[Callable[[], None]], None], shared_server: Server, caller: str
) -> None:
    """The same, over real HTTP against the production server, whose own parsing and framing come into play."""
    schema = schemathesis.openapi.from_url(f"{shared_server.base_url}/openapi.json")
    with live_client(shared_server.base_url) as client:
        headers = sign_in(client) if caller == "signed in" else {}
    operations = [result.ok() for result in schema.get_all_operations() if isinstance(result, Ok)]
    refused = caller == "anonymous"
    if refused:
        operations = [operation for operation in operations if "401" in operation.definition.raw["responses"]]

    untraced(lambda: fuzz(operations, headers, refused, LIVE_EXAMPLES_PER_OPERATION))


def fuzz(
    operations: list[APIOperation[Any, Any, Any, Any]], headers: dict[str, str], refused: bool, examples: int
) -> None:
    """Generate requests for each operation and check every answer; a refused caller must get 401 from each."""
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=ANONYMOUS_EXAMPLES if refused else examples,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        )
        def conforms(case: Case[Any]) -> None:
            response = case.call_and_validate(headers=headers, excluded_checks=excluded_checks(case))
            if refused:
                assert response.status_code == 401, (
                    f"{case.method} {case.formatted_path} answered {response.status_code}"
                )

        conforms()
