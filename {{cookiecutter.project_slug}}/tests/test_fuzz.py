"""Property-based tests driven by the application's own OpenAPI document.

For every operation, schemathesis generates requests from the schema, valid and invalid, and checks each response:
no server error, a documented status code and content type, and a body that matches the documented schema. The
budget is small by default; set FUZZ_EXAMPLES (for instance to 200) for a deeper run.
"""

import os
from typing import Any

from hypothesis import HealthCheck, given, settings
from schemathesis import Case
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.schemas import OpenApiSchema

EXAMPLES_PER_OPERATION = int(os.environ.get("FUZZ_EXAMPLES", "20"))


def test_every_operation_conforms_to_the_documented_contract(
    api_schema: OpenApiSchema, served_operations: set[tuple[str, str]]
) -> None:
    results = list(api_schema.get_all_operations())
    assert all(isinstance(result, Ok) for result in results), "the OpenAPI document has invalid operations"
    operations = [result.ok() for result in results if isinstance(result, Ok)]
    assert {(operation.path, operation.method) for operation in operations} == served_operations

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, suppress_health_check=list(HealthCheck))
        def conforms(case: Case[Any]) -> None:
            case.call_and_validate()

        conforms()
