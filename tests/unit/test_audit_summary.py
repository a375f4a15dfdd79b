"""The audit summary of a request body keeps what changed and drops secrets and phones."""

from __future__ import annotations

import json

from chalicelib.audit.summary import MASK, parse_body, summarize


def test_secrets_and_phone_numbers_are_masked_wherever_they_are() -> None:
    body = {
        "text": "加我微信或致电 138-0013-8000，或 +86 139 0013 9000",
        "client_secret": "s3cr3t",
        "X-Api-Key": "k",
        "remark_mobiles": ["13800138000"],
        "buyer": {"phone": "13800138000", "mobile": 13900139000, "name": "Li"},
        "amount": 13700137000,
        "daily_cap": 100_000,
        "staff": [{"userid": "zhangsan", "token": "t"}],
    }
    summary = summarize(body)
    assert summary["text"] == f"加我微信或致电 {MASK}，或 {MASK}"
    assert summary["client_secret"] == summary["X-Api-Key"] == summary["remark_mobiles"] == MASK
    assert summary["buyer"] == {"phone": MASK, "mobile": MASK, "name": "Li"}
    assert summary["amount"] == MASK  # an 11-digit mobile number given as a number
    assert summary["daily_cap"] == 100_000
    assert summary["staff"] == [{"userid": "zhangsan", "token": MASK}]
    dumped = json.dumps(summary, ensure_ascii=False)
    assert "s3cr3t" not in dumped and "0013" not in dumped


def test_long_bodies_are_bounded() -> None:
    summary = summarize({"text": "x" * 500, "items": list(range(100))})
    assert len(summary["text"]) == 80 and summary["text"].endswith("…")
    assert len(summary["items"]) == 21 and summary["items"][-1] == "… 80 more"
    huge = summarize({f"k{n}": ["y" * 70] * 5 for n in range(60)})
    assert huge["truncated"] is True and len(huge["fields"]) == 20
    assert len(json.dumps(summarize([[[[[["deep"]]]]]]))) < 40


def test_a_body_that_is_not_json_is_described_not_copied() -> None:
    assert parse_body(b"{not json 13800138000") == {"unparsed_bytes": 21}
    assert parse_body(b"") is None and parse_body(b'{"a": 1}') == {"a": 1}
