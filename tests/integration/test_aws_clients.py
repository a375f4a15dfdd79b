"""Every AWS client of a process, PynamoDB's too, comes from one botocore session: the
endpoint table, each service's model and the credentials are read once (cold start)."""

from __future__ import annotations

from typing import Any

import botocore.loaders
import pytest

from chalicelib.core import aws
from chalicelib.core.settings import get_settings
from chalicelib.storage.dynamo import shared_connection


@pytest.fixture
def loaded(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The botocore data files read from now on."""
    files: list[str] = []
    original = botocore.loaders.JSONFileLoader.load_file

    def load_file(self: Any, path: str) -> Any:
        files.append(path.rsplit("/data/", 1)[-1])
        return original(self, path)

    monkeypatch.setattr(botocore.loaders.JSONFileLoader, "load_file", load_file)
    aws.reset_clients()
    return files


@pytest.mark.usefixtures("aws")
def test_pynamodb_and_the_other_clients_read_the_sdk_data_once(loaded: list[str]) -> None:
    settings = get_settings()
    # Timeouts no other test uses: a connection whose client is not made yet.
    connection = shared_connection(settings.aws_region, settings.dynamodb_endpoint, 1.5, 3.5)
    connection.client.describe_limits()
    aws.client("dynamodb").describe_limits()
    aws.client("s3").list_buckets()

    assert loaded.count("endpoints") == 1
    assert loaded.count("dynamodb/2012-08-10/service-2") == 1
    assert connection.session is aws.session()


@pytest.mark.usefixtures("aws")
def test_clients_made_again_over_a_kept_session_work() -> None:
    """boto3 registers its S3 helpers on the botocore session it wraps: made twice over one
    session, the second S3 client class would refuse them (the suite keeps the session)."""
    for _ in range(3):
        aws.reset_clients(keep_session=True)
        aws.client("s3").list_buckets()
        aws.client("dynamodb").list_tables()
    assert hasattr(aws.client("s3"), "upload_file")
