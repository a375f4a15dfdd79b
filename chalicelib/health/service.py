"""Ask each store a cheap question (DescribeTable, HeadBucket); no Scan, no writes."""

from __future__ import annotations

from dataclasses import dataclass, field

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.core import aws
from chalicelib.core.settings import get_settings
from chalicelib.storage.schema import ALL_TABLES


@dataclass(frozen=True)
class Health:
    stage: str
    checks: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return all(status == "ok" for status in self.checks.values())


def check() -> Health:
    settings = get_settings()
    checks: dict[str, str] = {}
    try:
        dynamodb = aws.client("dynamodb")
        for table in ALL_TABLES:
            dynamodb.describe_table(TableName=settings.table_name(table.logical_name))
        checks["dynamodb"] = "ok"
    except (BotoCoreError, ClientError) as error:
        checks["dynamodb"] = _reason(error)
    try:
        aws.client("s3").head_bucket(Bucket=settings.reports_bucket)
        checks["s3"] = "ok"
    except (BotoCoreError, ClientError) as error:
        checks["s3"] = _reason(error)
    return Health(stage=settings.stage, checks=checks)


def _reason(error: Exception) -> str:
    if isinstance(error, ClientError):
        return "error: " + str(error.response.get("Error", {}).get("Code", "unknown"))
    return "error: " + type(error).__name__
