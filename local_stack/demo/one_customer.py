"""The first chapter: one customer. WeCom verifies the callback URL; a brand sets up a tag,
a welcome message and an auto-tag rule for its poster channel; a customer scans the poster
and adds a staff member; the WeCom simulator pushes the encrypted callback exactly as WeCom
would; the app stores it once, fetches the contact, sends the channel's welcome within its
20-second window and tags the customer; WeCom's retry changes nothing; later the customer
deletes the staff member, and the staff member gets a churn alert."""

from __future__ import annotations

import json
import time
from datetime import datetime

from local_stack.demo.client import SHANGHAI, Demo, say, step


def one_customer(demo: Demo) -> None:
    api, sim = demo.api, demo.sim

    step(1, "Health: the API answers, with DynamoDB Local and S3 behind it")
    health = demo.call("GET", f"{api}/health")
    say(f"GET /health -> {json.dumps(health)}")

    step(2, "WeCom verifies the callback URL (signed, encrypted echostr)")
    verified = demo.call("POST", f"{sim}/_sim/callbacks/verify_url", {})
    say(f"the app answered the decrypted echostr: {verified['ok']}")

    step(3, "The brand creates a tag in WeCom; the change_external_tag callback syncs it")
    tag = demo.call(
        "POST",
        f"{sim}/_sim/tags/changed",
        {
            "change_type": "create",
            "tag_type": "tag",
            "name": "海报客户",
            "group_name": "渠道",
        },
    )
    demo.processed(tag["xml"])
    tags = demo.call("GET", f"{api}/admin/tags", role="viewer")["items"]
    say(f"tag catalogue: {[(t['tag_id'], t['group_name'], t['name']) for t in tags]}")

    step(4, "An operator sets the poster channel's welcome and an auto-tag rule")
    demo.call(
        "PUT",
        f"{api}/admin/welcome-messages/poster",
        {
            "text": "{name}，您好！我是{staff}，感谢扫码关注，新人券已放入您的账户。",
            "attachments": [
                {"type": "link", "title": "新人专享", "url": "https://shop.example.com/new"}
            ],
        },
        role="operator",
    )
    demo.call(
        "PUT",
        f"{api}/admin/tag-rules/poster",
        {
            "name": "poster adds",
            "channel": "poster",
            "tag_ids": [tag["id"]],
        },
        role="admin",
    )
    say("PUT /admin/welcome-messages/poster, PUT /admin/tag-rules/poster: done")

    step(5, "A customer scans the store poster (live code s01, channel poster) and adds zhangsan")
    added = demo.call(
        "POST",
        f"{sim}/_sim/customers/add",
        {
            "userid": "zhangsan",
            "name": "李雷",
            "gender": 1,
            "state": "s01:poster",
        },
    )
    customer = added["external_userid"]
    delivery = added["delivery"]
    say(f"WeCom pushed add_external_contact for {customer} -> HTTP {delivery['status']}")
    event = demo.processed(added["xml"])
    say(f"stored once (key {event.pk[:20]}…), then processed: status={event.status}")

    step(6, "The contact, its channel, the welcome message and the tag")
    contact = demo.call("GET", f"{api}/admin/contacts/{customer}", role="viewer")
    rel = contact["relationships"][0]
    say(
        f"contact {contact['name']} via channel {rel['channel']} (code {rel['code']}), "
        f"status {contact['status']}, tags {contact['tag_ids']}"
    )
    [welcome] = demo.sim_calls("externalcontact/send_welcome_msg")
    say(f"send_welcome_msg: {welcome['body']['text']['content']}")
    [marked] = demo.sim_calls("externalcontact/mark_tag")
    say(f"mark_tag: {marked['body']['add_tag']} on {marked['body']['external_userid']}")

    step(7, "WeCom retries the same event: answered 200, no second welcome")
    retry = demo.call("POST", f"{sim}/_sim/callbacks/push", {"xml": added["xml"]})
    time.sleep(1.5)
    again = demo.stored_event(added["xml"])
    welcomes = len(demo.sim_calls("externalcontact/send_welcome_msg"))
    say(
        f"retry -> HTTP {retry['status']}; row received_at unchanged: "
        f"{again.received_at == event.received_at}; welcome messages sent: {welcomes}"
    )
    if welcomes != 1 or again.received_at != event.received_at:
        raise SystemExit("a retried delivery had a second effect")

    step(
        8,
        "12 days later the customer deletes zhangsan: the relationship ends, with an alert",
    )
    demo.call("POST", f"{sim}/_sim/clock", {"advance_s": 12 * 86400})
    deleted = demo.call(
        "POST",
        f"{sim}/_sim/customers/delete_member",
        {
            "userid": "zhangsan",
            "external_userid": customer,
        },
    )
    demo.processed(deleted["xml"])
    contact = demo.call("GET", f"{api}/admin/contacts/{customer}", role="viewer")
    rel = contact["relationships"][0]
    say(
        f"relationship {rel['status']}, ended by {rel['ended_by']}, "
        f"retention {rel['retention_days']} days; contact status {contact['status']}"
    )
    [alert] = demo.sim_calls("message/send")
    say(f"churn alert to {alert['body']['touser']}: {alert['body']['text']['content']}")
    expired = [
        c
        for c in demo.sim_calls("message/send", succeeded=False)
        if c["answer"].get("errcode") == 42001
    ]
    if expired:
        say(
            "(the access token had expired in those 12 days: WeCom answered 42001, the app "
            "fetched a new token and sent once)"
        )

    step(9, "The customer's timeline")
    timeline = demo.call("GET", f"{api}/admin/contacts/{customer}/timeline", role="viewer")
    for entry in reversed(timeline["items"]):
        at = datetime.fromtimestamp(entry["at"] / 1000, SHANGHAI)
        say(f"{at:%Y-%m-%d %H:%M:%S}  {entry['kind']}")
