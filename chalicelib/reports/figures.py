"""Every figure of a report, from daily counters alone (pure).

Definitions (each hand-computable from the counters of the period's days):

- new contacts: ``adds``; deletions: by the customer plus by staff (transfers between staff
  are not losses); net: adds minus deletions;
- retention: of the contacts added in the period, the share not lost since
  (``1 - cohort_lost / adds``), as of generation; churn rate: ``cohort_lost / adds``;
- average retention days: of the relationships that ended in the period;
- conversions: contacts' first paid orders; conversion rate: conversions / new contacts;
- converted orders: paid orders; GMV: their amounts; net GMV: GMV minus refunds;
- repurchase rate: repeat orders / orders (orders from customers who had ordered before);
- fission: customers brought in by referral (points ledger ``referral`` entries);
- points issued, redeemed, expired, reversed; tiers entered and left;
- SOP funnel: deliveries per step in the period, and each step's funnel to date.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping

from chalicelib.reports.models import Period, Report, Sources, Table

Rows = Mapping[str, Mapping[str, Mapping[str, int]]]  # day -> dimension -> counter -> value

DELETIONS = ("deletions_by_customer", "deletions_by_staff")


def ratio(part: float, whole: float) -> float | None:
    return None if not whole else part / whole


def _sum(rows: Rows, dimension_prefix: str) -> dict[str, dict[str, int]]:
    """Counters summed over the period per dimension starting with the prefix."""
    totals: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for dims in rows.values():
        for dim, counters in dims.items():
            if dim.startswith(dimension_prefix):
                for name, value in counters.items():
                    totals[dim[len(dimension_prefix) :]][name] += value
    return totals


def _deletions(c: Mapping[str, int]) -> int:
    return sum(c.get(name, 0) for name in DELETIONS)


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _money(cents: int) -> str:
    return f"¥{cents / 100:,.2f}"


def _yuan(cents: int) -> float:
    return round(cents / 100, 2)


def _rate(value: float | None) -> float | None:
    return None if value is None else round(value * 100, 1)


def build(period: Period, rows: Rows, sources: Sources, timezone: str, at: int) -> Report:
    channels = _sum(rows, "channel#")
    total = _sum(rows, "total")[""]
    adds = sum(c.get("adds", 0) for c in channels.values())
    deletions = sum(_deletions(c) for c in channels.values())
    lost = sum(c.get("cohort_lost", 0) for c in channels.values())
    ret_sum = sum(c.get("retention_days_sum", 0) for c in channels.values())
    ret_known = sum(c.get("retention_known", 0) for c in channels.values())
    orders, first, repeat = total["orders"], total["first_orders"], total["repeat_orders"]
    gmv, refunds = total["gmv_cents"], total["refunded_cents"]
    retention = ratio(adds - lost, adds)
    figures: dict[str, float | int | None] = {
        "new_contacts": adds,
        "deletions": deletions,
        "net_adds": adds - deletions,
        "retention_rate": retention,
        "churn_rate": ratio(lost, adds),
        "avg_retention_days": ratio(ret_sum, ret_known),
        "conversions": first,
        "conversion_rate": ratio(first, adds),
        "orders": orders,
        "repeat_orders": repeat,
        "repurchase_rate": ratio(repeat, orders),
        "gmv_cents": gmv,
        "refunded_cents": refunds,
        "net_gmv_cents": gmv - refunds,
        "referrals": total["referrals"],
        "points_issued": total["points_issued"],
        "points_earned": total["points_earned"],
        "task_points": total["task_points"],
        "referral_points": total["referral_points"],
        "points_adjusted_in": total["points_adjusted_in"],
        "points_adjusted_out": total["points_adjusted_out"],
        "points_redeemed": total["points_redeemed"],
        "deliveries": total["deliveries"],
    }
    avg_days = figures["avg_retention_days"]
    summary = [
        ("新增客户 New contacts", str(adds)),
        ("流失 Deletions", str(deletions)),
        ("净增 Net adds", str(adds - deletions)),
        ("留存率 Retention", _pct(retention)),
        ("平均留存天数 Avg retention days", "—" if avg_days is None else f"{avg_days:.1f}"),
        ("转化 Conversions", str(first)),
        ("转化率 Conversion rate", _pct(ratio(first, adds))),
        ("成交订单 Orders", str(orders)),
        ("复购率 Repurchase rate", _pct(ratio(repeat, orders))),
        ("GMV", _money(gmv)),
        ("净 GMV Net GMV", _money(gmv - refunds)),
        ("裂变 Referrals", str(total["referrals"])),
        ("积分发放 Points issued", str(total["points_issued"])),
        (
            "其中 Of which earned / tasks / referrals",
            f"{total['points_earned']} / {total['task_points']} / {total['referral_points']}",
        ),
        (
            "手工调整 Manual adjustments",
            f"+{total['points_adjusted_in']} / -{total['points_adjusted_out']}",
        ),
        ("积分兑换 Points redeemed", str(total["points_redeemed"])),
    ]
    tables = [
        _channels_table(channels),
        _daily_table(period, rows),
        _codes_table(_sum(rows, "code#")),
        _staff_table(_sum(rows, "staff#"), sources),
        _funnel_table(_sum(rows, "sop#"), sources),
        _points_table(total),
        _tiers_table(_sum(rows, "tier#")),
    ]
    return Report(
        period=period,
        timezone=timezone,
        generated_at=at,
        summary=summary,
        figures=figures,
        tables=tables,
    )


def _channels_table(channels: Mapping[str, Mapping[str, int]]) -> Table:
    columns = [
        "channel",
        "new_contacts",
        "deletions",
        "net_adds",
        "retention_rate_pct",
        "avg_retention_days",
        "conversions",
        "conversion_rate_pct",
        "orders",
        "repeat_orders",
        "repurchase_rate_pct",
        "gmv_yuan",
        "net_gmv_yuan",
    ]
    rows = []
    for name in sorted(channels, key=lambda n: (-channels[n].get("adds", 0), n)):
        c = channels[name]
        adds, dels = c.get("adds", 0), _deletions(c)
        avg = ratio(c.get("retention_days_sum", 0), c.get("retention_known", 0))
        rows.append(
            [
                name,
                adds,
                dels,
                adds - dels,
                _rate(ratio(adds - c.get("cohort_lost", 0), adds)),
                None if avg is None else round(avg, 1),
                c.get("first_orders", 0),
                _rate(ratio(c.get("first_orders", 0), adds)),
                c.get("orders", 0),
                c.get("repeat_orders", 0),
                _rate(ratio(c.get("repeat_orders", 0), c.get("orders", 0))),
                _yuan(c.get("gmv_cents", 0)),
                _yuan(c.get("gmv_cents", 0) - c.get("refunded_cents", 0)),
            ]
        )
    return Table(
        name="channels",
        title="渠道 Channels: new contacts, retention, conversion, GMV",
        columns=columns,
        rows=rows,
        chart=("bar", "channel", ["new_contacts", "net_adds", "conversions"]),
        note="retention: share of the period's new contacts not lost since (as of generation)",
    )


def _daily_table(period: Period, rows: Rows) -> Table:
    columns = [
        "day",
        "new_contacts",
        "deletions",
        "net_adds",
        "orders",
        "first_orders",
        "repeat_orders",
        "gmv_yuan",
        "refunds_yuan",
        "group_joins",
        "deliveries",
    ]
    out = []
    for day in period.days:
        dims = rows.get(day, {})
        adds = sum(c.get("adds", 0) for d, c in dims.items() if d.startswith("channel#"))
        dels = sum(_deletions(c) for d, c in dims.items() if d.startswith("channel#"))
        joins = dims.get("groups", {}).get("joins", 0)  # every group's, kept on write
        t = dims.get("total", {})
        out.append(
            [
                day,
                adds,
                dels,
                adds - dels,
                t.get("orders", 0),
                t.get("first_orders", 0),
                t.get("repeat_orders", 0),
                _yuan(t.get("gmv_cents", 0)),
                _yuan(t.get("refunded_cents", 0)),
                joins,
                t.get("deliveries", 0),
            ]
        )
    return Table(
        name="daily",
        title="每日 Day by day",
        columns=columns,
        rows=out,
        chart=("line", "day", ["new_contacts", "deletions", "orders"]),
    )


def _codes_table(codes: Mapping[str, Mapping[str, int]]) -> Table:
    rows = []
    for key in sorted(codes):
        code, _, channel = key.partition("#")
        c = codes[key]
        rows.append(
            [
                code,
                channel,
                c.get("adds", 0),
                _deletions(c),
                c.get("first_orders", 0),
                c.get("orders", 0),
                _yuan(c.get("gmv_cents", 0) - c.get("refunded_cents", 0)),
            ]
        )
    columns = ["code", "channel", "new_contacts", "deletions", "conversions", "orders"]
    return Table(
        name="live_codes",
        title="活码 Live codes",
        columns=[*columns, "net_gmv_yuan"],
        rows=rows,
    )


def _staff_table(staff: Mapping[str, Mapping[str, int]], sources: Sources) -> Table:
    behavior = {b.userid: b for b in sources.staff}
    rows = []
    for userid in sorted(set(staff) | set(behavior)):
        c = staff.get(userid, {})
        b = behavior.get(userid)
        rows.append(
            [
                userid,
                c.get("adds", 0),
                _deletions(c),
                None if b is None else b.new_apply_cnt,
                None if b is None else b.chat_cnt,
                None if b is None else b.message_cnt,
                None if b is None else b.reply_percentage,
                None if b is None else b.avg_reply_time,
                None if b is None else b.negative_feedback_cnt,
                None if b is None else b.group_chat_total,
                None if b is None else b.group_new_member_cnt,
            ]
        )
    return Table(
        name="staff",
        title="员工服务 Staff service",
        columns=[
            "staff",
            "adds",
            "deletions",
            "applications",
            "chats",
            "messages_sent",
            "reply_rate_pct",
            "avg_reply_minutes",
            "deleted_by_customer",
            "group_chats",
            "group_new_members",
        ],
        rows=rows,
        chart=("bar", "staff", ["adds", "chats", "messages_sent"]),
        note="applications, chats, messages, reply rate and time: WeCom's own statistics",
    )


def _funnel_table(steps: Mapping[str, Mapping[str, int]], sources: Sources) -> Table:
    rows = []
    known = set()
    for s in sources.funnel:
        known.add(f"{s.plan_id}#{s.step_id}")
        delivered_in_period = steps.get(f"{s.plan_id}#{s.step_id}", {}).get("deliveries", 0)
        rows.append(
            [
                s.plan_name or s.plan_id,
                s.step_id,
                delivered_in_period,
                s.targeted,
                s.sent,
                s.delivered,
                _rate(ratio(s.delivered, s.targeted)),
                s.orders,
                _yuan(s.gmv_cents),
            ]
        )
    for key in sorted(set(steps) - known):
        plan, _, step = key.partition("#")
        rows.append(
            [plan, step, steps[key].get("deliveries", 0), None, None, None, None, None, None]
        )
    return Table(
        name="sop_funnel",
        title="SOP 节点漏斗 SOP node funnel",
        columns=[
            "plan",
            "step",
            "delivered_in_period",
            "targeted",
            "sent",
            "delivered",
            "delivery_rate_pct",
            "orders",
            "gmv_yuan",
        ],
        rows=rows,
        chart=("bar", "step", ["targeted", "sent", "delivered", "orders"]),
        note="targeted to GMV: each step's funnel to date; delivered_in_period: this period",
    )


def _points_table(total: Mapping[str, int]) -> Table:
    names = [
        ("points_issued", "issued (earned, tasks, referrals; no adjustments)"),
        ("points_earned", "of which earned on orders"),
        ("task_points", "of which for tasks"),
        ("referral_points", "of which for referrals"),
        ("points_adjusted_in", "manual adjustments added"),
        ("points_adjusted_out", "manual adjustments removed"),
        ("points_redeemed", "redeemed"),
        ("points_expired", "expired"),
        ("points_reversed", "reversed (refunds)"),
        ("referrals", "referrals (fission)"),
    ]
    return Table(
        name="points",
        title="积分与裂变 Points and fission",
        columns=["figure", "value"],
        rows=[[label, total.get(name, 0)] for name, label in names],
        chart=("bar", "figure", ["value"]),
    )


def _tiers_table(tiers: Mapping[str, Mapping[str, int]]) -> Table:
    rows = [
        [t, c.get("entered", 0), c.get("left", 0), c.get("entered", 0) - c.get("left", 0)]
        for t, c in sorted(tiers.items())
    ]
    return Table(
        name="tiers",
        title="会员等级 Membership tiers",
        columns=["tier", "entered", "left", "net"],
        rows=rows,
        chart=("bar", "tier", ["entered", "left"]),
    )
