"""Processing stored callbacks: once, with retries, backoff and dead letters."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from chalicelib.callbacks import processing, store
from chalicelib.core.settings import get_settings
from chalicelib.wecom.events import ContactChange, TypedEvent
from chalicelib.wecom.inbound import parse_event
from tests.support.wecom import add_contact_xml


@pytest.fixture
def stored(aws: None) -> str:
    event = parse_event(add_contact_xml())
    assert store.record(event, ttl_days=30)
    return event.key


class Recorder:
    def __init__(self, fail_times: int = 0) -> None:
        self.seen: list[TypedEvent] = []
        self.fail_times = fail_times
        self.lock = threading.Lock()

    def __call__(self, event: TypedEvent) -> None:
        with self.lock:
            self.seen.append(event)
            if len(self.seen) <= self.fail_times:
                raise RuntimeError("WeCom did not answer")


def test_a_stored_event_is_dispatched_typed_and_leaves_the_queue(stored: str) -> None:
    handler = Recorder()
    result = processing.process(stored, dispatch=handler)
    assert result.outcome == "processed"
    assert isinstance(handler.seen[0], ContactChange)
    assert handler.seen[0].external_user_id == "wmCustomerA"
    item = store.get(stored)
    assert item is not None and item.status == store.PROCESSED
    assert list(store.due(time.time() + 10, 10)) == []


def test_processing_twice_has_one_effect(stored: str) -> None:
    handler = Recorder()
    outcomes = [processing.process(stored, dispatch=handler).outcome for _ in range(3)]
    assert outcomes == ["processed", "skipped", "skipped"]
    assert len(handler.seen) == 1


@pytest.mark.usefixtures("atomic_moto")
def test_concurrent_workers_dispatch_an_event_once(stored: str) -> None:
    handler = Recorder()
    results: list[str] = []
    threads = [
        threading.Thread(
            target=lambda: results.append(processing.process(stored, dispatch=handler).outcome)
        )
        for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["processed"] + ["skipped"] * 7
    assert len(handler.seen) == 1


def test_a_failure_is_retried_after_its_backoff_by_the_sweeper(stored: str) -> None:
    handler = Recorder(fail_times=1)
    now = time.time()
    assert processing.process(stored, dispatch=handler, now=now).outcome == "retry"
    item = store.get(stored)
    assert item is not None and item.status == store.FAILED and "WeCom" in (item.last_error or "")
    assert processing.sweep(now=now + 1, dispatch=handler) == []  # not due yet
    later = now + get_settings().callback_retry_base_s * 1.3
    assert [r.outcome for r in processing.sweep(now=later, dispatch=handler)] == ["processed"]
    assert len(handler.seen) == 2


def test_after_the_last_attempt_the_event_is_a_dead_letter_and_can_be_requeued(stored: str) -> None:
    handler = Recorder(fail_times=get_settings().callback_max_attempts)
    now = time.time()
    outcomes = []
    for attempt in range(get_settings().callback_max_attempts):
        outcomes.append(
            processing.process(stored, dispatch=handler, now=now + attempt * 10**5).outcome
        )
    assert outcomes[-1] == "dead"
    assert outcomes[:-1] == ["retry"] * (get_settings().callback_max_attempts - 1)
    assert [item.pk for item in store.dead_letters(10)] == [stored]
    assert store.requeue(stored, now=now)
    assert [r.outcome for r in processing.sweep(now=now + 1, dispatch=handler)] == ["processed"]
    assert list(store.dead_letters(10)) == []


def test_a_malformed_stored_event_is_dead_lettered_at_once(aws: None) -> None:
    event = parse_event(
        "<xml><MsgType>event</MsgType><Event>change_external_contact</Event>"
        "<ChangeType>add_external_contact</ChangeType></xml>"
    )
    store.record(event, ttl_days=1)
    result = processing.process(event.key, dispatch=Recorder())
    assert result.outcome == "dead"
    item = store.get(event.key)
    assert item is not None and "ExternalUserID" in (item.last_error or "")


def test_a_stream_batch_processes_inserts_only(stored: str) -> None:
    handler = Recorder()
    records: list[dict[str, Any]] = [
        {"eventName": "INSERT", "dynamodb": {"Keys": {"pk": {"S": stored}}}},
        {"eventName": "MODIFY", "dynamodb": {"Keys": {"pk": {"S": stored}}}},
    ]
    results = processing.process_stream(records, dispatch=handler)
    assert [r.outcome for r in results] == ["processed"]


def test_backoff_grows_and_is_capped() -> None:
    delays = [processing.backoff_s(n, base_s=30) for n in (1, 2, 3, 20)]
    assert 24 <= delays[0] <= 36
    assert delays[1] > delays[0] * 1.3
    assert delays[3] <= processing.BACKOFF_MAX_S * 1.2


def test_a_sweep_stops_at_its_time_budget(aws: None) -> None:
    keys = []
    for n in range(3):
        event = parse_event(add_contact_xml(external_userid=f"wmBudget{n}"))
        store.record(event, ttl_days=1)
        keys.append(event.key)

    def slow(event: TypedEvent) -> None:
        time.sleep(0.2)

    swept = time.time() + store.STREAM_LEASE_S + 1  # once the stream's time is over
    results = processing.sweep(now=swept, budget_s=0.1, dispatch=slow)
    assert 1 <= len(results) < 3
    assert len(processing.sweep(now=swept, dispatch=slow)) == 3 - len(results)


def test_a_burst_spreads_over_the_pending_shards_and_the_sweeper_reads_them_all(
    aws: None,
) -> None:
    from benchmarks.requests import counting
    from tests.support.wecom import add_contact_xml as xml_for

    keys = []
    for n in range(64):
        event = parse_event(xml_for(external_userid=f"wmBurst{n:02d}"))
        assert store.record(event, ttl_days=1)
        keys.append(event.key)
    per_shard = {store.pending_shard(key) for key in keys}
    assert len(per_shard) >= 12  # of 16: no index partition takes the whole burst
    assert {item.pending_status for item in (store.get(key) for key in keys) if item} == per_shard
    # an event stored before the shards waits under the old value: still swept
    legacy = parse_event(xml_for(external_userid="wmLegacy"))
    assert store.record(legacy, ttl_days=1)
    store.CallbackEventModel(legacy.key).update(
        actions=[
            store.CallbackEventModel.pending_status.set(store.PENDING),
            store.CallbackEventModel.due_at.set(1),
        ]
    )
    swept = time.time() + store.STREAM_LEASE_S + 60  # once the stream's time is over
    with counting() as tally:
        due = list(store.due(swept, 10))
    assert tally.by_operation() == {"Query": 17}  # each shard once, and the old value
    assert due[0].pk == legacy.key and len(due) == 10
    results = processing.sweep(now=swept, limit=100, dispatch=Recorder())
    assert sorted(r.key for r in results) == sorted([*keys, legacy.key])
    assert {r.outcome for r in results} == {"processed"}
    assert list(store.due(swept, 10)) == []


def test_a_failed_event_waits_in_its_shard_and_a_requeued_dead_letter_too(stored: str) -> None:
    assert processing.process(stored, dispatch=Recorder(fail_times=1)).outcome == "retry"
    item = store.get(stored)
    assert item is not None and item.pending_status == store.pending_shard(stored)
    claimed = store.claim(stored, time.time() + 3600, 60)
    assert claimed is not None and store.retry_later(claimed, "gave up", time.time(), dead=True)
    assert store.get(stored).pending_status == store.DEAD  # type: ignore[union-attr]
    assert store.requeue(stored, now=time.time())
    assert store.get(stored).pending_status == store.pending_shard(stored)  # type: ignore[union-attr]


def _insert(key: str) -> dict[str, Any]:
    """The stream's record of a stored event: its key and new image (NEW_IMAGE)."""
    image = store.CallbackEventModel._get_connection().get_item(key, consistent_read=True)
    return {
        "eventName": "INSERT",
        "dynamodb": {"Keys": {"pk": {"S": key}}, "NewImage": image["Item"]},
    }


