"""Create the tables and the bucket from the schema (local stack and tests only).

In AWS the CDK stack creates them (``infra/``) from the same schema.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib.storage.schema import ALL_TABLES, Table

if TYPE_CHECKING:
    from chalicelib.core.settings import Settings


def create_tables(
    dynamodb: Any, settings: Settings, tables: tuple[Table, ...] = ALL_TABLES
) -> list[str]:
    """Create every missing table (and its TTL); return the names created."""
    existing = set(dynamodb.list_tables().get("TableNames", []))
    created = []
    for table in tables:
        name = settings.table_name(table.logical_name)
        if name in existing:
            continue
        dynamodb.create_table(**table.create_table_request(name))
        dynamodb.get_waiter("table_exists").wait(TableName=name)
        if table.ttl_attribute:
            dynamodb.update_time_to_live(
                TableName=name,
                TimeToLiveSpecification={"Enabled": True, "AttributeName": table.ttl_attribute},
            )
        created.append(name)
    return created


def create_bucket(s3: Any, settings: Settings) -> None:
    existing = {b["Name"] for b in s3.list_buckets().get("Buckets", [])}
    if settings.reports_bucket in existing:
        return
    if settings.aws_region == "us-east-1":
        s3.create_bucket(Bucket=settings.reports_bucket)
    else:
        s3.create_bucket(
            Bucket=settings.reports_bucket,
            CreateBucketConfiguration={"LocationConstraint": settings.aws_region},
        )
