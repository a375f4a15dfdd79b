"""Local end-to-end tier: the real local stack (DynamoDB Local, moto S3, the WeCom
simulator, ``chalice local``) started once for the session, driven over HTTP."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from local_stack import LocalStack, StackConfig
from local_stack.processes import StartupError


class Http:
    """A tiny JSON client for the stack's HTTP endpoints."""

    def __call__(
        self,
        method: str,
        url: str,
        body: Any = None,
        *,
        raw: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, Any]:
        data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
        request = urllib.request.Request(
            url, data=data, method=method, headers=headers or {"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                status, payload = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, payload = error.code, error.read()
        try:
            return status, json.loads(payload) if payload else None
        except ValueError:
            return status, payload.decode(errors="replace")


#: Tries to start the stack: another stack on the machine may take a port between our
#: choosing it and our service binding it.
START_ATTEMPTS = 3


@pytest.fixture(scope="package")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    for attempt in range(1, START_ATTEMPTS + 1):
        config = StackConfig.ephemeral(log_dir=tmp_path_factory.mktemp("stack-logs"))
        # Retries within seconds, not minutes: the fault tests wait for every event to settle.
        config.extra_env = {
            "CALLBACK_RETRY_BASE_S": "0.5",
            "LOCAL_SCHEDULE_INTERVAL_S": "0.5",
            "WECOM_HTTP_TIMEOUT_S": "1",
            # SOP steps go out whatever the hour the suite runs at
            "MESSAGE_QUIET_HOURS": "00:00-00:00",  # an empty window: never quiet
            # a welcome or a tag rule saved by one test is used by the very next add
            "CONFIG_KEPT_S": "0",
        }
        running = LocalStack(config)
        try:
            running.start()
        except StartupError:
            if attempt == START_ATTEMPTS:
                raise
            continue
        try:
            yield running
        finally:
            running.stop()
        return


@pytest.fixture(scope="package")
def http() -> Http:
    return Http()


@pytest.fixture
def sim(stack: LocalStack, http: Http) -> str:
    """The simulator's base URL, reset before the test."""
    status, _ = http("POST", f"{stack.config.simulator_url}/_sim/reset", {})
    assert status == 200
    return stack.config.simulator_url


@pytest.fixture
def admin(stack: LocalStack, http: Http) -> Any:
    """Call an admin route with a bearer token of the given role."""
    from chalicelib.auth.tokens import mint

    def call(method: str, path: str, body: Any = None, role: str = "admin") -> tuple[int, Any]:
        token = mint("e2e", role, key=stack.config.admin_jwt_secret)  # type: ignore[arg-type]
        return http(
            method,
            f"{stack.config.api_url}{path}",
            body,
            headers={
                "Content-Type": "application/json",
                "Authorization": f"Bearer {token}",
            },
        )

    return call


@pytest.fixture
def dynamodb(stack: LocalStack) -> Any:
    import boto3

    return boto3.session.Session(
        aws_access_key_id="local", aws_secret_access_key="local", region_name=stack.config.region
    ).client("dynamodb", endpoint_url=stack.config.dynamodb_url)
