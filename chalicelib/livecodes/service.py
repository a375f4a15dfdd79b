"""Use cases of live codes: admin upkeep with WeCom kept in step, the stats (the scan:
:mod:`chalicelib.livecodes.scanning`, re-exported here).

WeCom side: every member (pool and backups) gets one single-person contact way per
channel of the code, with the state ``lc:<code>:<channel>``; the redirect chooses among
them under the code's rules, so rotation, caps and schedules are ours and WeCom never
needs rewriting on a timer. Saving a code creates the ways it lacks, updates the ones
whose settings changed and deletes the ones no longer needed; deleting a code deletes
its ways.

Caps (see docs/decisions.md): real adds (``add#<userid>``, moved once per add callback)
are authoritative; each scan also reserves a slot with a conditional update, held for the
code's ``hold_s`` window (``hold#<userid>``), so concurrent scans can never route more
than what ``daily_cap × scan_allowance`` leaves after the real adds to a member within a
window, a member whose real adds reached the cap gets no scan at all, and scans alone
close a member for one window at most, never for the day.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterable
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.metrics import MetricUnit

from chalicelib import signals
from chalicelib.core.errors import BadRequest, Forbidden
from chalicelib.core.observability import logger, metrics
from chalicelib.livecodes import queries, rotation, states, store
from chalicelib.livecodes.errors import LiveCodeNotFound
from chalicelib.livecodes.models import (
    ChannelStats,
    CodeStats,
    LiveCode,
    LiveCodeIn,
    PrintedWay,
    ReferralCodeIn,
    StaffIn,
    StaffStats,
    Way,
)
from chalicelib.livecodes.scanning import MAX_ATTEMPTS as MAX_ATTEMPTS
from chalicelib.livecodes.scanning import Routed as Routed
from chalicelib.livecodes.scanning import now_local as now_local
from chalicelib.livecodes.scanning import parsed_code as _parsed
from chalicelib.livecodes.scanning import routes_of as routes_of
from chalicelib.livecodes.scanning import scan as scan
from chalicelib.livecodes.scanning import today_of as _today

if TYPE_CHECKING:
    from chalicelib.auth.roles import Role

ADD_WAY = "externalcontact/add_contact_way"
UPDATE_WAY = "externalcontact/update_contact_way"
DEL_WAY = "externalcontact/del_contact_way"
MAX_STATS_DAYS = 31


# --- admin ---------------------------------------------------------------------------------


#: Fields of a live code that a weaker role may not change (docs/decisions.md, "Role per
#: field"): ``tag_ids`` makes an auto-tag rule, which only an admin may make directly at
#: ``/admin/tag-rules``; ``referrer`` credits every add of the code (and its referral
#: points) to a contact, which only the referral-code route sets for an operator.
FIELD_ROLES: dict[str, Role] = {"tag_ids": "admin", "referrer": "admin"}


def check_field_roles(
    values: dict[str, Any], old: LiveCode | None, role: str, fields: Iterable[str]
) -> None:
    """A 403 naming the first field in ``fields`` whose new value differs from the stored
    one (or the default, for a new code) while ``role`` is weaker than it needs."""
    from chalicelib.auth.roles import allows

    for name in fields:
        needed = FIELD_ROLES[name]
        before = (
            getattr(old, name)
            if old is not None
            else LiveCodeIn.model_fields[name].get_default(call_default_factory=True)
        )
        if values.get(name) != before and not allows(role, needed):
            raise Forbidden(f"changing {name} needs the {needed} role", code="field_role_required")


class _Undo:
    """The WeCom changes made so far by one save, undone (newest first) when the save
    fails, so a refused save leaves WeCom as it was."""

    def __init__(self) -> None:
        self.steps: list[tuple[str, dict[str, Any]]] = []

    def add(self, path: str, data: dict[str, Any]) -> None:
        self.steps.append((path, data))

    def run(self) -> None:
        from chalicelib.wecom.client import get_client

        client = get_client()
        for path, data in reversed(self.steps):
            try:
                client.post(path, data=data)
            except Exception:  # noqa: BLE001 - best effort: the first error is the answer
                logger.exception("could not undo a WeCom change", extra={"path": path})


def put_code(code: str, body: LiveCodeIn, principal: str, role: str | None = None) -> LiveCode:
    """Create or replace a code and bring its WeCom contact ways, welcome message and
    auto-tag rule in step, all or nothing: WeCom is called first (new ways created,
    changed ones updated), then the code is written once; if WeCom refuses or the write
    fails, the ways made are deleted and the updated ones restored. Ways no longer needed
    are deleted after the write. ``role`` (the caller's, for an admin route) is checked
    against :data:`FIELD_ROLES`; the product's own saves pass none."""
    now = int(time.time())
    old = _load(code)
    if role is not None:
        check_field_roles(body.model_dump(), old, role, FIELD_ROLES)
    if body.referrer and (old is None or old.referrer != body.referrer):
        from chalicelib.contacts.queries import require_contact

        require_contact(body.referrer)
    ways: dict[tuple[str, str], Way] = {(w.userid, w.channel): w for w in (old.ways if old else [])}
    printed = {w.channel: w for w in (old.printed_ways if old else [])}
    undo = _Undo()
    try:
        retired = _sync_ways(code, body, old, ways, undo)
        users = _eligible(body, store.load_for_scan(code, _day())[1])
        retired += _sync_printed(code, body, printed, users, undo)[1]
        saved = LiveCode(
            **body.model_dump(),
            code=code,
            ways=sorted(ways.values(), key=lambda w: (w.channel, w.userid)),
            printed_ways=sorted(printed.values(), key=lambda w: w.channel),
            created_at=old.created_at if old else now,
            updated_at=now,
            updated_by=principal,
        )
        retired_channels = sorted(set(old.channels if old else []) - set(body.channels))
        store.put_doc(
            code, saved.model_dump(mode="json"), body.name, now, routes_of(saved), retired_channels
        )
    except Exception:
        undo.run()
        raise
    _delete_ways(code, retired)
    _announce_saved(code, body, principal, now)
    logger.info("live code saved", extra={"code": code, "ways": len(saved.ways)})
    return saved


def _delete_ways(code: str, config_ids: list[str]) -> None:
    """Delete ways the saved code no longer uses. A failure leaves an unused way in
    WeCom (logged), never a code pointing at a deleted one."""
    from chalicelib.wecom.client import get_client

    client = get_client()
    for config_id in config_ids:
        try:
            client.post(DEL_WAY, data={"config_id": config_id})
        except Exception:  # noqa: BLE001 - the code is saved; the way is only unused
            logger.exception(
                "an unused contact way could not be deleted",
                extra={"code": code, "config_id": config_id},
            )


def get_code(code: str) -> LiveCode:
    found = _load(code)
    if found is None:
        raise LiveCodeNotFound(f"no live code {code}")
    return found


def list_codes() -> list[LiveCode]:
    return [found for code in store.list_codes() if (found := _load(code)) is not None]


def delete_code(code: str) -> None:
    """Delete the code and its contact ways (a printed QR stops working)."""
    from chalicelib.wecom.client import get_client

    found = get_code(code)
    client = get_client()
    for config_id in [w.config_id for w in found.ways] + [w.config_id for w in found.printed_ways]:
        client.post(DEL_WAY, data={"config_id": config_id})
    store.delete_doc(code, found.channels)
    at = int(time.time())
    signals.publish(
        signals.LiveCodeDeleted(effect_id=f"live-code-deleted#{code}#{at}", code=code, at=at)
    )
    logger.info("live code deleted", extra={"code": code})


def _load(code: str) -> LiveCode | None:
    doc = store.get_doc(code)
    return None if doc is None else LiveCode.model_validate(doc)


def _sync_ways(
    code: str,
    body: LiveCodeIn,
    old: LiveCode | None,
    ways: dict[tuple[str, str], Way],
    undo: _Undo,
) -> list[str]:
    """Create the ways ``body`` lacks and update those whose settings changed (each
    recorded in ``undo``); drop the unneeded ones from ``ways`` and return their ids, to
    be deleted once the code is saved."""
    from chalicelib.wecom.client import get_client

    client = get_client()
    members = [m.userid for m in body.staff] + [u for u in body.backup if u not in _userids(body)]
    wanted = {(userid, channel) for userid in members for channel in body.channels}
    settings_changed = old is not None and old.skip_verify != body.skip_verify
    for key in sorted(wanted):
        userid, channel = key
        state = states.encode(code, channel)
        payload: dict[str, Any] = {
            "skip_verify": body.skip_verify,
            "state": state,
            "remark": f"{code} {channel}"[:30],
        }
        existing = ways.get(key)
        if existing is None:
            answer = client.post(ADD_WAY, data={"type": 1, "scene": 2, "user": [userid], **payload})
            ways[key] = Way(
                userid=userid,
                channel=channel,
                config_id=str(answer["config_id"]),
                qr_code=str(answer.get("qr_code") or ""),
                state=state,
            )
            undo.add(DEL_WAY, {"config_id": ways[key].config_id})
        elif settings_changed and old is not None:
            client.post(UPDATE_WAY, data={"config_id": existing.config_id, **payload})
            undo.add(
                UPDATE_WAY,
                {"config_id": existing.config_id, **payload, "skip_verify": old.skip_verify},
            )
    return [ways.pop(key).config_id for key in sorted(set(ways) - wanted)]


def _day() -> str:
    return now_local().date().isoformat()


def _eligible(body: LiveCodeIn, counters: dict[str, int]) -> list[str]:
    """Who a printed way should hold right now: the members on duty and under their cap,
    else the backups, else the whole pool (a way needs at least one member)."""
    today = _today(counters)
    local = now_local()
    ranked = [
        m.userid
        for m in body.staff
        if rotation.on_duty(m, local) and rotation.has_room(m, today, body.scan_allowance)
    ]
    return ranked or list(body.backup) or [m.userid for m in body.staff]


def _sync_printed(
    code: str,
    body: LiveCodeIn,
    printed: dict[str, PrintedWay],
    users: list[str],
    undo: _Undo | None = None,
) -> tuple[bool, list[str]]:
    """Create or rewrite (only when its members differ) the printed ways, recording each
    change in ``undo``; drop the unneeded ones from ``printed``. Whether anything changed,
    and the ids of the dropped ways, to be deleted once the code is saved."""
    from chalicelib.wecom.client import get_client

    client = get_client()
    changed = False
    wanted = set(body.channels) if body.printed else set()
    for channel in sorted(wanted):
        payload: dict[str, Any] = {
            "skip_verify": body.skip_verify,
            "state": states.encode(code, channel),
            "remark": f"{code} {channel} printed"[:30],
            "user": users,
        }
        existing = printed.get(channel)
        if existing is None:
            answer = client.post(ADD_WAY, data={"type": 2, "scene": 2, **payload})
            printed[channel] = PrintedWay(
                channel=channel,
                config_id=str(answer["config_id"]),
                qr_code=str(answer.get("qr_code") or ""),
                users=users,
            )
            if undo is not None:
                undo.add(DEL_WAY, {"config_id": printed[channel].config_id})
            changed = True
        elif existing.users != users:
            client.post(UPDATE_WAY, data={"config_id": existing.config_id, **payload})
            if undo is not None:
                undo.add(
                    UPDATE_WAY,
                    {"config_id": existing.config_id, **payload, "user": existing.users},
                )
            printed[channel] = existing.model_copy(update={"users": users})
            changed = True
    retired = [printed.pop(channel).config_id for channel in sorted(set(printed) - wanted)]
    return changed or bool(retired), retired


def refresh_printed(code: str, loaded: tuple[str | None, dict[str, int]] | None = None) -> bool:
    """Keep a printed code's multi-person ways eligible after an event (an add that may
    have filled a cap, a shift that began or ended); True when WeCom was rewritten.
    ``loaded``: the code's document and today's counters, already read."""
    raw, counters = loaded or store.load_for_scan(code, _day())
    if raw is None:
        return False
    live = _parsed(raw)
    if not live.printed:
        return False
    printed = {w.channel: w for w in live.printed_ways}
    changed, retired = _sync_printed(code, live, printed, _eligible(live, counters))
    if not changed:
        return False
    updated = live.model_copy(
        update={"printed_ways": sorted(printed.values(), key=lambda w: w.channel)}
    )
    store.put_doc(code, updated.model_dump(mode="json"), live.name, int(time.time()))
    _delete_ways(code, retired)
    logger.info("printed live code rewritten", extra={"code": code})
    return True


def refresh_printed_codes() -> list[str]:
    """Printed codes whose members changed since the last look (a shift began or ended, a
    new local day reset the caps), rewritten in WeCom; the others cost one Query each and
    no WeCom call."""
    return [code for code in store.list_codes(store.PRINTED) if refresh_printed(code)]


def _userids(body: LiveCodeIn) -> set[str]:
    return {m.userid for m in body.staff}


def _announce_saved(code: str, body: LiveCodeIn, principal: str, at: int) -> None:
    """The code's welcome text and auto-tags are the welcome and tags contexts' to keep
    (a welcome message keyed ``code:<code>``, a tag rule matching the code)."""
    signals.publish(
        signals.LiveCodeSaved(
            effect_id=f"live-code-saved#{code}#{at}",
            code=code,
            welcome_text=body.welcome_text,
            tag_ids=tuple(body.tag_ids),
            by=principal,
            at=at,
        )
    )


# --- adds from the callbacks ---------------------------------------------------------------


def credit_referral(event_key: str, code: str, external_userid: str, userid: str, at: int) -> str:
    """Credit an add through a referral code to the referring contact, on both timelines
    (once per event: timeline entries are keyed by it). The referrer, or "" for a code
    that is not a referral code."""
    found = _load(code)
    if found is None or not found.referrer or found.referrer == external_userid:
        return ""
    signals.publish(
        signals.ReferralCredited(
            effect_id=event_key,
            code=code,
            referrer=found.referrer,
            referred=external_userid,
            staff_userid=userid,
            at=at,
        )
    )
    metrics.add_metric(name="ReferralCredited", unit=MetricUnit.Count, value=1)
    logger.info("referral credited", extra={"code": code, "referrer": found.referrer})
    return found.referrer


# --- referral codes ------------------------------------------------------------------------

REFERRAL_CHANNEL = queries.REFERRAL_CHANNEL


def referral_code_id(external_userid: str) -> str:
    """A contact's referral code id: ``r`` + 9 base-36 digits of a hash of their id, so
    asking again finds the same code."""
    digest = int.from_bytes(hashlib.sha256(external_userid.encode()).digest()[:8], "big")
    digits = ""
    for _ in range(9):
        digest, rest = divmod(digest, 36)
        digits += "0123456789abcdefghijklmnopqrstuvwxyz"[rest]
    return "r" + digits


def put_referral_code(
    external_userid: str, body: ReferralCodeIn, principal: str, role: str | None = None
) -> LiveCode:
    """Create or refresh a contact's personal code, for fission: its adds are credited to
    the contact. The pool defaults to the staff members who follow the contact."""
    from chalicelib.contacts.errors import ContactNotFound
    from chalicelib.contacts.queries import find_contact

    contact = find_contact(external_userid)
    if contact is None:
        raise ContactNotFound(f"no contact {external_userid}")
    staff = body.staff or [
        StaffIn.model_validate({"userid": r.staff_userid})
        for r in contact.relationships
        if r.status == "active"
    ]
    if not staff:
        raise BadRequest("the contact follows no staff member: name the pool", code="no_pool")
    code = LiveCodeIn.model_validate(
        {
            **body.model_dump(exclude={"staff"}),
            "name": f"referral {contact.name or external_userid}"[:64],
            "staff": [m.model_dump() for m in staff],
            "channels": [REFERRAL_CHANNEL],
            "referrer": external_userid,
        }
    )
    code_id = referral_code_id(external_userid)
    if role is not None:  # the referrer is the contact itself: only the tags are checked
        check_field_roles(code.model_dump(), _load(code_id), role, ["tag_ids"])
    return put_code(code_id, code, principal)


# --- stats ---------------------------------------------------------------------------------


def stats(code: str, first: str | None, last: str | None) -> CodeStats:
    """Per day and channel: scans, adds, deletions (credited to the add's channel), net
    adds and scan→add conversion; per day and member: scans routed and adds against cap."""
    live = get_code(code)
    end = _date(last) if last else now_local().date()
    start = _date(first) if first else end
    if start > end or (end - start).days >= MAX_STATS_DAYS:
        raise BadRequest(f"from..to spans 1 to {MAX_STATS_DAYS} days")
    from chalicelib.reports.queries import code_counters

    counters = store.days(code, start.isoformat(), end.isoformat())
    caps = {m.userid: m.daily_cap for m in live.staff}
    channels: list[ChannelStats] = []
    staff: list[StaffStats] = []
    day = start
    while day <= end:
        key = day.isoformat()
        scans = counters.get(key, {})
        added = code_counters(key, code)
        for channel in sorted(set(live.channels) | set(added)):
            c = added.get(channel, {})
            adds = c.get("adds", 0)
            # a handover keeps the customer: not a deletion here, as in the reports
            deletions = c.get("deletions_by_customer", 0) + c.get("deletions_by_staff", 0)
            n = scans.get(f"scan#{channel}", 0)
            channels.append(
                ChannelStats(
                    day=key,
                    channel=channel,
                    scans=n,
                    adds=adds,
                    deletions=deletions,
                    net_adds=adds - deletions,
                    conversion=round(adds / n, 4) if n else None,
                )
            )
        for userid in [*caps, *(u for u in live.backup if u not in caps)]:
            staff.append(
                StaffStats(
                    day=key,
                    userid=userid,
                    scans=scans.get(f"rsv#{userid}", 0),
                    adds=scans.get(f"add#{userid}", 0),
                    daily_cap=caps.get(userid),
                )
            )
        day += timedelta(days=1)
    return CodeStats(code=code, channels=channels, staff=staff)


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as error:
        raise BadRequest("dates are YYYY-MM-DD") from error


# --- links and QR images -------------------------------------------------------------------


def link(base_url: str, code: str, channel: str) -> str:
    return f"{base_url.rstrip('/')}/l/{code}?c={channel}"


def qr_image(base_url: str, code: str, channel: str | None, kind: str) -> tuple[str, bytes]:
    """A poster QR of the code's link for ``channel`` as ``(link, image bytes)``."""
    from chalicelib.livecodes import qr

    live = get_code(code)
    chosen = channel or live.channels[0]
    if chosen not in live.channels:
        from chalicelib.livecodes.errors import UnknownChannel

        raise UnknownChannel(f"live code {code} has no channel {chosen}")
    target = link(base_url, code, chosen)
    return target, (qr.png(target) if kind == "png" else qr.svg(target))
