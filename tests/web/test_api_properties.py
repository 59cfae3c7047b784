"""Property-based run against the OpenAPI document (schemathesis): every operation, with
generated valid and invalid parameters, answers without a server error, and valid
requests get responses that match the document's schemas."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable

from hub.bootstrap import Hub
from hub.web import create_app
from tests.web.api_support import authorized

schemathesis = pytest.importorskip("schemathesis")
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.specs.openapi.checks import response_schema_conformance  # noqa: E402

EXAMPLES = 12  # per operation and mode: the whole run stays well under a minute
# invoice uploads: a real PDF, and bytes that are not one (refused with a 422, never a 500)
schemathesis.openapi.media_type("application/pdf", st.sampled_from(
    [b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n", b"", b"not a pdf"]))


def _run(operation: Any, mode: Any, token: str, failures: list[str]) -> None:
    checks = [not_a_server_error]
    if mode == schemathesis.GenerationMode.POSITIVE:
        checks.append(response_schema_conformance)

    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(generation_mode=mode))
    def check(case: Any) -> None:
        try:
            case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=checks)
        except AssertionError as failure:  # schemathesis' FailureGroup is an AssertionError
            failures.append(f"{case.method} {case.formatted_path} {case.query}: "
                            f"{str(failure)[:300]}")
            raise

    try:
        check()
    except AssertionError:
        pass  # recorded in `failures`, reported for all operations at once
    except Unsatisfiable:
        pass  # no invalid request exists for an operation without parameters


def test_no_operation_answers_with_a_server_error(seeded: Hub) -> None:
    app = authorized(create_app(seeded, {"TESTING": True}), seeded)
    token = app.config["TEST_API_TOKEN"]
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        for mode in (schemathesis.GenerationMode.POSITIVE,
                     schemathesis.GenerationMode.NEGATIVE):
            _run(operation, mode, token, failures)
    assert operations >= 15
    assert failures == []
