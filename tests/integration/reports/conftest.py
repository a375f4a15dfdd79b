"""A fake WeCom that also answers the statistics APIs, and helpers to publish signals."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from chalicelib.signals import OrderChanged
from tests.support.fake_wecom_api import FakeWeComApi

SH = ZoneInfo("Asia/Shanghai")


def at(text: str) -> int:
    """Epoch seconds of a Shanghai wall-clock time."""
    return int(datetime.fromisoformat(text).replace(tzinfo=SH).timestamp())


def order(
    key: str, status: str, ordered: str, *, amount: int = 10_000, refunded: int = 0, **kw: Any
) -> OrderChanged:
    fields: dict[str, Any] = {
        "effect_id": f"{key}:{status}:{refunded}",
        "order_key": key,
        "contact_id": "wmAlice",
        "status": status,
        "previous_status": None,
        "amount_cents": amount,
        "refunded_cents": refunded,
        "currency": "CNY",
        "ordered_at": at(ordered),
        "at": at(ordered),
        "first_order": True,
        "channel": "poster",
        "code": "",
    }
    fields.update(kw)
    return OrderChanged(**fields)


class StatsWeCom(FakeWeComApi):
    """WeCom's per-staff statistics: ``behavior[userid]`` is the list of daily rows."""

    def __init__(self) -> None:
        super().__init__()
        self.behavior: dict[str, list[dict[str, Any]]] = {}
        self.group_stats: dict[str, dict[str, int]] = {}
        self.stat_calls: list[tuple[str, dict[str, Any]]] = []

    def post(self, url: str, data: Any = None, **kwargs: Any) -> dict[str, Any]:
        body = dict(data or {})
        if url == "externalcontact/get_user_behavior_data":
            self.stat_calls.append((url, body))
            rows = [r for u in body["userid"] for r in self.behavior.get(u, [])]
            return {"errcode": 0, "behavior_data": rows}
        if url == "externalcontact/groupchat/statistic":
            self.stat_calls.append((url, body))
            owners = body["owner_filter"]["userid_list"]
            items = [
                {"owner": o, "data": self.group_stats[o]} for o in owners if o in self.group_stats
            ]
            return {"errcode": 0, "total": len(items), "items": items}
        return super().post(url, data, **kwargs)


@pytest.fixture
def wecom(aws: None) -> Iterator[StatsWeCom]:
    from chalicelib.wecom.client import use_client

    fake = StatsWeCom()
    use_client(fake)  # type: ignore[arg-type]
    yield fake
