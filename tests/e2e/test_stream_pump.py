"""The stream pump against the real DynamoDB Local: started on a still empty callback
stream while other tables are written, it delivers every event written afterwards within
seconds (never leaving them all to the one-minute sweeper)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest

from local_stack import LocalStack, StackConfig
from local_stack.event_sources import StreamPump

EVENTS = 40
DEADLINE_S = 60.0  # a bound for a busy machine; an idle one needs about a second


@pytest.fixture
def dynamodb_only(tmp_path: Path) -> Iterator[LocalStack]:
    stack = LocalStack(StackConfig.ephemeral(log_dir=tmp_path))
    stack.start(services=("dynamodb",))
    yield stack
    stack.stop()


def test_a_pump_started_on_an_empty_stream_delivers_every_later_event(
    dynamodb_only: LocalStack,
) -> None:
    config = dynamodb_only.config
    session = boto3.session.Session(
        aws_access_key_id="local", aws_secret_access_key="local", region_name=config.region
    )
    dynamodb = session.client("dynamodb", endpoint_url=config.dynamodb_url)
    streams = session.client("dynamodbstreams", endpoint_url=config.dynamodb_url)
    prefix = config.app_env()["TABLE_PREFIX"]
    seen: list[str] = []
    pump = StreamPump(
        dynamodb,
        streams,
        f"{prefix}callback-events",
        lambda event, context: seen.extend(
            r["dynamodb"]["Keys"]["pk"]["S"] for r in event["Records"]
        ),
    )
    stop = threading.Event()

    def write_other_tables() -> None:
        n = 0
        while not stop.is_set():
            n += 1
            dynamodb.put_item(
                TableName=f"{prefix}contacts",
                Item={"pk": {"S": f"contact#busy{n}"}, "sk": {"S": "profile"}},
            )

    writer = threading.Thread(target=write_other_tables, daemon=True)
    writer.start()
    try:
        for _ in range(5):  # the pump reads the empty stream while the others are written
            pump.poll()
            time.sleep(0.05)
        keys = [f"msg:e{i}" for i in range(EVENTS)]
        for key in keys:
            dynamodb.put_item(
                TableName=f"{prefix}callback-events",
                Item={"pk": {"S": key}, "raw": {"S": "<xml/>"}},
            )
        deadline = time.monotonic() + DEADLINE_S
        while set(keys) - set(seen) and time.monotonic() < deadline:
            pump.poll()
            time.sleep(0.1)
    finally:
        stop.set()
        writer.join(timeout=10)
    assert sorted(set(seen)) == sorted(keys), f"renewed {pump.renewed} iterators"
    assert len(seen) == EVENTS  # each once
