"""Integration tier: the Chalice test client over moto's in-process AWS."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import ROOT


@pytest.fixture
def aws() -> Iterator[None]:
    """moto with every table and the bucket created from the shared schema."""
    from moto import mock_aws

    from chalicelib.core import aws as aws_clients
    from chalicelib.core.settings import get_settings
    from chalicelib.storage.tables import create_bucket, create_tables

    with mock_aws():
        settings = get_settings()
        create_tables(aws_clients.client("dynamodb"), settings)
        create_bucket(aws_clients.client("s3"), settings)
        yield


@pytest.fixture
def client(aws: None) -> Iterator[Any]:
    from chalice.test import Client

    from app import app

    with Client(app, stage_name="local", project_dir=str(ROOT)) as test_client:
        yield test_client
