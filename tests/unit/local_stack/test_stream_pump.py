"""The local stream pump replaces an iterator DynamoDB Local refuses instead of asking
with it for ever (every event would then wait for the one-minute sweeper)."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from local_stack.event_sources import StreamPump

ARN = "arn:aws:dynamodb:local:000000000000:table/callback-events/stream/x"


def _trimmed() -> ClientError:
    return ClientError(
        {"Error": {"Code": "TrimmedDataAccessException", "Message": "trimmed"}}, "GetRecords"
    )


class Streams:
    """A stream with one shard whose TRIM_HORIZON iterator is refused while it is empty,
    as DynamoDB Local does once another table has been written."""

    def __init__(self) -> None:
        self.records: list[dict[str, Any]] = []
        self.asked: list[dict[str, Any]] = []
        self.position: dict[str, int] = {}

    def describe_stream(self, StreamArn: str) -> dict[str, Any]:
        return {"StreamDescription": {"Shards": [{"ShardId": "shard-1"}]}}

    def get_shard_iterator(self, **kwargs: Any) -> dict[str, Any]:
        self.asked.append(kwargs)
        kind = kwargs["ShardIteratorType"]
        if kind == "TRIM_HORIZON":
            if not self.records:
                return {"ShardIterator": "bad"}
            start = 0
        else:
            start = 1 + next(
                i
                for i, r in enumerate(self.records)
                if r["dynamodb"]["SequenceNumber"] == kwargs["SequenceNumber"]
            )
        name = f"it{len(self.asked)}"
        self.position[name] = start
        return {"ShardIterator": name}

    def get_records(self, ShardIterator: str, Limit: int) -> dict[str, Any]:
        if ShardIterator == "bad":
            raise _trimmed()
        start = self.position.pop(ShardIterator)
        batch = self.records[start : start + Limit]
        name = f"{ShardIterator}+"
        self.position[name] = start + len(batch)
        return {"Records": batch, "NextShardIterator": name}

    def write(self, key: str) -> None:
        number = f"{len(self.records) + 1:021d}"
        self.records.append(
            {
                "eventName": "INSERT",
                "dynamodb": {"Keys": {"pk": {"S": key}}, "SequenceNumber": number},
            }
        )


class Dynamo:
    def describe_table(self, TableName: str) -> dict[str, Any]:
        return {"Table": {"LatestStreamArn": ARN}}


def test_a_refused_iterator_is_replaced_and_every_later_record_is_delivered() -> None:
    streams = Streams()
    seen: list[str] = []
    pump = StreamPump(
        Dynamo(),
        streams,
        "callback-events",
        lambda event, context: seen.extend(
            r["dynamodb"]["Keys"]["pk"]["S"] for r in event["Records"]
        ),
    )
    assert pump.poll() == 0  # refused while empty: a fresh iterator from the oldest record
    assert pump.poll() == 0
    assert [a["ShardIteratorType"] for a in streams.asked] == ["TRIM_HORIZON"] * 3
    streams.write("e1")
    streams.write("e2")
    assert pump.poll() + pump.poll() == 2  # the iterator held is renewed once more first
    # the shard refuses the next iterator too: continue after the last record read
    pump.iterators["shard-1"] = "bad"
    assert pump.poll() == 0
    assert streams.asked[-1] == {
        "StreamArn": ARN,
        "ShardId": "shard-1",
        "ShardIteratorType": "AFTER_SEQUENCE_NUMBER",
        "SequenceNumber": f"{2:021d}",
    }
    streams.write("e3")
    assert pump.poll() == 1
    assert seen == ["e1", "e2", "e3"]
    assert pump.renewed == 4
