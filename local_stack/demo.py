"""``make demo``: the local stack, end to end over real HTTP, then a clean shutdown.

The story of one customer: WeCom verifies the callback URL; a brand sets up a tag, a
welcome message and an auto-tag rule for its poster channel; a customer scans the poster
and adds a staff member; the WeCom simulator pushes the encrypted callback exactly as WeCom
would; the app stores it once, fetches the contact, sends the channel's welcome within its
20-second window and tags the customer; WeCom's retry changes nothing; later the customer
deletes the staff member, and the staff member gets a churn alert. Then a live code: three
scans from two channels are routed to different staff, their adds attributed, and the
day's per-channel stats shown. Then a welcome SOP sends its day-0 and day-1 steps on
simulated days and shows its funnel (``demo_sop``); a live-code customer's shop order earns
points once, a partial refund takes back its share, points are redeemed and the tier
reached (``demo_orders``); and the story ends with screening and the day's report written
to S3 (``demo_reports``).
"""

from __future__ import annotations

import json
import os
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from local_stack.demo_orders import orders_and_points
from local_stack.demo_reports import daily_report
from local_stack.demo_sop import welcome_sop
from local_stack.processes import StartupError
from local_stack.stack import ROOT, LocalStack, StackConfig

SHANGHAI = ZoneInfo("Asia/Shanghai")


