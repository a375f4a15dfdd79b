"""``make run`` keeps DynamoDB Local's data across restarts (``-dbPath``)."""

from __future__ import annotations

from pathlib import Path

import boto3

from local_stack.stack import LocalStack, StackConfig


def test_dynamodb_local_keeps_its_data_across_a_restart(tmp_path: Path) -> None:
    config = StackConfig.ephemeral(log_dir=tmp_path / "logs")
    config.data_dir = tmp_path / "dynamodb"
    table = f"{config.table_prefix}runtime-state"

    def client() -> object:
        return boto3.session.Session(
            aws_access_key_id="local", aws_secret_access_key="local", region_name=config.region
        ).client("dynamodb", endpoint_url=config.dynamodb_url)

    first = LocalStack(config)
    try:
        first.start(services=("dynamodb",))
        client().put_item(TableName=table, Item={"pk": {"S": "kept"}})  # type: ignore[attr-defined]
    finally:
        first.stop()

    second = LocalStack(config)
    try:
        second.start(services=("dynamodb",))
        item = client().get_item(TableName=table, Key={"pk": {"S": "kept"}})  # type: ignore[attr-defined]
        assert item["Item"]["pk"]["S"] == "kept"
    finally:
        second.stop()
