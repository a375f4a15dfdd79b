"""A slow or refusing event store answers 503 (WeCom delivers again), never a 500."""

from __future__ import annotations

import time
from typing import Any

import pytest
from botocore.exceptions import EndpointConnectionError, ReadTimeoutError
from pynamodb.exceptions import PutError

from chalicelib.callbacks import store
from tests.support.wecom import add_contact_xml, signed_post

XML = {"Content-Type": "text/xml"}


@pytest.mark.parametrize(
    "cause",
    [
        ReadTimeoutError(endpoint_url="http://127.0.0.1:8200/"),
        EndpointConnectionError(endpoint_url="http://127.0.0.1:8200/"),
    ],
    ids=["read timeout", "connection refused"],
)
def test_a_store_that_times_out_or_refuses_answers_503_and_the_retry_stores_it(
    client: Any, monkeypatch: pytest.MonkeyPatch, cause: Exception
) -> None:
    path, body = signed_post(add_contact_xml())
    original = store.CallbackEventModel.save

    def failing(self: Any, *args: Any, **kwargs: Any) -> Any:
        raise PutError("Failed to put item", cause)

    monkeypatch.setattr(store.CallbackEventModel, "save", failing)
    answer = client.http.post(path, body=body, headers=XML)
    assert answer.status_code == 503, answer.body

    monkeypatch.setattr(store.CallbackEventModel, "save", original)
    again = client.http.post(path, body=body, headers=XML)  # WeCom's retry
    assert again.status_code == 200
    assert len(list(store.due(time.time() + store.STREAM_LEASE_S + 60, 10))) == 1