class Demo:
    def __init__(self, stack: LocalStack) -> None:
        self.stack = stack
        self.api = stack.config.api_url
        self.sim = stack.config.simulator_url
        self._tokens: dict[str, str] = {}

    # --- HTTP -----------------------------------------------------------------------------

    def call(self, method: str, url: str, body: Any = None, role: str | None = None) -> Any:
        headers = {"Content-Type": "application/json"}
        if role is not None:
            headers["Authorization"] = f"Bearer {self.token(role)}"
        data = None if body is None else json.dumps(body, ensure_ascii=False).encode()
        request = urllib.request.Request(url, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                raw = response.read()
        except urllib.error.HTTPError as error:
            raise SystemExit(f"{method} {url} -> {error.code}: {error.read()[:300]!r}") from error
        return json.loads(raw) if raw else None

    def token(self, role: str) -> str:
        if role not in self._tokens:
            from chalicelib.auth.tokens import mint

            self._tokens[role] = mint("demo", role, key=self.stack.config.admin_jwt_secret)  # type: ignore[arg-type]
        return self._tokens[role]

    def sim_calls(self, path: str, *, succeeded: bool = True) -> list[dict[str, Any]]:
        """WeCom API calls the app made, as the simulator logged them."""
        calls = self.call("GET", f"{self.sim}/_sim/log?path={path}")
        if not succeeded:
            return list(calls)
        return [c for c in calls if c["status"] == 200 and c["answer"].get("errcode") == 0]

    def stored_event(self, xml: str) -> Any:
        """The inbox row of a pushed event, read from DynamoDB Local by its dedupe key."""
        from chalicelib.callbacks import store
        from chalicelib.core.settings import Settings
        from chalicelib.wecom.inbound import parse_event

        settings = Settings.from_env(self.stack.config.app_env())
        os.environ.update(self.stack.config.aws_env())
        model = store.CallbackEventModel.bound(settings)
        try:
            return model.get(parse_event(xml).key, consistent_read=True)
        except model.DoesNotExist:
            return None

    def until(self, what: str, check: Callable[[], Any], timeout_s: float = 20) -> Any:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            value = check()
            if value:
                return value
            time.sleep(0.2)
        raise SystemExit(f"timed out waiting for {what}")

    def processed(self, xml: str) -> Any:
        return self.until(
            "the event to be processed",
            lambda: (e := self.stored_event(xml)) is not None and e.status == "processed" and e,
        )

    # --- the story ------------------------------------------------------------------------

    def run(self) -> None:
        api, sim = self.api, self.sim

        step(1, "Health: the API answers, with DynamoDB Local and S3 behind it")
        health = self.call("GET", f"{api}/health")
        say(f"GET /health -> {json.dumps(health)}")

        step(2, "WeCom verifies the callback URL (signed, encrypted echostr)")
        verified = self.call("POST", f"{sim}/_sim/callbacks/verify_url", {})
        say(f"the app answered the decrypted echostr: {verified['ok']}")

        step(3, "The brand creates a tag in WeCom; the change_external_tag callback syncs it")
        tag = self.call(
            "POST",
            f"{sim}/_sim/tags/changed",
            {
                "change_type": "create",
                "tag_type": "tag",
                "name": "海报客户",
                "group_name": "渠道",
            },
        )
        self.processed(tag["xml"])
        tags = self.call("GET", f"{api}/admin/tags", role="viewer")["items"]
        say(f"tag catalogue: {[(t['tag_id'], t['group_name'], t['name']) for t in tags]}")

        step(4, "An operator sets the poster channel's welcome and an auto-tag rule")
        self.call(
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
        self.call(
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

        step(
            5, "A customer scans the store poster (live code s01, channel poster) and adds zhangsan"
        )
        added = self.call(
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
        event = self.processed(added["xml"])
        say(f"stored once (key {event.pk[:20]}…), then processed: status={event.status}")

        step(6, "The contact, its channel, the welcome message and the tag")
        contact = self.call("GET", f"{api}/admin/contacts/{customer}", role="viewer")
        rel = contact["relationships"][0]
        say(
            f"contact {contact['name']} via channel {rel['channel']} (code {rel['code']}), "
            f"status {contact['status']}, tags {contact['tag_ids']}"
        )
        [welcome] = self.sim_calls("externalcontact/send_welcome_msg")
        say(f"send_welcome_msg: {welcome['body']['text']['content']}")
        [marked] = self.sim_calls("externalcontact/mark_tag")
        say(f"mark_tag: {marked['body']['add_tag']} on {marked['body']['external_userid']}")

        step(7, "WeCom retries the same event: answered 200, no second welcome")
        retry = self.call("POST", f"{sim}/_sim/callbacks/push", {"xml": added["xml"]})
        time.sleep(1.5)
        again = self.stored_event(added["xml"])
        welcomes = len(self.sim_calls("externalcontact/send_welcome_msg"))
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
        self.call("POST", f"{sim}/_sim/clock", {"advance_s": 12 * 86400})
        deleted = self.call(
            "POST",
            f"{sim}/_sim/customers/delete_member",
            {
                "userid": "zhangsan",
                "external_userid": customer,
            },
        )
        self.processed(deleted["xml"])
        contact = self.call("GET", f"{api}/admin/contacts/{customer}", role="viewer")
        rel = contact["relationships"][0]
        say(
            f"relationship {rel['status']}, ended by {rel['ended_by']}, "
            f"retention {rel['retention_days']} days; contact status {contact['status']}"
        )
        [alert] = self.sim_calls("message/send")
        say(f"churn alert to {alert['body']['touser']}: {alert['body']['text']['content']}")
        expired = [
            c
            for c in self.sim_calls("message/send", succeeded=False)
            if c["answer"].get("errcode") == 42001
        ]
        if expired:
            say(
                "(the access token had expired in those 12 days: WeCom answered 42001, the app "
                "fetched a new token and sent once)"
            )

        step(9, "The customer's timeline")
        timeline = self.call("GET", f"{api}/admin/contacts/{customer}/timeline", role="viewer")
        for entry in reversed(timeline["items"]):
            at = datetime.fromtimestamp(entry["at"] / 1000, SHANGHAI)
            say(f"{at:%Y-%m-%d %H:%M:%S}  {entry['kind']}")

        self.live_codes()
        welcome_sop(self, first_step=13)
        orders_and_points(self, first_step=16)
        daily_report(self, first_step=22)

        print("\nWhere to look:")
        print(self.stack.describe())

    def scan(self, code: str, channel: str) -> str:
        """A phone opening the printed link: the redirect's Location, not followed."""
        opener = urllib.request.build_opener(_NoRedirect)
        try:
            with opener.open(f"{self.api}/l/{code}?c={channel}", timeout=30) as answer:
                raise SystemExit(f"/l/{code} answered {answer.status} instead of a redirect")
        except urllib.error.HTTPError as error:
            if error.code != 302:
                raise SystemExit(f"/l/{code} answered {error.code}") from error
            return str(error.headers["Location"])

    def live_codes(self) -> None:
        api, sim = self.api, self.sim
        self.call("POST", f"{sim}/_sim/clock", {"offset_s": 0})  # back to today

        step(10, "An operator creates live code 'store1' over zhangsan and lisi, two channels")
        code = self.call(
            "PUT",
            f"{api}/admin/live-codes/store1",
            {
                "name": "旗舰店",
                "mode": "round_robin",
                "staff": [
                    {"userid": "zhangsan", "daily_cap": 50},
                    {"userid": "lisi", "daily_cap": 50},
                ],
                "backup": ["wangwu"],
                "channels": ["poster", "parcel"],
                "welcome_text": "欢迎光临旗舰店！",
            },
            role="operator",
        )
        ways = {w["qr_code"]: w for w in code["ways"]}
        created = self.sim_calls("externalcontact/add_contact_way")
        say(
            f"{len(created)} contact ways created in WeCom, one per member and channel; "
            f"states {sorted({w['state'] for w in ways.values()})}"
        )

        step(11, "Three customers scan: poster, parcel card, poster; each adds the member shown")
        xmls, customers, staff = [], [], set()
        for n, channel in enumerate(("poster", "parcel", "poster"), start=1):
            location = self.scan("store1", channel)
            way = ways[location]
            added = self.call(
                "POST",
                f"{sim}/_sim/customers/add",
                {"config_id": way["config_id"], "name": f"扫码客户{n}"},
            )
            xmls.append(added["xml"])
            customers.append(added["external_userid"])
            staff.add(way["userid"])
            say(
                f"GET /l/store1?c={channel} -> 302 to {way['userid']}'s QR; "
                f"{added['external_userid']} added {added['userid']} with state {added['state']}"
            )
        if len(staff) < 2:
            raise SystemExit("the scans were not spread over the pool")
        for xml in xmls:
            self.processed(xml)

        step(12, "Attribution and the per-channel stats of the day")
        for customer in customers:
            contact = self.call("GET", f"{api}/admin/contacts/{customer}", role="viewer")
            rel = contact["relationships"][0]
            say(
                f"{customer}: code {rel['code']}, channel {rel['channel']}, "
                f"staff {rel['staff_userid']}"
            )
        stats = self.call("GET", f"{api}/admin/live-codes/store1/stats", role="viewer")
        for row in stats["channels"]:
            say(
                f"{row['day']} {row['channel']:<7} scans {row['scans']}  adds {row['adds']}  "
                f"deletions {row['deletions']}  net {row['net_adds']}  "
                f"conversion {row['conversion']}"
            )
        for row in stats["staff"]:
            say(
                f"{row['userid']:<9} scans {row['scans']}  "
                f"adds {row['adds']} / cap {row['daily_cap']}"
            )
        if [r["adds"] for r in stats["channels"]] != [1, 2]:
            raise SystemExit("the live code's adds were not attributed to their channels")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def step(number: int, title: str) -> None:
    print(f"\n{number}. {title}", flush=True)


def say(text: str) -> None:
    print(f"   {text}", flush=True)


def main() -> int:
    config = StackConfig.ephemeral(log_dir=ROOT / "var" / "log" / "demo")
    print(
        "Starting the local stack (DynamoDB Local, S3, WeCom simulator, chalice local)…", flush=True
    )
    try:
        with LocalStack(config) as stack:
            Demo(stack).run()
    except StartupError as error:
        print(f"the local stack did not start: {error}", file=sys.stderr)
        return 1
    print("\nDemo finished; every service has been stopped.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
