"""The DynamoDB token store (moto): one token shared by every client, expiry honoured."""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from chalicelib.wecom.client import WeComClient
from chalicelib.wecom.token_store import DynamoTokenStore, WeComTokenModel, token_key
from tests.conftest import AGENT_ID, CORP_ID
from tests.unit.wecom.fake_wecom import API_BASE, FakeWeCom, mount

KEY = token_key(CORP_ID, AGENT_ID)


@pytest.fixture
def wecom(aws: None) -> Iterator[FakeWeCom]:
    yield FakeWeCom()


def new_client(wecom: FakeWeCom) -> WeComClient:
    """A client as another Lambda instance would build it: its own store and memo."""
    client = WeComClient(
        session=DynamoTokenStore(), api_base=API_BASE, sleep=lambda _: None, rng=random.Random(3)
    )
    mount(client, wecom)
    return client


def stored() -> WeComTokenModel | None:
    model = WeComTokenModel.bound()
    try:
        return model.get(KEY, consistent_read=True)
    except model.DoesNotExist:
        return None


def put_token(value: str, expires_at: float) -> None:
    WeComTokenModel.bound()(
        KEY, value=value, expires_at=datetime.fromtimestamp(expires_at, UTC)
    ).save()


def test_two_clients_share_one_token(wecom: FakeWeCom) -> None:
    first, second = new_client(wecom), new_client(wecom)

    first.get_group_chat("wrCHAT")
    second.get_group_chat("wrCHAT")
    second.get_corp_tag_list()

    assert wecom.gettoken_calls == 1
    tokens = {c.query["access_token"] for c in wecom.calls if c.path != "gettoken"}
    assert tokens == {"TOKEN-0001-SECRETLIKE"}
    item = stored()
    assert item is not None and item.value == "TOKEN-0001-SECRETLIKE"
    assert 7000 < item.expires_at.timestamp() - time.time() <= 7200


@pytest.mark.parametrize("left_s", [-3600, -1, 30, 60])
def test_an_expired_or_nearly_expired_token_is_ignored(wecom: FakeWeCom, left_s: int) -> None:
    put_token("OLD-TOKEN", time.time() + left_s)  # TTL deletes late: the item is still there
    client = new_client(wecom)

    client.get_group_chat("wrCHAT")

    assert wecom.gettoken_calls == 1
    assert wecom.to("externalcontact/groupchat/get")[0].query["access_token"] != "OLD-TOKEN"
    item = stored()
    assert item is not None and item.value == "TOKEN-0001-SECRETLIKE"


def test_a_token_with_time_left_is_used_without_gettoken(wecom: FakeWeCom) -> None:
    put_token("SHARED-TOKEN", time.time() + 600)
    wecom.valid_tokens.add("SHARED-TOKEN")

    new_client(wecom).get_group_chat("wrCHAT")

    assert wecom.gettoken_calls == 0


def test_delete_removes_the_shared_token(aws: None) -> None:
    store = DynamoTokenStore()
    store.set(KEY, "TOKEN", ttl=7200)
    assert DynamoTokenStore().get(KEY) == "TOKEN"

    store.delete(KEY)

    assert stored() is None
    assert store.get(KEY) is None
    assert DynamoTokenStore().get(KEY, "absent") == "absent"


def test_discard_keeps_a_token_another_instance_stored_meanwhile(aws: None) -> None:
    store = DynamoTokenStore()
    store.set(KEY, "NEW", ttl=7200)

    store.discard(KEY, "OLD")
    assert DynamoTokenStore().get(KEY) == "NEW"

    store.discard(KEY, "NEW")
    assert stored() is None


def test_a_token_refreshed_by_one_instance_is_picked_up_by_another(wecom: FakeWeCom) -> None:
    first, second = new_client(wecom), new_client(wecom)
    first.get_group_chat("wrCHAT")
    second.get_group_chat("wrCHAT")  # both memos now hold token 1
    wecom.expire_tokens()  # WeCom ends the token early

    first.get_group_chat("wrCHAT")  # refused, refreshed: token 2 is shared
    second.get_group_chat("wrCHAT")  # refused, finds token 2 in DynamoDB: no gettoken

    assert wecom.gettoken_calls == 2
    last = wecom.to("externalcontact/groupchat/get")[-1]
    assert last.query["access_token"] == "TOKEN-0002-SECRETLIKE"
