"""Screening's use cases: the daily job, a contact's screening, the configuration.

The daily job for local day ``D`` screens the contacts whose inputs changed on ``D-1``
(``changed#<D-1>``) and those whose recency score drops on ``D`` (``due#<D>``): its cost
follows those two partitions, never the number of contacts. Both are read a page at a
time and merged in id order as they come (memory stays flat however long they are); the
run records its cursor every :data:`SAVE_EVERY` batches and when its time budget ends,
and the next run goes on from there.
"""

from __future__ import annotations

import heapq
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import islice
from typing import Any, TypeVar

from chalicelib.core.observability import logger
from chalicelib.core.settings import get_settings
from chalicelib.reports.aggregates import local_day
from chalicelib.screening import store
from chalicelib.screening.errors import BadScreeningDay
from chalicelib.screening.models import (
    ContactScreening,
    GroupStay,
    HistoryEntry,
    Inputs,
    Screened,
    ScreeningConfig,
    ScreeningRun,
)
from chalicelib.screening.scoring import score
from chalicelib.signals import SegmentChanged, publish
from chalicelib.wecom.errors import WeComError

DAY_S = 86_400
CONFIG_MAX_AGE_S = 60.0
BATCH = 100
#: Batches screened between two saves of the run's cursor.
SAVE_EVERY = 10
#: Contacts of a batch scored and stored at the same time (each is a few requests).
WORKERS = 8
T = TypeVar("T")
R = TypeVar("R")
#: Seconds a run screens before it records its place and stops (the Lambda allows 900).
JOB_BUDGET_S = 780.0
#: The same on demand, within API Gateway's 29 seconds (call again to go on).
API_BUDGET_S = 20.0
SEGMENT_NAMES = {
    "champions": "重要价值客户",
    "loyal": "忠诚客户",
    "new": "新客户",
    "need_attention": "需关注客户",
    "at_risk": "流失风险客户",
    "hibernating": "沉睡客户",
    "prospect": "潜在客户",
}

_config: tuple[float, ScreeningConfig] | None = None


# --- configuration -----------------------------------------------------------------------


def get_config() -> ScreeningConfig:
    """The stored configuration (defaults when none), cached for a minute per process."""
    global _config
    now = time.monotonic()
    if _config is not None and now - _config[0] < CONFIG_MAX_AGE_S:
        return _config[1]
    body = store.config_body()
    config = ScreeningConfig() if body is None else ScreeningConfig.model_validate(body)
    _config = (now, config)
    return config


def put_config(config: ScreeningConfig) -> ScreeningConfig:
    global _config
    store.save_config(config.model_dump(mode="json"))
    _config = (time.monotonic(), config)
    return config


def forget_config() -> None:
    global _config
    _config = None


# --- reading -----------------------------------------------------------------------------


inputs_of = store.inputs_of


def contact_screening(contact_id: str, history_limit: int = 50) -> ContactScreening:
    """A contact's inputs, score and segment; a contact nothing is known of yet (no order,
    no group, never screened) has empty inputs and no segment, not an error: the console
    shows every customer's profile, screened or not."""
    found = store.screening(contact_id)
    if found is None:
        return ContactScreening(
            contact_id=contact_id,
            inputs=Inputs(),
            score=None,
            segment=None,
            high_value=False,
            scored_day=None,
            due_day=None,
            history=[],
        )
    return ContactScreening(
        contact_id=contact_id,
        inputs=found.inputs,
        score=found.score,
        segment=found.segment,  # type: ignore[arg-type]
        high_value=found.high_value,
        scored_day=found.scored_day,
        due_day=found.due_day,
        history=[HistoryEntry.model_validate(h) for h in store.history(contact_id, history_limit)],
    )


# --- the daily job ------------------------------------------------------------------------


@dataclass
class _Outcome:
    screened: int = 0
    changes: int = 0
    new_high_value: int = 0
    tagged: int = 0
    digest: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))

    @classmethod
    def restore(cls, body: dict[str, Any]) -> _Outcome:
        outcome = cls(
            screened=int(body.get("screened", 0)),
            changes=int(body.get("segment_changes", 0)),
            new_high_value=int(body.get("new_high_value", 0)),
            tagged=int(body.get("tagged", 0)),
        )
        for userid, contact_ids in dict(body.get("digest") or {}).items():
            outcome.digest[userid].extend(contact_ids)
        return outcome

    def run(self, day: str, digests: int, complete: bool) -> ScreeningRun:
        return ScreeningRun(
            day=day,
            screened=self.screened,
            segment_changes=self.changes,
            new_high_value=self.new_high_value,
            tagged=self.tagged,
            digests_sent=digests,
            complete=complete,
        )


