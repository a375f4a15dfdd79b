"""What AWS wires outside the app, played locally: the table stream and the schedules.

In AWS an event source mapping feeds the callback-events stream to
``process_callback_events`` and EventBridge rules call each ``@schedule`` handler. Locally
this process does both against DynamoDB Local, calling the very same handlers registered on
the Chalice app. Schedules run at their cloud rate (the first run at start-up);
``LOCAL_SCHEDULE_INTERVAL_S`` speeds them up, so tests need not wait minutes for a retry:
it is the local period of a once-a-minute job (the callback sweeper), and every slower job
keeps its ratio to that, up to ``LOCAL_SLOWEST_RATIO`` times it (with 0.5 s: the sweeper
every 0.5 s, ``sop_tick`` every 2.5 s, an hourly or daily job every 10 s). Running every
job at the fastest rate would keep a process and DynamoDB Local busy all the time.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from types import SimpleNamespace
from typing import Any

#: How often a pump asks for the stream's shards (a new shard is rare: a table's stream
#: rolls its shard every few hours).
SHARD_REFRESH_S = 5.0
#: The pause between polls: short while records flow, doubling to the longest while the
#: streams are idle (an idle stack costs little CPU; a first record waits at most that).
POLL_SHORTEST_S = 0.1
POLL_LONGEST_S = 0.5


class StreamPump:
    """Reads every shard of one table's stream and hands new records to a handler.

    DynamoDB Local sometimes refuses an iterator it handed out (``TrimmedDataAccessException``
    when the pump began on a stream that was still empty while other tables were written:
    its sequence numbers are shared by every table, so an empty shard's position is soon
    "trimmed"; ``ExpiredIteratorException`` after a pause). Asking again with the same
    iterator fails for ever, so a refused iterator is replaced by a fresh one: after the
    last sequence number read from that shard, or from the shard's oldest record when none
    was read yet. (``LATEST`` on an empty shard is refused the same way by DynamoDB Local
    as soon as another table is written, and would skip what arrived meanwhile; a record
    delivered twice is harmless: every subscriber's effect is once-only, and completing an
    event done already changes nothing.)
    """

    def __init__(self, dynamodb: Any, streams: Any, table_name: str, handler: Any) -> None:
        self.streams = streams
        self.handler = handler
        description = dynamodb.describe_table(TableName=table_name)["Table"]
        self.stream_arn = description["LatestStreamArn"]
        self.iterators: dict[str, str | None] = {}
        self.last_sequence: dict[str, str] = {}
        self.renewed = 0
        self.shards_read_at = -SHARD_REFRESH_S

    def _refresh_shards(self) -> None:
        now = time.monotonic()
        if now - self.shards_read_at < SHARD_REFRESH_S:
            return
        self.shards_read_at = now
        shards = self.streams.describe_stream(StreamArn=self.stream_arn)["StreamDescription"]
        for shard in shards["Shards"]:
            shard_id = shard["ShardId"]
            if shard_id not in self.iterators:
                self.iterators[shard_id] = self.streams.get_shard_iterator(
                    StreamArn=self.stream_arn, ShardId=shard_id, ShardIteratorType="TRIM_HORIZON"
                )["ShardIterator"]

    def _fresh_iterator(self, shard_id: str) -> str:
        last = self.last_sequence.get(shard_id)
        where: dict[str, str] = (
            {"ShardIteratorType": "AFTER_SEQUENCE_NUMBER", "SequenceNumber": last}
            if last
            else {"ShardIteratorType": "TRIM_HORIZON"}
        )
        self.renewed += 1
        answer = self.streams.get_shard_iterator(
            StreamArn=self.stream_arn, ShardId=shard_id, **where
        )
        return str(answer["ShardIterator"])

    def poll(self) -> int:
        self._refresh_shards()
        delivered = 0
        for shard_id, iterator in list(self.iterators.items()):
            if iterator is None:
                continue
            try:
                answer = self.streams.get_records(ShardIterator=iterator, Limit=100)
            except Exception as error:  # noqa: BLE001 - a refused iterator: take a fresh one
                print(f"stream iterator renewed after {error!r}", file=sys.stderr, flush=True)
                self.iterators[shard_id] = self._fresh_iterator(shard_id)
                continue
            self.iterators[shard_id] = answer.get("NextShardIterator")
            records = answer["Records"]
            if records:
                self.last_sequence[shard_id] = records[-1]["dynamodb"]["SequenceNumber"]
                self.handler({"Records": records}, _context("stream"))
                delivered += len(records)
        return delivered


def _context(name: str) -> Any:
    return SimpleNamespace(aws_request_id=f"local-{name}-{time.time_ns()}", function_name=name)


def _scheduled_event(name: str) -> dict[str, Any]:
    return {
        "version": "0",
        "id": f"local-{time.time_ns()}",
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "000000000000",
        "region": os.environ["AWS_REGION"],
        "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "resources": [f"arn:aws:events:local:000000000000:rule/{name}"],
        "detail": {},
    }


_UNIT_S = {"MINUTES": 60, "MINUTE": 60, "HOURS": 3600, "HOUR": 3600, "DAYS": 86400, "DAY": 86400}


#: The slowest local job runs this many times less often than a once-a-minute one.
LOCAL_SLOWEST_RATIO = 20.0


def _period_s(expression: Any, minute: float | None) -> float:
    """The schedule's period in seconds (cron: hourly); with ``minute`` (the local period
    of a once-a-minute job) the same period scaled down."""
    unit = str(getattr(expression, "unit", "")).upper()
    period = float(getattr(expression, "value", 1)) * _UNIT_S.get(unit, 3600)
    return _scaled(period, minute)


def _scaled(period_s: float, minute: float | None) -> float:
    if not minute:
        return period_s
    ratio = min(max(period_s / 60.0, 1.0), LOCAL_SLOWEST_RATIO)
    return min(period_s, minute * ratio)


def run(stop: threading.Event) -> None:
    import boto3

    from app import app
    from chalicelib.core.settings import get_settings
    from chalicelib.storage.schema import ALL_TABLES

    settings = get_settings()
    session = boto3.session.Session()
    endpoint = settings.dynamodb_endpoint
    dynamodb = session.client("dynamodb", endpoint_url=endpoint)
    streams = session.client("dynamodbstreams", endpoint_url=endpoint)
    streamed = [table for table in ALL_TABLES if table.stream_consumer]
    pumps = [
        StreamPump(
            dynamodb,
            streams,
            settings.table_name(table.logical_name),
            app.handler_map[str(table.stream_consumer)],
        )
        for table in streamed
    ]
    cap = os.environ.get("LOCAL_SCHEDULE_INTERVAL_S")
    intervals = {
        source.name: _period_s(source.schedule_expression, float(cap) if cap else None)
        for source in app.event_sources
        if type(source).__name__ == "ScheduledEventConfig"
    }
    # The directory function's schedules (EventBridge calls it in AWS), same handler here.
    from chalicelib.directory.handler import SCHEDULES as DIRECTORY_SCHEDULES
    from chalicelib.directory.handler import handle as directory

    for job, period_s in DIRECTORY_SCHEDULES.items():
        intervals[f"directory:{job}"] = _scaled(period_s, float(cap) if cap else None)
    schedules = dict.fromkeys(intervals, 0.0)
    names = [table.logical_name for table in streamed]
    print(f"event sources: streams {names}, schedules {list(schedules)}", flush=True)
    pause = POLL_SHORTEST_S
    while not stop.is_set():
        delivered = 0
        for pump in pumps:
            try:
                delivered += pump.poll()
            except Exception as error:  # noqa: BLE001 - keep pumping; the sweeper retries
                print(f"stream poll failed: {error!r}", file=sys.stderr, flush=True)
        now = time.monotonic()
        for name, last in schedules.items():
            if now - last >= intervals[name]:
                schedules[name] = now
                try:
                    if name.startswith("directory:"):
                        directory({"op": name.removeprefix("directory:")})
                        continue
                    app.handler_map[name](_scheduled_event(name), _context(name))
                except Exception as error:  # noqa: BLE001 - a failed run is retried next tick
                    print(f"schedule {name} failed: {error!r}", file=sys.stderr, flush=True)
        pause = POLL_SHORTEST_S if delivered else min(pause * 2, POLL_LONGEST_S)
        stop.wait(pause)


def main() -> int:
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    run(stop)
    return 0


if __name__ == "__main__":
    sys.exit(main())
