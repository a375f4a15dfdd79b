"""moto with the schema's tables and the bucket, for the in-process tiers.

Creating the 20-odd tables through the API (create, wait, TTL) costs about a second for
every test; the tables are made once per process instead and each test starts from a fresh
copy of them, empty, as moto holds them.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

_EMPTY: dict[tuple[str, str], dict[str, Any]] = {}


@contextmanager
def mocked_aws() -> Iterator[None]:
    """moto started, with every table of the schema (empty) and the reports bucket."""
    from moto import mock_aws
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.dynamodb.models import dynamodb_backends

    from chalicelib.core import aws as aws_clients
    from chalicelib.core.settings import get_settings
    from chalicelib.storage.tables import create_bucket, create_tables

    with mock_aws():
        settings = get_settings()
        backend = dynamodb_backends[DEFAULT_ACCOUNT_ID][settings.aws_region]
        made = (settings.aws_region, settings.table_name(""))
        if made in _EMPTY:
            backend.tables.update(copy.deepcopy(_EMPTY[made]))
        else:
            create_tables(aws_clients.client("dynamodb"), settings)
            _EMPTY[made] = copy.deepcopy(backend.tables)
        create_bucket(aws_clients.client("s3"), settings)
        yield
