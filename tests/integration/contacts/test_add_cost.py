"""What one ``add_external_contact`` costs end to end, counted request by request.

The callback is received over the callback URL, its stored item's INSERT is handed to the
stream processor, and everything that hears the add runs: contacts, the welcome, the
auto-tags, live codes, SOP enrolment, orders, the directory, and the daily counters.
Configuration (welcome messages, tag rules, the catalogue) is kept per container, so
the steady state is measured on the second add of a warm container.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from benchmarks.requests import Tally, counting
from chalicelib.callbacks import processing
from chalicelib.contacts import service
from chalicelib.tags import service as tags_service
from chalicelib.tags.models import TagRuleIn
from chalicelib.wecom.inbound import parse_event
from chalicelib.welcome import service as welcome_service
from chalicelib.welcome.models import WelcomeMessageIn
from tests.support.fake_wecom_api import FakeWeComApi, contact_event_xml
from tests.support.wecom import signed_post

T0 = 1_700_000_000
PREFIX = "scrm-test-"

#: The requests of one warm add, by table. Ours: the inbox (store, then complete: the
#: stream acts on its record's new image, still leased to it, without a claim), the
#: contact (one Query, one transaction), the welcome (its once-claim), the auto-tags (one
#: transaction mirroring them with their timeline entry and the welcome's). The others'
#: share: the daily counters (one transaction), the directory's change mark and orders
#: matching the new contact (an order lookup per key it knows). The SOP plans and the
#: points rules are kept per container like the welcome messages; the deletion credits
#: are not read for an add that is its relationship's latest fact.
WARM_ADD = {
    "callback-events": 2,
    "contacts": 3,
    "runtime-state": 1 + 1,  # the welcome's claim; the counters' once-marker
    "daily-stats": 1,  # in the counters' transaction with its marker
    "directory": 1,
    "orders": 2,  # by external_userid, by unionid
}
OURS = 6  # inbox 2, contact 2, welcome 1, tags (with the welcome's entry) 1
OTHERS = {"counters": 1, "directory": 1, "orders": 2}


@pytest.fixture
def configured(wecom: FakeWeComApi) -> FakeWeComApi:
    wecom.tag_groups = [
        {"group_id": "g1", "group_name": "Level", "tag": [{"id": "etVIP", "name": "VIP"}]}
    ]
    tags_service.sync_catalogue()
    welcome_service.put_message("store", WelcomeMessageIn(text="Hi {name}"), "tester")
    tags_service.put_rule("store-vip", TagRuleIn(tag_ids=["etVIP"], channel="store"))
    return wecom


def wecom_calls(fake: FakeWeComApi) -> int:
    """externalcontact/get, send_welcome_msg and mark_tag (a member's name for {staff} is
    kept by the real client for a while: not a call per add)."""
    return len(fake.gets) + fake.welcome_attempts + len(fake.marks)


def add(client: Any, fake: FakeWeComApi, external_userid: str) -> tuple[Tally, int, str]:
    """One add received over the callback URL and processed from the stream."""
    fake.customer(external_userid, name="Alice", gender=2, unionid=f"ou{external_userid}")
    fake.follow(external_userid, "zhangsan", createtime=T0, state="live1:store")
    xml = contact_event_xml(
        "add_external_contact",
        external_userid,
        "zhangsan",
        create_time=T0,
        state="live1:store",
        welcome_code=f"WC-{external_userid}",
    )
    key = parse_event(xml).key
    path, body = signed_post(xml, timestamp=None)
    before = wecom_calls(fake)
    with counting() as received:
        response = client.http.post(path, body=body, headers={"Content-Type": "text/xml"})
        assert response.status_code == 200
    insert = {"eventName": "INSERT", "dynamodb": {"Keys": {"pk": {"S": key}}}}
    insert["dynamodb"]["NewImage"] = new_image(key)  # what the stream hands over
    with counting() as processed:
        [result] = processing.process_stream([insert])
        assert result.outcome == "processed"
    tally = Tally(calls=received.calls + processed.calls)
    return tally, wecom_calls(fake) - before, path


def new_image(key: str) -> dict[str, Any]:
    """The stored event as the table's stream (NEW_IMAGE) carries it (read uncounted)."""
    from chalicelib.callbacks import store

    model = store.CallbackEventModel
    answer = model._get_connection().get_item(key, consistent_read=True)
    return dict(answer["Item"])


def by_table(tally: Tally) -> Counter[str]:
    return Counter({table.removeprefix(PREFIX): n for table, n in tally.by_table().items()})


def test_one_warm_add_costs_its_floor_and_a_retried_callback_one_request(
    client: Any, configured: FakeWeComApi
) -> None:
    cold, cold_calls, _ = add(client, configured, "wmFirst")
    warm, warm_calls, path = add(client, configured, "wmSecond")

    assert by_table(warm) == WARM_ADD
    assert warm.requests == OURS + sum(OTHERS.values()) == 10
    assert warm_calls == cold_calls == 3
    # a cold container reads the welcome messages (the live code's, the channel's and the
    # default, in one request), the tag rules and catalogue, the SOP plans and the points
    # rules once, then keeps them
    assert cold.requests == warm.requests + 5
    assert cold.by_operation()["BatchGetItem"] == 1 and "BatchGetItem" not in warm.by_operation()
    # the contact is written once: one transaction holds profile, relationship and the
    # add's timeline entry (and the phone index, when there are phones)
    writes = [c for c in warm.calls if "scrm-test-contacts" in c.tables]
    assert [c.operation for c in writes] == [
        "Query",
        "TransactWriteItems",
        "TransactWriteItems",  # the auto-tag mirrored with its and the welcome's entries
    ]

    contact = service.get_contact("wmSecond")
    assert contact.tag_ids == ["etVIP"] and contact.relationships[0].tag_ids == ["etVIP"]
    kinds = sorted(entry.kind for entry in service.get_timeline("wmSecond", 10))
    assert kinds == ["added", "tagged", "welcome_sent"]

    # WeCom delivers the same callback again: refused by the inbox's conditional put, no
    # stream record, nothing else
    xml = contact_event_xml(
        "add_external_contact",
        "wmSecond",
        "zhangsan",
        create_time=T0,
        state="live1:store",
        welcome_code="WC-wmSecond",
    )
    path, body = signed_post(xml, timestamp=None)
    with counting() as retry:
        response = client.http.post(path, body=body, headers={"Content-Type": "text/xml"})
    assert response.status_code == 200
    assert retry.requests == 1 and retry.by_operation() == {"PutItem": 1}
