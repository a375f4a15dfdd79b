"""The WeCom calls of a mass message: ``add_msg_template`` (at most 10,000 customers or
2,000 groups a call), ``add_moment_task``, the staff reminder (``message/send``: WeCom sends
nothing until the sender confirms in the client) and the result queries.

The client never replays these POSTs once a request may have reached WeCom; callers claim
each batch with a deterministic id before calling (see :mod:`chalicelib.sop.tick`).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from chalicelib.wecom.errors import WeComError

if TYPE_CHECKING:
    from chalicelib.messaging.content import MessageContent

MAX_CUSTOMERS_PER_CALL = 10_000
MAX_GROUPS_PER_CALL = 2_000
STILL_DISPATCHING = 41063
PAGE = 1000

T = TypeVar("T")


def chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


@dataclass(frozen=True)
class Sent:
    msgid: str
    fail_list: list[str]


def send_to_customers(sender: str, contact_ids: Sequence[str], content: MessageContent) -> Sent:
    from chalicelib.wecom.client import get_client

    if not 1 <= len(contact_ids) <= MAX_CUSTOMERS_PER_CALL:
        raise ValueError("add_msg_template takes 1 to 10,000 customers")
    body = {
        "chat_type": "single",
        "sender": sender,
        "external_userid": list(contact_ids),
        **content.to_wecom(),
    }
    answer = get_client().post("externalcontact/add_msg_template", body)
    return Sent(str(answer["msgid"]), list(answer.get("fail_list") or []))


def send_to_groups(sender: str, chat_ids: Sequence[str], content: MessageContent) -> Sent:
    from chalicelib.wecom.client import get_client

    if not 1 <= len(chat_ids) <= MAX_GROUPS_PER_CALL:
        raise ValueError("add_msg_template takes 1 to 2,000 groups")
    body = {
        "chat_type": "group",
        "sender": sender,
        "chat_id_list": list(chat_ids),
        **content.to_wecom(),
    }
    answer = get_client().post("externalcontact/add_msg_template", body)
    return Sent(str(answer["msgid"]), list(answer.get("fail_list") or []))


def post_moment(sender: str, content: MessageContent) -> str:
    """A Moments post visible to the sender's customers; returns WeCom's ``jobid``."""
    from chalicelib.wecom.client import get_client

    body = {
        "text": {"content": content.text[:2000]},
        "attachments": [a.to_wecom() for a in content.attachments],
        "visible_range": {"sender_list": {"user_list": [sender]}},
    }
    answer = get_client().post("externalcontact/add_moment_task", body)
    return str(answer["jobid"])


def remind(effect_id: str, sender: str, text: str) -> bool:
    """The app message asking the sender to confirm; once per ``effect_id``."""
    from chalicelib.messaging import app

    return app.send_once(effect_id, sender, text)


class StillDispatching(Exception):
    """WeCom answered 41063: the message is still being dispatched; ask again later."""


def tasks(msgid: str) -> list[dict[str, Any]]:
    """Each sender's task: ``status`` 0 not yet confirmed, 2 sent."""
    found: list[dict[str, Any]] = []
    cursor = ""
    while True:
        answer = _post(
            "externalcontact/get_groupmsg_task", {"msgid": msgid, "limit": PAGE, "cursor": cursor}
        )
        found.extend(answer.get("task_list") or [])
        cursor = answer.get("next_cursor") or ""
        if not cursor:
            return found


def send_results(msgid: str, userid: str) -> list[dict[str, Any]]:
    """Per recipient ``status``: 0 not sent, 1 sent, 2 not a friend, 3 already received."""
    found: list[dict[str, Any]] = []
    cursor = ""
    while True:
        body = {"msgid": msgid, "userid": userid, "limit": PAGE, "cursor": cursor}
        answer = _post("externalcontact/get_groupmsg_send_result", body)
        found.extend(answer.get("send_list") or [])
        cursor = answer.get("next_cursor") or ""
        if not cursor:
            return found


def moment_status(jobid: str) -> int:
    """``get_moment_task_result`` status: 1 started, 2 running, 3 done."""
    answer = _post("externalcontact/get_moment_task_result", None, params={"jobid": jobid})
    return int(answer.get("status") or 0)


def _post(path: str, body: Any, params: dict[str, str] | None = None) -> dict[str, Any]:
    from chalicelib.wecom.client import get_client

    client = get_client()
    try:
        if params is not None:
            return dict(client.get(path, params=params))
        return dict(client.post(path, body))
    except WeComError as error:
        if error.errcode == STILL_DISPATCHING:
            raise StillDispatching(path) from error
        raise
