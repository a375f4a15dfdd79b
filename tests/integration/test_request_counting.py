"""The benchmark's DynamoDB tally counts what is sent: requests, tables and keys written."""

from __future__ import annotations

from benchmarks.requests import counting
from chalicelib.storage import ops
from tests.integration.test_storage_ops import Thing


def test_every_request_is_counted_with_its_table_and_written_key(aws: None) -> None:
    with counting() as tally:
        ops.put_new(Thing("thing#1"))
        ops.put_new(Thing("thing#1"))  # refused: still a request
        ops.get_or_none(Thing, "thing#1")
    assert tally.requests == 3
    assert tally.by_operation() == {"PutItem": 2, "GetItem": 1}
    assert [key for (_, key) in tally.writes_per_key()] == ["thing#1"]
    assert tally.writes_per_key().most_common(1)[0][1] == 2
    with counting() as after:
        pass
    assert after.requests == 0  # a closed block counts nothing more
    assert tally.requests == 3
