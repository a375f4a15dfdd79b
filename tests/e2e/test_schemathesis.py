"""Property-based run of the admin API against the local stack, from its own OpenAPI
document: for every operation, valid and invalid requests generated from the schemas get
no 5xx and no answer that breaks the documented schema."""

from __future__ import annotations

import time
from collections import Counter
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from local_stack import LocalStack

#: Examples per operation and mode; sized so the whole run stays well under two minutes.
POSITIVE_EXAMPLES = 6
NEGATIVE_EXAMPLES = 3


@pytest.fixture
def admin_headers(stack: LocalStack) -> dict[str, str]:
    from chalicelib.auth.tokens import mint

    token = mint("schemathesis", "admin", key=stack.config.admin_jwt_secret)
    return {"Authorization": f"Bearer {token}"}


def test_no_server_error_and_no_answer_outside_the_schema(
    stack: LocalStack, sim: str, http: Any, admin_headers: dict[str, str]
) -> None:
    api = stack.config.api_url
    status, document = http("GET", f"{api}/admin/openapi.json", headers=admin_headers)
    assert status == 200
    schema = schemathesis.openapi.from_dict(document)
    statuses: Counter[int] = Counter()
    operations = 0
    waited = [0.0]
    started = time.monotonic()

    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        for mode, examples in (
            (GenerationMode.POSITIVE, POSITIVE_EXAMPLES),
            (GenerationMode.NEGATIVE, NEGATIVE_EXAMPLES),
        ):

            @settings(
                max_examples=examples,
                deadline=None,
                database=None,
                derandomize=True,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            @given(case=operation.as_strategy(generation_mode=mode))
            def check(case: Any) -> None:
                # The document's bearer scheme makes generated cases carry made-up tokens;
                # every case is sent with a real one so it reaches the route.
                case.headers = {**(case.headers or {}), **admin_headers}
                sent_at = time.monotonic()
                response = case.call(base_url=api, timeout=30)
                waited[0] += time.monotonic() - sent_at
                statuses[response.status_code] += 1
                case.validate_response(
                    response, checks=[not_a_server_error, response_schema_conformance]
                )

            check()

    elapsed = time.monotonic() - started
    sent = sum(statuses.values())
    print(
        f"schemathesis: {operations} operations, {sent} requests in {elapsed:.0f} s "
        f"({waited[0]:.0f} s waiting for answers); "
        f"statuses {dict(sorted(statuses.items()))}"
    )
    assert operations == sum(len(ops) for ops in document["paths"].values())
    assert not [code for code in statuses if code >= 500]
    assert sum(n for code, n in statuses.items() if code < 300) > 0  # some requests got through
