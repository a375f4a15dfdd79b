"""Acting on stored callbacks: claim under a lease, dispatch, then mark done or retry.

Entry points: the table's stream (each newly stored event, within about a second) and the
sweeper (events whose earlier attempt failed, due again after a backoff). Both go through
:func:`process`, which takes a lease first, so a stream retry, a sweep and a concurrent
duplicate never run one event twice at once; handlers are idempotent for the rare crash
between their effect and the completion mark. A new event is the stream's for a while
(:data:`chalicelib.callbacks.store.STREAM_LEASE_S`, 120 s: a sweep takes it only after
that): the stream acts on its record's new image without a claim while half that time
is left (a claim would only keep out a second processor, and none is due yet).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from aws_lambda_powertools.metrics import MetricUnit

from chalicelib import signals
from chalicelib.callbacks import store
from chalicelib.core.observability import logger, metrics
from chalicelib.core.settings import get_settings
from chalicelib.wecom.errors import MalformedEvent
from chalicelib.wecom.events import TypedEvent, typed
from chalicelib.wecom.inbound import parse_event

LEASE_S = 120
BACKOFF_MAX_S = 6 * 3600

Outcome = Literal["processed", "skipped", "retry", "dead"]
Dispatcher = Callable[[TypedEvent], None]


@dataclass(frozen=True)
class Result:
    key: str
    outcome: Outcome


def backoff_s(attempts: int, base_s: float | None = None) -> float:
    """``CALLBACK_RETRY_BASE_S`` (30 s), then doubling, capped at 6 h, with ±20 % jitter so
    retries spread out."""
    base = get_settings().callback_retry_base_s if base_s is None else base_s
    delay = min(base * 2 ** max(attempts - 1, 0), BACKOFF_MAX_S)
    return float(delay * random.uniform(0.8, 1.2))


def _default_dispatch(event: TypedEvent) -> None:
    from chalicelib.callbacks.dispatch import dispatch

    dispatch(event)


def process(
    key: str,
    *,
    dispatch: Dispatcher = _default_dispatch,
    now: float | None = None,
    image: dict[str, Any] | None = None,
) -> Result:
    """Process one stored event. ``image`` (the stream record's new image): an event
    still the stream's, as stored, is acted on without a claim, which only a second
    processor (a sweep, once the stream's time is over) needs."""
    now = time.time() if now is None else now
    item = store.unclaimed_from_stream(image, now, LEASE_S / 2) if image else None
    if item is None or item.pk != key:
        item = store.claim(key, now, LEASE_S)
    if item is None:
        return Result(key, "skipped")
    logger.append_keys(event_key=key, kind=item.kind)
    unit = signals.Pass()
    try:
        with signals.processing_pass(done=item.done or ()) as unit:
            dispatch(typed(parse_event(item.raw)))
    except MalformedEvent as error:
        return _give_up(item, now, f"malformed: {error.message}")
    except Exception as error:  # noqa: BLE001 - the worker boundary: record, retry later
        logger.exception("callback processing failed", extra={"attempt": item.attempts})
        attempts = int(item.attempts) + (item.status == store.RECEIVED)  # unclaimed: 1st
        if attempts >= get_settings().callback_max_attempts:
            return _give_up(item, now, f"{type(error).__name__}: {error}")
        due_at = now + backoff_s(attempts)
        reason = f"{type(error).__name__}: {error}"
        store.retry_later(item, reason, due_at, dead=False, done=unit.done)
        metrics.add_metric(name="CallbackRetryScheduled", unit=MetricUnit.Count, value=1)
        return Result(key, "retry")
    finally:
        logger.remove_keys(["event_key", "kind"])
    store.complete(item, now)
    metrics.add_metric(name="CallbackProcessed", unit=MetricUnit.Count, value=1)
    return Result(key, "processed")


def _give_up(item: store.CallbackEventModel, now: float, reason: str) -> Result:
    store.retry_later(item, reason, now, dead=True)
    logger.error("callback dead-lettered", extra={"event_key": item.pk, "reason": reason})
    metrics.add_metric(name="CallbackDeadLettered", unit=MetricUnit.Count, value=1)
    return Result(item.pk, "dead")


def process_stream(records: Iterable[Mapping[str, Any]], **options: Any) -> list[Result]:
    """A DynamoDB stream batch: process each newly inserted event."""
    results = []
    for record in records:
        if record.get("eventName") != "INSERT":
            continue
        change = record.get("dynamodb", {})
        key = change.get("Keys", {}).get("pk", {}).get("S")
        if key:
            results.append(process(key, image=change.get("NewImage"), **options))
    return results


def sweep(
    now: float | None = None, limit: int = 200, budget_s: float = 240, **options: Any
) -> list[Result]:
    """Process pending events that are due (failed earlier, or missed by the stream), from
    every pending shard, within ``budget_s`` so a run ends well inside its Lambda timeout
    (the first event is always processed: every run makes progress); the next run goes on."""
    now = time.time() if now is None else now
    started = time.monotonic()
    results: list[Result] = []
    for key in [item.pk for item in store.due(now, limit)]:
        if results and time.monotonic() - started > budget_s:
            break
        results.append(process(key, now=now, **options))
    return results
