"""The membership table's items (see :data:`chalicelib.storage.schema.MEMBERSHIP`).

- ``pk=member#<contact>``, ``sk=tier``: :class:`TierItem`, the current tier; ``tier_key``
  (→ by_tier, sparse) only above the base level, with the time of its next review
  (stored as ``reviewed_at``, the by_tier sort key; a tier stored before review times
  were kept carries the time of its change there, so it is due at once)
- ``pk=member#<contact>``, ``sk=hist#<version, 10 digits>``: :class:`HistoryItem`
- ``pk=config``, ``sk=tiers``: :class:`ConfigItem`, the tier levels

Reads return the context's domain objects (:class:`~chalicelib.membership.models.Tier`,
:class:`~chalicelib.membership.models.TierChange`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import PynamoDBException, UpdateError

from chalicelib.membership.models import Tier, TierChange
from chalicelib.storage import documents
from chalicelib.storage.documents import ConfigDocument
from chalicelib.storage.dynamo import TableModel, condition_failed, index
from chalicelib.storage.keys import Prefix
from chalicelib.storage.ops import Conflict, get_or_none, get_together, transact, unavailable
from chalicelib.storage.schema import MEMBERSHIP

if TYPE_CHECKING:
    from pynamodb.transactions import TransactWrite

TIER = "tier"
TIERS = "tiers"  # the config document of the tier levels
HIST = "hist#"


member_pk = Prefix("member#")


class MembershipItem(TableModel):
    schema = MEMBERSHIP

    class Meta(TableModel.Meta):
        abstract = True

    tier_key = UnicodeAttribute(null=True)
    review_at = NumberAttribute(null=True, attr_name="reviewed_at")

    by_tier = index(MEMBERSHIP, "by_tier")


class TierItem(MembershipItem):
    contact_id = UnicodeAttribute()
    tier = UnicodeAttribute()
    previous_tier = UnicodeAttribute(null=True)
    since = NumberAttribute(default=0)
    version = NumberAttribute(default=0)
    announced = NumberAttribute(default=0)


class HistoryItem(MembershipItem):
    tier = UnicodeAttribute()
    previous_tier = UnicodeAttribute(null=True)
    at = NumberAttribute()
    points = NumberAttribute(default=0)
    spend_cents = NumberAttribute(default=0)


class ConfigItem(ConfigDocument, MembershipItem):
    """``pk=config``, ``sk=tiers``: the tier levels."""


WHAT = "the membership table"


def _tier(item: TierItem) -> Tier:
    return Tier(
        contact_id=item.contact_id,
        tier=item.tier,
        previous_tier=item.previous_tier,
        since=int(item.since or 0),
        version=int(item.version or 0),
        announced=int(item.announced or 0),
        review_at=None if item.review_at is None else int(item.review_at),
    )


def get_tier(contact_id: str) -> Tier | None:
    found = get_or_none(TierItem, member_pk(contact_id), TIER, consistent=True)
    return None if found is None else _tier(found)


def config_and_tier(contact_id: str) -> tuple[dict[str, Any] | None, Tier | None]:
    """The tier levels and the contact's tier, in one read."""
    config, found = get_together(
        [(ConfigItem, documents.CONFIG_PK, TIERS), (TierItem, member_pk(contact_id), TIER)]
    )
    doc = dict(config.doc) if isinstance(config, ConfigItem) else None
    return doc, (_tier(found) if isinstance(found, TierItem) else None)


def tier_name(contact_id: str) -> str | None:
    found = get_tier(contact_id)
    return None if found is None else found.tier


def tiers(contact_ids: Sequence[str]) -> dict[str, str]:
    """The current tier of each contact that has one (BatchGetItem)."""
    keys = [(member_pk(c), TIER) for c in dict.fromkeys(contact_ids)]
    try:
        return {str(item.contact_id): str(item.tier) for item in TierItem.batch_get(keys)}
    except PynamoDBException as error:
        raise unavailable(WHAT) from error


def change_tier(tier: Tier, read_version: int | None, change: TierChange, base: bool) -> None:
    """The new tier and its history entry, in one transaction, if nobody moved it first
    (:class:`~chalicelib.storage.ops.Conflict`). ``base``: the tier is the base level (off
    the by_tier index)."""
    model = TierItem
    item = TierItem(
        member_pk(tier.contact_id),
        TIER,
        contact_id=tier.contact_id,
        tier=tier.tier,
        previous_tier=tier.previous_tier,
        since=tier.since,
        version=tier.version,
        announced=tier.announced,
        tier_key=None if base else tier.tier,
        review_at=None if base else tier.review_at,
    )
    history = HistoryItem(
        member_pk(tier.contact_id),
        f"{HIST}{tier.version:010d}",
        tier=change.tier,
        previous_tier=change.previous_tier,
        at=change.at,
        points=change.points,
        spend_cents=change.spend_cents,
    )
    condition: Any = (
        model.pk.does_not_exist() if read_version is None else model.version == read_version
    )

    def write(tx: TransactWrite) -> None:
        tx.save(item, condition=condition)
        tx.save(history, condition=HistoryItem.pk.does_not_exist())

    transact(write, WHAT)


def mark_announced(contact_id: str, version: int) -> None:
    """The tier's ``version`` was told (a no-op when a later one was already)."""
    model = TierItem
    item = TierItem(member_pk(contact_id), TIER)
    try:
        item.update(actions=[model.announced.set(version)], condition=model.announced < version)
    except UpdateError as error:
        if not condition_failed(error):  # else someone announced it already
            raise unavailable(WHAT) from error


def history(contact_id: str, limit: int) -> list[TierChange]:
    model = HistoryItem
    try:
        return [
            TierChange(
                tier=str(h.tier),
                previous_tier=h.previous_tier,
                at=int(h.at),
                points=int(h.points or 0),
                spend_cents=int(h.spend_cents or 0),
            )
            for h in model.query(
                member_pk(contact_id),
                model.sk.startswith(HIST),
                scan_index_forward=False,
                limit=limit,
            )
        ]
    except PynamoDBException as error:
        raise unavailable(WHAT) from error


def due_members(
    tier: str, now: int, limit: int, start: dict[str, Any] | None = None
) -> tuple[list[Tier], dict[str, Any] | None]:
    """A page of the members at ``tier`` whose review time is ``now`` or earlier, oldest
    first (the by_tier index), and where the next page starts."""
    try:
        found = TierItem.by_tier.query(
            tier, TierItem.review_at <= now, limit=limit, last_evaluated_key=start
        )
        members = [_tier(item) for item in found if isinstance(item, TierItem)]
        return members, found.last_evaluated_key
    except PynamoDBException as error:
        raise unavailable(WHAT) from error


def schedule_review(contact_id: str, version: int, review_at: int) -> None:
    """Review the tier at ``review_at``, if it is still at ``version``
    (:class:`~chalicelib.storage.ops.Conflict` if it moved)."""
    model = TierItem
    item = TierItem(member_pk(contact_id), TIER)
    try:
        item.update(actions=[model.review_at.set(review_at)], condition=model.version == version)
    except UpdateError as error:
        if condition_failed(error):
            raise Conflict(WHAT) from error
        raise unavailable(WHAT) from error


def get_config() -> dict[str, Any] | None:
    return documents.read_config(ConfigItem, TIERS)


def put_config(doc: dict[str, Any], principal: str, at: int) -> None:
    documents.write_config(ConfigItem, TIERS, doc, principal, at, WHAT)
