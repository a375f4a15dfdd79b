"""In AWS the API reaches the directory function by a Lambda invocation: answers come back,
refusals are raised again as the same 4xx, a crashed function is a 503."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

from chalicelib.core import aws
from chalicelib.core.errors import DependencyUnavailable, DomainError
from chalicelib.directory import gateway


class FakeLambda:
    def __init__(self, answer: dict[str, Any], function_error: bool = False) -> None:
        self.answer = answer
        self.function_error = function_error
        self.calls: list[dict[str, Any]] = []

    def invoke(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append(kwargs)
        reply: dict[str, Any] = {"Payload": io.BytesIO(json.dumps(self.answer).encode())}
        if self.function_error:
            reply["FunctionError"] = "Unhandled"
        return reply


@pytest.fixture(autouse=True)
def _in_aws(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DIRECTORY_FUNCTION", "scrm-qa-directory")


def test_a_query_is_a_synchronous_invocation() -> None:
    fake = FakeLambda({"count": 3, "by_staff": {}, "by_channel": {}, "as_of": 1})
    aws.use_client("lambda", fake)
    assert gateway.call({"op": "count", "filter": {}})["count"] == 3
    [call] = fake.calls
    assert call["FunctionName"] == "scrm-qa-directory"
    assert "InvocationType" not in call
    assert json.loads(call["Payload"]) == {"op": "count", "filter": {}}


def test_a_refusal_comes_back_as_the_same_error() -> None:
    aws.use_client(
        "lambda", FakeLambda({"error": "invalid_cursor", "message": "bad cursor", "status": 400})
    )
    with pytest.raises(DomainError) as raised:
        gateway.call({"op": "search"})
    assert (raised.value.status, raised.value.code, raised.value.message) == (
        400,
        "invalid_cursor",
        "bad cursor",
    )


def test_a_crashed_function_is_unavailable_and_a_job_is_an_event() -> None:
    aws.use_client("lambda", FakeLambda({"errorMessage": "boom"}, function_error=True))
    with pytest.raises(DependencyUnavailable):
        gateway.call({"op": "count"})
    fake = FakeLambda({})
    aws.use_client("lambda", fake)
    gateway.start({"op": "export", "export_id": "x"})
    assert fake.calls[0]["InvocationType"] == "Event"
