"""The live-code chapter: three scans from two channels are routed to different staff,
their adds attributed, and the day's per-channel stats shown."""

from __future__ import annotations

from local_stack.demo.client import Demo, say, step


def live_codes(demo: Demo) -> None:
    api, sim = demo.api, demo.sim
    demo.call("POST", f"{sim}/_sim/clock", {"offset_s": 0})  # back to today

    step(10, "An operator creates live code 'store1' over zhangsan and lisi, two channels")
    code = demo.call(
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
    created = demo.sim_calls("externalcontact/add_contact_way")
    say(
        f"{len(created)} contact ways created in WeCom, one per member and channel; "
        f"states {sorted({w['state'] for w in ways.values()})}"
    )

    step(11, "Three customers scan: poster, parcel card, poster; each adds the member shown")
    xmls, customers, staff = [], [], set()
    for n, channel in enumerate(("poster", "parcel", "poster"), start=1):
        location = demo.scan("store1", channel)
        way = ways[location]
        added = demo.call(
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
        demo.processed(xml)

    step(12, "Attribution and the per-channel stats of the day")
    for customer in customers:
        contact = demo.call("GET", f"{api}/admin/contacts/{customer}", role="viewer")
        rel = contact["relationships"][0]
        say(
            f"{customer}: code {rel['code']}, channel {rel['channel']}, staff {rel['staff_userid']}"
        )
    stats = demo.call("GET", f"{api}/admin/live-codes/store1/stats", role="viewer")
    for row in stats["channels"]:
        say(
            f"{row['day']} {row['channel']:<7} scans {row['scans']}  adds {row['adds']}  "
            f"deletions {row['deletions']}  net {row['net_adds']}  "
            f"conversion {row['conversion']}"
        )
    for row in stats["staff"]:
        say(f"{row['userid']:<9} scans {row['scans']}  adds {row['adds']} / cap {row['daily_cap']}")
    if [r["adds"] for r in stats["channels"]] != [1, 2]:
        raise SystemExit("the live code's adds were not attributed to their channels")
