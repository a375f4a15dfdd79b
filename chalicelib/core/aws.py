"""boto3 clients, created on first use and replaceable in tests.

Locally the settings carry endpoints (DynamoDB Local, moto's S3); in AWS they are unset.

Every client of the process, PynamoDB's included (:mod:`chalicelib.storage.dynamo`), comes
from one botocore session (:func:`session`): a session parses the endpoint table, each
service's model and its endpoint rules once, then every further client reuses them, and
the credential chain runs once. Clients are created under one lock (:func:`creating`):
botocore's loaders are not safe to share between threads creating clients at once.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from chalicelib.core.settings import get_settings

if TYPE_CHECKING:
    from botocore.session import Session

_clients: dict[str, Any] = {}
_sessions: list[Session] = []
#: The boto3 session over it, made once S3 is asked for (boto3 only makes S3 clients here).
_boto3_sessions: list[Any] = []
#: Creating boto3 sessions and clients from several threads at once is not safe (botocore's
#: loaders race); threads of one process (tests, benchmarks) create each client once.
#: Reentrant: PynamoDB asks for the session while it creates its client under this lock.
_creating = threading.RLock()


def creating() -> threading.RLock:
    """The lock every client of the process is created under."""
    return _creating


def session() -> Session:
    """The process's one botocore session."""
    with _creating:
        if not _sessions:
            import botocore.session

            _sessions.append(botocore.session.get_session())
        return _sessions[0]


def client(service: str) -> Any:
    if service in _clients:
        return _clients[service]
    with _creating:
        return _create(service)


def _create(service: str) -> Any:
    if service not in _clients:
        from botocore.config import Config

        settings = get_settings()
        endpoint = {"dynamodb": settings.dynamodb_endpoint, "s3": settings.s3_endpoint}.get(service)
        _clients[service] = _client_factory(service)(
            service,
            region_name=settings.aws_region,
            endpoint_url=endpoint,
            config=Config(
                connect_timeout=2, read_timeout=5, retries={"max_attempts": 3, "mode": "standard"}
            ),
        )
    return _clients[service]


def _client_factory(service: str) -> Any:
    """boto3's for S3 (it adds ``upload_file``/``download_file`` to S3 clients), botocore's
    for the rest: the same clients, without importing boto3 and s3transfer (tens of
    milliseconds of a cold start)."""
    if service == "s3":
        return _boto3_session().client
    return session().create_client


def _boto3_session() -> Any:
    """The boto3 session over the process's botocore session, made once with it: each
    boto3 session registers its S3 helpers on the botocore session it wraps."""
    with _creating:
        if not _boto3_sessions:
            import boto3

            _boto3_sessions.append(boto3.session.Session(botocore_session=session()))
        return _boto3_sessions[0]


def use_client(service: str, instance: Any) -> None:
    """Inject a client (tests)."""
    _clients[service] = instance


def reset_clients(*, keep_session: bool = False) -> None:
    """Forget the clients, and the session unless told to keep it (tests change the
    environment; a suite whose credentials never change keeps the session's parsed models,
    so that each test's first client is not another cold start)."""
    with _creating:
        _clients.clear()
        if not keep_session:
            _sessions.clear()
            _boto3_sessions.clear()
