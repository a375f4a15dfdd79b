"""Handover rules: WeCom's result codes, 100 customers per call, the request's shape."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from chalicelib.handover.models import (
    LIMIT,
    NO_RECORD,
    REFUSED,
    SUCCESS,
    UNKNOWN,
    WAITING,
    TransferRequest,
    batches,
    status_of,
    within_window,
)


@pytest.mark.parametrize(
    ("code", "status"),
    [(1, SUCCESS), (2, WAITING), (3, REFUSED), (4, LIMIT), (5, NO_RECORD), (9, UNKNOWN)],
)
def test_transfer_result_codes_map_to_statuses(code: int, status: str) -> None:
    assert status_of(code) == status


def test_a_missing_code_is_unknown() -> None:
    assert status_of(None) == UNKNOWN


def test_more_than_100_customers_are_split_into_calls_of_at_most_100() -> None:
    customers = [f"wm{i:03d}" for i in range(250)]
    chunks = batches(customers)
    assert [len(c) for c in chunks] == [100, 100, 50]
    assert [c for chunk in chunks for c in chunk] == customers


def test_exactly_100_is_one_call_and_none_is_no_call() -> None:
    assert len(batches([f"wm{i}" for i in range(100)])) == 1
    assert batches([]) == []


def test_the_90_day_window_counts_only_recent_transfers() -> None:
    now = 100 * 86_400
    assert within_window([now - 89 * 86_400, now - 91 * 86_400, now], now) == 2


def test_a_request_drops_duplicate_customers() -> None:
    request = TransferRequest(
        handover_userid="a", takeover_userid="b", external_userids=["wm1", "wm1", " wm2 "]
    )
    assert request.external_userids == ["wm1", "wm2"]


@pytest.mark.parametrize(
    "fields",
    [
        {"takeover_userid": "a"},  # the same member
        {"external_userids": []},
        {"external_userids": [" "]},
        {"transfer_success_msg": "x" * 201},
        {"external_userids": [f"wm{i}" for i in range(1001)]},
        {"unexpected": True},
    ],
)
def test_bad_requests_are_refused(fields: dict[str, object]) -> None:
    data: dict[str, object] = {
        "handover_userid": "a",
        "takeover_userid": "b",
        "external_userids": ["wm1"],
        **fields,
    }
    with pytest.raises(ValidationError):
        TransferRequest.model_validate(data)
