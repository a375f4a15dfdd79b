"""How the API and the jobs reach the directory function.

With ``DIRECTORY_FUNCTION`` set (AWS) a request is a Lambda invocation (synchronous for
queries, ``Event`` for jobs); unset (local stack, tests) the same handler runs in-process,
jobs on a background thread. Either way the API handler never imports DuckDB.
"""

from __future__ import annotations

import json
import os
import threading
from typing import Any

from chalicelib.core.aws import client as aws_client
from chalicelib.core.errors import BadRequest, DependencyUnavailable, DomainError


def _function() -> str:
    return os.environ.get("DIRECTORY_FUNCTION", "")


def _raise_refusal(answer: dict[str, Any]) -> dict[str, Any]:
    if "error" in answer and "status" in answer:
        error: DomainError = BadRequest(str(answer.get("message") or "refused"))
        error.code = str(answer["error"])
        error.status = int(answer["status"])
        raise error
    return answer


def call(payload: dict[str, Any]) -> dict[str, Any]:
    """Run one directory request and return its answer (refusals raised as domain errors)."""
    name = _function()
    if not name:
        from chalicelib.directory.handler import handle

        return _raise_refusal(handle(payload))
    try:
        answer = aws_client("lambda").invoke(
            FunctionName=name, Payload=json.dumps(payload).encode()
        )
    except Exception as error:
        raise DependencyUnavailable("the directory did not answer") from error
    body = json.loads(answer["Payload"].read() or b"{}")
    if answer.get("FunctionError"):
        raise DependencyUnavailable("the directory failed; see its logs")
    return _raise_refusal(dict(body))


def start(payload: dict[str, Any]) -> None:
    """Start a directory job (an export) without waiting for it."""
    name = _function()
    if not name:
        from chalicelib.directory.handler import handle

        threading.Thread(target=handle, args=(payload,), daemon=True).start()
        return
    try:
        aws_client("lambda").invoke(
            FunctionName=name, InvocationType="Event", Payload=json.dumps(payload).encode()
        )
    except Exception as error:
        raise DependencyUnavailable("the directory did not take the job") from error