def run_daily(day: str | None = None, budget_s: float = JOB_BUDGET_S) -> ScreeningRun:
    """Screen the contacts of ``day``'s work lists (default: today, local time): those whose
    inputs changed the day before and those whose recency score drops that day.

    The job goes through the contacts in id order and records how far it got after every
    batch, so a run that reaches its time budget stops and the next run resumes; a day
    already completed is not screened again. Digests go out when the day is complete.
    """
    zone = get_settings().timezone
    today = _parse_day(day) if day else date.fromisoformat(local_day(int(time.time()), zone))
    key = today.isoformat()
    progress = store.run_body(key) or {}
    outcome = _Outcome.restore(progress)
    if progress.get("complete"):
        return outcome.run(key, int(progress.get("digests_sent", 0)), True)
    deadline = time.monotonic() + budget_s
    cursor = progress.get("cursor")
    yesterday = (today - timedelta(days=1)).isoformat()
    config = get_config()
    batches = _batches(_work(yesterday, key, cursor))
    batch = next(batches, None)
    done = 0
    while batch:
        _screen_batch(batch, config, today, zone, outcome)
        cursor, done = batch[-1], done + 1
        following = next(batches, None)
        if following and time.monotonic() > deadline:
            store.save_run(key, _progress(outcome, cursor, complete=False))
            run = outcome.run(key, 0, False)
            logger.info("screening run paused", extra=run.model_dump())
            return run
        if following and done % SAVE_EVERY == 0:  # a crash goes on from here
            store.save_run(key, _progress(outcome, cursor, complete=False))
        batch = following
    digests = _send_digests(outcome.digest, key, config)
    store.save_run(key, _progress(outcome, cursor, complete=True) | {"digests_sent": digests})
    run = outcome.run(key, digests, True)
    logger.info("screening run", extra=run.model_dump())
    return run


def _work(yesterday: str, today: str, after: str | None) -> Iterator[str]:
    """The contacts of both work lists after ``after``, each once, in id order (both
    partitions are read a page at a time and merged as they come)."""
    last = None
    merged = heapq.merge(
        store.work_list(store.changed_pk(yesterday), after),
        store.work_list(store.due_pk(today), after),
    )
    for contact_id in merged:
        if contact_id != last:
            yield contact_id
            last = contact_id


def _batches(contact_ids: Iterator[str]) -> Iterator[list[str]]:
    while batch := list(islice(contact_ids, BATCH)):
        yield batch


def _progress(outcome: _Outcome, cursor: str | None, complete: bool) -> dict[str, Any]:
    return {
        "cursor": cursor,
        "complete": complete,
        "screened": outcome.screened,
        "segment_changes": outcome.changes,
        "new_high_value": outcome.new_high_value,
        "tagged": outcome.tagged,
        "digest": {u: ids for u, ids in outcome.digest.items()},
    }


def screen(contact_ids: Sequence[str], today: date) -> ScreeningRun:
    """Score the given contacts on local day ``today`` and act on what changed (digests
    included); no progress is recorded."""
    config = get_config()
    zone = get_settings().timezone
    outcome = _Outcome()
    for start in range(0, len(contact_ids), BATCH):
        _screen_batch(contact_ids[start : start + BATCH], config, today, zone, outcome)
    digests = _send_digests(outcome.digest, today.isoformat(), config)
    return outcome.run(today.isoformat(), digests, True)


def _screen_batch(
    batch: Sequence[str], config: ScreeningConfig, today: date, zone: str, outcome: _Outcome
) -> None:
    """Score a batch (its group stays read :data:`WORKERS` at a time), tell the segment
    changes, then store the results and move the tags (again :data:`WORKERS` at a time)."""
    found = store.screenings(batch)
    outcome.screened += len(batch)
    stored = [found[c] for c in batch if c in found]
    now = int(time.time())
    scored = _parallel(lambda s: (s, _score(s, config, today, zone, now)), stored)
    changed = [
        (s, r) for s, r in scored if _moved(s, r) or r.score != s.score or r.due_day != s.due_day
    ]
    day = today.isoformat()
    for s, r in changed:  # told first: a run that stops before its write tells again
        if _moved(s, r):
            outcome.changes += 1
            publish(
                SegmentChanged(
                    effect_id=f"segment#{s.contact_id}#{day}",
                    contact_id=s.contact_id,
                    previous_segment=s.segment,
                    segment=r.segment,
                    high_value=r.high_value,
                    score=r.score,
                    at=int(time.time()),
                )
            )
    # the batch's due and history entries first: a run stopped before a result's write
    # screens that contact again and writes the same entries
    store.save_entries(
        [(r.due_day, s.contact_id) for s, r in changed if r.due_day and r.due_day != s.due_day],
        [(s.contact_id, day, _history(s, r, day)) for s, r in changed if _moved(s, r)],
    )
    acted = _parallel(lambda sr: _act(sr[0], sr[1], config, day), changed)
    for (s, r), (tagged, staff) in zip(changed, acted, strict=True):
        outcome.tagged += int(tagged)
        if r.high_value and not s.high_value:
            outcome.new_high_value += 1
            for userid in staff:
                outcome.digest[userid].append(s.contact_id)


