"""What the callback pipeline calls: a live code's cap counter and referral credit on
contact adds; group codes' join credit and rotation on group membership changes."""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING

from chalicelib.livecodes import scan_store, states, store
from chalicelib.livecodes.queries import REFERRAL_CHANNEL
from chalicelib.livecodes.scanning import now_local

if TYPE_CHECKING:
    from chalicelib.signals import ContactAdded, GroupChanged


def on_contact_added(signal: ContactAdded) -> bool:
    """Count a real add through a live code toward the member's daily cap, once per
    event, and credit a referral code's add to its referrer; False when the add came
    through no live code (the per-channel stats are contacts'). The use cases (and the
    codes' models) load only for a printed code or a referral: an add through any other
    code needs neither."""
    event, contact = signal.event, signal.contact
    source = states.decode(event.state)
    if source is None:
        return False
    at = event.create_time or int(time.time())
    day = now_local(at).date().isoformat()
    counted = store.count_add_once(f"{event.key}#live-code-add", source.code, day, event.user_id)
    loaded = scan_store.load_for_scan(source.code, now_local().date().isoformat())
    if loaded[0] is not None and json.loads(loaded[0]).get("printed"):
        from chalicelib.livecodes import service

        service.refresh_printed(source.code, loaded)
    if source.channel == REFERRAL_CHANNEL and contact is not None:
        from chalicelib.livecodes import service

        service.credit_referral(event.key, source.code, contact.external_userid, event.user_id, at)
    return counted


def on_group_changed(signal: GroupChanged) -> list[str]:
    """After the groups context stored a membership change: credit QR joins to the group
    codes holding the group, and rotate full groups out of their join ways. The codes
    whose groups changed."""
    event = signal.event
    if event.change_type != "update" or event.update_detail not in ("add_member", "del_member"):
        return []
    from chalicelib.livecodes import groupcodes

    if event.update_detail == "add_member" and event.join_scene == groupcodes.JOINED_BY_QR:
        joins = len(event.mem_change_list) or int(event.mem_change_cnt or 0)
        day = now_local(event.create_time or int(time.time())).date().isoformat()
        if joins:
            groupcodes.count_joins(f"{event.key}#group-code-join", event.chat_id, joins, day)
    return groupcodes.rotate(event.chat_id)
