"""What AWS wires outside the app, played locally: the table stream and the schedules.

In AWS an event source mapping feeds the callback-events stream to
``process_callback_events`` and EventBridge rules call each ``@schedule`` handler. Locally
this process does both against DynamoDB Local, calling the very same handlers registered on
the Chalice app. Schedules run at their cloud rate (the first run at start-up);
``LOCAL_SCHEDULE_INTERVAL_S`` caps the period, so tests need not wait minutes for a retry.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from types import SimpleNamespace
from typing import Any


class StreamPump:
    """Reads every shard of one table's stream and hands new records to a handler."""

    def __init__(self, dynamodb: Any, streams: Any, table_name: str, handler: Any) -> None:
        self.streams = streams
        self.handler = handler
        description = dynamodb.describe_table(TableName=table_name)["Table"]
        self.stream_arn = description["LatestStreamArn"]
        self.iterators: dict[str, str | None] = {}

    def _refresh_shards(self) -> None:
        shards = self.streams.describe_stream(StreamArn=self.stream_arn)["StreamDescription"]
        for shard in shards["Shards"]:
            shard_id = shard["ShardId"]
            if shard_id not in self.iterators:
                self.iterators[shard_id] = self.streams.get_shard_iterator(
                    StreamArn=self.stream_arn, ShardId=shard_id, ShardIteratorType="TRIM_HORIZON"
                )["ShardIterator"]

    def poll(self) -> int:
        self._refresh_shards()
        delivered = 0
        for shard_id, iterator in list(self.iterators.items()):
            if iterator is None:
                continue
            answer = self.streams.get_records(ShardIterator=iterator, Limit=100)
            self.iterators[shard_id] = answer.get("NextShardIterator")
            if answer["Records"]:
                self.handler({"Records": answer["Records"]}, _context("stream"))
                delivered += len(answer["Records"])
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


def _period_s(expression: Any, cap: float | None) -> float:
    """The schedule's period in seconds (cron: hourly), capped by LOCAL_SCHEDULE_INTERVAL_S."""
    unit = str(getattr(expression, "unit", "")).upper()
    period = float(getattr(expression, "value", 1)) * _UNIT_S.get(unit, 3600)
    return min(period, cap) if cap else period


def run(stop: threading.Event, poll_s: float = 0.2) -> None:
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
        intervals[f"directory:{job}"] = min(period_s, float(cap)) if cap else period_s
    schedules = dict.fromkeys(intervals, 0.0)
    names = [table.logical_name for table in streamed]
    print(f"event sources: streams {names}, schedules {list(schedules)}", flush=True)
    while not stop.is_set():
        for pump in pumps:
            try:
                pump.poll()
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
        stop.wait(poll_s)


def main() -> int:
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    run(stop)
    return 0


if __name__ == "__main__":
    sys.exit(main())
