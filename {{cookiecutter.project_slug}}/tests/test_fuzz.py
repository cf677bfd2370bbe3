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
from hypothesis import HealthCheck, given, settings
from schemathesis import Case
from schemathesis.checks import CheckFunction
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import positive_data_acceptance
from schemathesis.specs.openapi.schemas import OpenApiSchema

from .auth import PROTECTED_STATUSES, RULES_BEYOND_THE_SCHEMA, sign_in

EXAMPLES_PER_OPERATION = int(os.environ.get("FUZZ_EXAMPLES", "20"))
ANONYMOUS_EXAMPLES = max(1, EXAMPLES_PER_OPERATION // 4)
"""An anonymous request to a protected operation gets 401 before anything in it is looked at: a few suffice."""
CALLERS = ["signed in", "anonymous"] if PROTECTED_STATUSES else ["anyone"]


def excluded_checks(case: Case[Any]) -> list[CheckFunction]:
    """Schema-valid data that a rule beyond the schema refuses is not a bug."""
    if (case.operation.path, case.operation.method) in RULES_BEYOND_THE_SCHEMA:
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

    def fuzz() -> None:
        for operation in operations:

            @given(case=operation.as_strategy())
            @settings(
                max_examples=ANONYMOUS_EXAMPLES if refused else EXAMPLES_PER_OPERATION,
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

    untraced(fuzz)
