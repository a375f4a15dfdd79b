"""The membership table's items (see :data:`chalicelib.storage.schema.MEMBERSHIP`).

- ``pk=member#<contact>``, ``sk=tier``: :class:`TierItem`, the current tier; ``tier_key``
  (→ by_tier, sparse) only above the base level
- ``pk=member#<contact>``, ``sk=hist#<version, 10 digits>``: :class:`HistoryItem`
- ``pk=config``, ``sk=tiers``: :class:`ConfigItem`, the tier levels
"""

from __future__ import annotations

from typing import Any

from pynamodb.attributes import JSONAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import PynamoDBException, TransactWriteError
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex

from chalicelib.core.errors import DependencyUnavailable
from chalicelib.storage.dynamo import TableModel
from chalicelib.storage.ops import transaction
from chalicelib.storage.schema import MEMBERSHIP

TIER = "tier"
HIST = "hist#"


class Conflict(Exception):
    """The tier changed since it was read."""


def member_pk(contact_id: str) -> str:
    return f"member#{contact_id}"


class ByTier(GlobalSecondaryIndex["MembershipItem"]):
    class Meta:
        index_name = MEMBERSHIP.indexes[0].name
        projection = AllProjection()

    tier_key = UnicodeAttribute(hash_key=True)
    reviewed_at = NumberAttribute(range_key=True)


class MembershipItem(TableModel):
    schema = MEMBERSHIP

    class Meta(TableModel.Meta):
        abstract = True

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    tier_key = UnicodeAttribute(null=True)
    reviewed_at = NumberAttribute(null=True)

    by_tier = ByTier()


class TierItem(MembershipItem):
    class Meta(TableModel.Meta):
        abstract = False

    contact_id = UnicodeAttribute()
    tier = UnicodeAttribute()
    previous_tier = UnicodeAttribute(null=True)
    since = NumberAttribute(default=0)
    version = NumberAttribute(default=0)
    announced = NumberAttribute(default=0)


class HistoryItem(MembershipItem):
    class Meta(TableModel.Meta):
        abstract = False

    tier = UnicodeAttribute()
    previous_tier = UnicodeAttribute(null=True)
    at = NumberAttribute()
    points = NumberAttribute(default=0)
    spend_cents = NumberAttribute(default=0)


class ConfigItem(MembershipItem):
    class Meta(TableModel.Meta):
        abstract = False

    doc = JSONAttribute(default=dict)
    updated_by = UnicodeAttribute(default="")
    updated_at = NumberAttribute(default=0)


def _unavailable() -> DependencyUnavailable:
    return DependencyUnavailable("the membership table did not answer")


def get_tier(contact_id: str) -> TierItem | None:
    model = TierItem.bound()
    try:
        return model.get(member_pk(contact_id), TIER, consistent_read=True)
    except model.DoesNotExist:
        return None
    except PynamoDBException as error:
        raise _unavailable() from error


def change_tier(item: TierItem, read_version: int | None, history: HistoryItem) -> None:
    """The new tier and its history entry, in one transaction, if nobody moved it first."""
    model = TierItem.bound()
    condition: Any = (
        model.pk.does_not_exist() if read_version is None else model.version == read_version
    )
    try:
        with transaction() as tx:
            tx.save(item, condition=condition)
            tx.save(history, condition=HistoryItem.pk.does_not_exist())
    except TransactWriteError as error:
        reasons = [r.code if r is not None else None for r in error.cancellation_reasons or []]
        if "ConditionalCheckFailed" in reasons:
            raise Conflict from error
        raise _unavailable() from error


def mark_reviewed(item: TierItem, at: int) -> None:
    try:
        item.update(actions=[TierItem.reviewed_at.set(at)])
    except PynamoDBException as error:
        raise _unavailable() from error


def mark_announced(item: TierItem, version: int) -> None:
    model = TierItem
    try:
        item.update(actions=[model.announced.set(version)], condition=model.announced < version)
    except PynamoDBException:
        return  # someone announced it already


def history(contact_id: str, limit: int) -> list[HistoryItem]:
    model = HistoryItem.bound()
    try:
        return list(
            model.query(
                member_pk(contact_id),
                model.sk.startswith(HIST),
                scan_index_forward=False,
                limit=limit,
            )
        )
    except PynamoDBException as error:
        raise _unavailable() from error


def due_for_review(tier: str, before: int, limit: int) -> list[TierItem]:
    model = TierItem.bound()
    try:
        found = model.by_tier.query(tier, model.reviewed_at < before, limit=limit)
        return [item for item in found if isinstance(item, TierItem)]
    except PynamoDBException as error:
        raise _unavailable() from error


def get_config() -> dict[str, Any] | None:
    model = ConfigItem.bound()
    try:
        return dict(model.get("config", "tiers", consistent_read=True).doc)
    except model.DoesNotExist:
        return None
    except PynamoDBException as error:
        raise _unavailable() from error


def put_config(doc: dict[str, Any], principal: str, at: int) -> None:
    model = ConfigItem.bound()
    try:
        model("config", "tiers", doc=doc, updated_by=principal, updated_at=at).save()
    except PynamoDBException as error:
        raise _unavailable() from error