def _parallel(work: Callable[[T], R], items: Sequence[T]) -> list[R]:
    if len(items) <= 1:
        return [work(item) for item in items]
    with ThreadPoolExecutor(max_workers=min(WORKERS, len(items))) as pool:
        return list(pool.map(work, items))


def _moved(stored: store.Screening, result: Screened) -> bool:
    return result.segment != stored.segment or result.high_value != stored.high_value


def _groups(contact_id: str, now: int) -> list[GroupStay]:
    from chalicelib.groups.queries import contact_groups

    stays = []
    for member in contact_groups(contact_id, 50):
        active = member.status == "active"
        end = now if active or member.left_at is None else member.left_at
        days = 0 if member.join_time is None else max(0, (end - member.join_time) // DAY_S)
        stays.append(GroupStay(active=active, days=days))
    return stays


def _score(
    stored: store.Screening, config: ScreeningConfig, today: date, zone: str, now: int
) -> Screened:
    inputs = stored.inputs.model_copy()
    if config.weights.community > 0:
        inputs.groups = _groups(stored.contact_id, now)
    return score(inputs, config, today, zone)


def _history(stored: store.Screening, result: Screened, day: str) -> dict[str, Any]:
    return HistoryEntry(
        day=day,
        segment=result.segment,
        high_value=result.high_value,
        score=result.score,
        previous_segment=stored.segment,  # type: ignore[arg-type]
    ).model_dump(mode="json")


def _act(
    stored: store.Screening, result: Screened, config: ScreeningConfig, day: str
) -> tuple[bool, list[str]]:
    """Move the WeCom tags and store the result; (tagged?, the contact's active staff)."""
    tagged, staff = False, []
    if _moved(stored, result):
        staff = _active_staff(stored.contact_id)
        tagged = _retag(stored.contact_id, staff, config, stored.segment, stored.high_value, result)
    store.save_result(stored.contact_id, result, day)
    return tagged, staff


def _active_staff(contact_id: str) -> list[str]:
    from chalicelib.contacts.queries import followers

    return followers(contact_id)


def _tags(config: ScreeningConfig, segment: str | None, high_value: bool) -> set[str]:
    tags = set()
    if segment and config.segment_tags.get(segment):  # type: ignore[call-overload]
        tags.add(config.segment_tags[segment])  # type: ignore[index]
    if high_value and config.high_value_tag:
        tags.add(config.high_value_tag)
    return tags


def _retag(
    contact_id: str,
    staff: Iterable[str],
    config: ScreeningConfig,
    previous_segment: str | None,
    previous_high: bool,
    result: Screened,
) -> bool:
    """Move the contact's screening tags in WeCom (``mark_tag``) for each staff member."""
    old = _tags(config, previous_segment, previous_high)
    new = _tags(config, result.segment, result.high_value)
    add, remove = sorted(new - old), sorted(old - new)
    if not add and not remove:
        return False
    from chalicelib.wecom.client import get_client

    tagged = False
    for userid in staff:
        try:
            get_client().mark_tag(userid, contact_id, add=add, remove=remove)
            tagged = True
        except WeComError as error:
            logger.warning(
                "screening tags not set", extra={"staff_userid": userid, "error": error.code}
            )
    return tagged


def _send_digests(digest: dict[str, list[str]], day: str, config: ScreeningConfig) -> int:
    """One app message per staff member per day listing their new high-value customers."""
    if not config.digest_enabled:
        return 0
    from chalicelib.contacts.queries import find_contact
    from chalicelib.messaging import app as app_messages

    sent = 0
    for userid, contact_ids in sorted(digest.items()):
        effect_id = f"screening-digest#{userid}#{day}"
        names = []
        for contact_id in contact_ids[:20]:
            contact = find_contact(contact_id)
            names.append((contact.name if contact else "") or contact_id)
        more = f"等 {len(contact_ids)} 位" if len(contact_ids) > len(names) else ""
        content = (
            f"高价值客户日报（{day}）：您有 {len(contact_ids)} 位新的高价值客户："
            f"{'、'.join(names)}{more}。请优先跟进。"
        )
        try:
            if not app_messages.send_once(effect_id, userid, content):
                continue
        except WeComError as error:  # the next run of the day tries again
            logger.warning("digest not sent", extra={"staff_userid": userid, "error": error.code})
            continue
        sent += 1
    return sent


def _parse_day(day: str) -> date:
    try:
        return date.fromisoformat(day)
    except ValueError as error:
        raise BadScreeningDay("day must be YYYY-MM-DD") from error