def test_the_stream_acts_on_a_new_events_image_without_a_claim_and_no_sweep_takes_it(
    stored: str,
) -> None:
    from benchmarks.requests import counting

    record = _insert(stored)
    assert list(store.due(time.time() + 60, 10)) == []  # the stream's, not yet a sweep's
    handler = Recorder()
    with counting() as tally:
        [result] = processing.process_stream([record], dispatch=handler)
    assert result.outcome == "processed" and len(handler.seen) == 1
    assert tally.by_operation() == {"UpdateItem": 1}  # the completion mark, no claim
    item = store.get(stored)
    assert item is not None and item.status == store.PROCESSED
    # a sweep or a claim afterwards finds it done
    assert processing.process(stored, dispatch=handler).outcome == "skipped"
    assert len(handler.seen) == 1


def test_an_unclaimed_attempt_that_fails_counts_and_is_due_after_its_backoff(
    stored: str,
) -> None:
    record = _insert(stored)
    [result] = processing.process_stream([record], dispatch=Recorder(fail_times=1))
    assert result.outcome == "retry"
    item = store.get(stored)
    assert item is not None and item.status == store.FAILED and item.attempts == 1
    # the sweep takes it after its backoff, claimed: the second attempt
    handler = Recorder()
    [again] = processing.sweep(now=float(item.due_at or 0) + 1, dispatch=handler)
    assert again.outcome == "processed" and len(handler.seen) == 1
    assert (store.get(stored) or item).attempts == 2


def test_an_image_past_the_streams_time_is_claimed(stored: str) -> None:
    from benchmarks.requests import counting

    record = _insert(stored)
    late = time.time() + store.STREAM_LEASE_S  # the stream fell behind: a sweep may run
    with counting() as tally:
        [result] = processing.process_stream([record], dispatch=Recorder(), now=late)
    assert result.outcome == "processed"
    assert tally.by_operation() == {"UpdateItem": 2}  # claimed, then completed
