"""The message-caps table: ``pk=contact#<external_userid>`` with the send batches the
customer was part of and when (a map, so recording one batch twice counts once)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import timedelta

from pynamodb.attributes import JSONAttribute, NumberAttribute, TTLAttribute, UnicodeAttribute
from pynamodb.exceptions import PynamoDBException

from chalicelib.core.errors import DependencyUnavailable
from chalicelib.storage.dynamo import TableModel
from chalicelib.storage.schema import MESSAGE_CAPS

#: Sends older than this can no longer count against any cap (a month).
KEEP_S = 32 * 86_400


def cap_pk(contact_id: str) -> str:
    return f"contact#{contact_id}"


class CapItem(TableModel):
    schema = MESSAGE_CAPS

    class Meta(TableModel.Meta):
        abstract = False

    pk = UnicodeAttribute(hash_key=True)
    sends = JSONAttribute(default=dict)  # batch id -> epoch seconds
    updated_at = NumberAttribute(default=0)
    expires_at = TTLAttribute(null=True)


def sent_times(contact_ids: Iterable[str]) -> dict[str, list[int]]:
    """Each contact's recent send times (contacts never sent to are absent)."""
    model = CapItem.bound()
    keys = sorted({cap_pk(c) for c in contact_ids})
    found: dict[str, list[int]] = {}
    try:
        for item in model.batch_get(keys):
            found[item.pk.removeprefix("contact#")] = [int(v) for v in dict(item.sends).values()]
    except PynamoDBException as error:
        raise DependencyUnavailable("the message caps did not answer") from error
    return found


def record_sends(batch_id: str, contact_ids: Iterable[str], at: int, now: int) -> None:
    """Count batch ``batch_id`` against each contact's caps (idempotent per batch)."""
    model = CapItem.bound()
    ids = sorted(set(contact_ids))
    current = _current(model, ids)
    try:
        with model.batch_write() as batch:
            for contact_id in ids:
                sends = {k: v for k, v in current.get(contact_id, {}).items() if v > now - KEEP_S}
                sends[batch_id] = at
                batch.save(
                    model(
                        cap_pk(contact_id),
                        sends=sends,
                        updated_at=now,
                        expires_at=timedelta(seconds=KEEP_S),
                    )
                )
    except PynamoDBException as error:
        raise DependencyUnavailable("the message caps did not accept the sends") from error


def _current(model: type[CapItem], ids: list[str]) -> Mapping[str, dict[str, int]]:
    found: dict[str, dict[str, int]] = {}
    try:
        for item in model.batch_get([cap_pk(c) for c in ids]):
            found[item.pk.removeprefix("contact#")] = {
                k: int(v) for k, v in dict(item.sends).items()
            }
    except PynamoDBException as error:
        raise DependencyUnavailable("the message caps did not answer") from error
    return found
