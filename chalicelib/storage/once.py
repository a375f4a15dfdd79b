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

from pynamodb.attributes import TTLAttribute, UnicodeAttribute
from pynamodb.connection import Connection
from pynamodb.exceptions import DeleteError, PutError, TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib.core.errors import DependencyUnavailable
from chalicelib.core.settings import get_settings
from chalicelib.storage.dynamo import TableModel
from chalicelib.storage.schema import RUNTIME_STATE

MARKER_TTL = timedelta(days=35)


class EffectMarker(TableModel):
    schema = RUNTIME_STATE

    class Meta(TableModel.Meta):
        abstract = False

    pk = UnicodeAttribute(hash_key=True)
    expires_at = TTLAttribute()


def _marker(effect_id: str) -> EffectMarker:
    return EffectMarker.bound()(f"once#{effect_id}", expires_at=MARKER_TTL)


def transaction() -> TransactWrite:
    """A PynamoDB transaction on the configured endpoint (DynamoDB Local, moto or AWS)."""
    settings = get_settings()
    return TransactWrite(
        connection=Connection(region=settings.aws_region, host=settings.dynamodb_endpoint)
    )


def apply_once(effect_id: str, effect: Callable[[TransactWrite], None]) -> bool:
    """Run ``effect``'s writes with the marker in one transaction; False if already applied."""
    marker = _marker(effect_id)
    try:
        with transaction() as tx:
            tx.save(marker, condition=EffectMarker.pk.does_not_exist())
            effect(tx)
    except TransactWriteError as error:
        reasons = [r.code for r in (error.cancellation_reasons or []) if r is not None]
        if reasons and reasons[0] == "ConditionalCheckFailed":
            return False
        raise DependencyUnavailable("a once-only write did not go through") from error
    return True


def claim_once(effect_id: str) -> bool:
    """Write the marker alone; True when this caller is the first (and should act)."""
    try:
        _marker(effect_id).save(condition=EffectMarker.pk.does_not_exist())
    except PutError as error:
        if error.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise DependencyUnavailable("the effect marker could not be written") from error
    return True


def release(effect_id: str) -> None:
    """Forget a claim whose effect failed, so the next attempt acts again."""
    try:
        _marker(effect_id).delete()
    except DeleteError as error:
        raise DependencyUnavailable("the effect marker could not be removed") from error
