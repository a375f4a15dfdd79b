"""Effects that happen once per event, even when the event is processed again.

A handler may run more than once for one callback (a crash after its effect, before the
completion mark). Writes that are not naturally idempotent — a counter increment, an alert
to staff — are guarded by a marker item ``once#<effect id>`` in the runtime-state table:

- :func:`apply_once` writes the marker and the effect's own updates in one transaction, so
  both happen or neither does (counters);
- :func:`claim_once` writes the marker alone, before an effect outside DynamoDB (a WeCom
  message); :func:`release` removes it when that effect failed, so a retry tries again.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING

from pynamodb.attributes import TTLAttribute, UnicodeAttribute
from pynamodb.exceptions import DeleteError, PutError, TransactWriteError

from chalicelib.core.errors import DependencyUnavailable
from chalicelib.storage.dynamo import TableModel, condition_failed
from chalicelib.storage.ops import transaction
from chalicelib.storage.schema import RUNTIME_STATE

if TYPE_CHECKING:
    from pynamodb.transactions import TransactWrite

MARKER_TTL = timedelta(days=35)


class EffectMarker(TableModel):
    schema = RUNTIME_STATE

    class Meta(TableModel.Meta):
        abstract = False

    pk = UnicodeAttribute(hash_key=True)
    expires_at = TTLAttribute()


def _marker(effect_id: str) -> EffectMarker:
    return EffectMarker.bound()(f"once#{effect_id}", expires_at=MARKER_TTL)


def apply_once(effect_id: str, effect: Callable[[TransactWrite], None]) -> bool:
    """Run ``effect``'s writes with the marker in one transaction; False if already applied."""
    marker = _marker(effect_id)
    position = 0
    try:
        with transaction() as tx:
            tx.save(marker, condition=EffectMarker.pk.does_not_exist())
            effect(tx)
            position = _marker_position(tx)
    except TransactWriteError as error:
        reasons = list(error.cancellation_reasons or [])
        found = reasons[position] if position < len(reasons) else None
        if found is not None and found.code == "ConditionalCheckFailed":
            return False
        if any(r is not None and r.code == "ConditionalCheckFailed" for r in reasons):
            raise EffectRefused(f"a condition of effect {effect_id} did not hold") from error
        raise DependencyUnavailable("a once-only write did not go through") from error
    return True


class EffectRefused(DependencyUnavailable):
    """A condition of the effect itself failed (not the marker): nothing was written, and
    the effect was not applied before either."""

    code = "effect_refused"


def _marker_position(tx: TransactWrite) -> int:
    """Where the marker sits in the request: PynamoDB sends condition checks, deletes,
    puts, then updates, whatever the order of the calls; the marker is the first put."""
    return len(tx._condition_check_items) + len(tx._delete_items)


def claim_once(effect_id: str) -> bool:
    """Write the marker alone; True when this caller is the first (and should act)."""
    try:
        _marker(effect_id).save(condition=EffectMarker.pk.does_not_exist())
    except PutError as error:
        if condition_failed(error):
            return False
        raise DependencyUnavailable("the effect marker could not be written") from error
    return True


def release(effect_id: str) -> None:
    """Forget a claim whose effect failed, so the next attempt acts again."""
    try:
        _marker(effect_id).delete()
    except DeleteError as error:
        raise DependencyUnavailable("the effect marker could not be removed") from error
