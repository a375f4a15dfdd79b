"""Health: a cheap public answer, cached, and the detail for signed-in admins.

- :func:`public` asks one cheap question (DescribeTable of the runtime-state table) at most
  once per :data:`PUBLIC_TTL_S` per instance, and says only ok or not: an anonymous
  caller learns nothing about the stores and cannot make the stage pay for a sweep.
- :func:`check` (``GET /admin/health``) asks every store, reads every secret (lengths
  checked, values never shown) and asks WeCom for an access token and one API answer,
  which is how a 60020 (IP not trusted) shows up before a customer meets it.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.core import aws, secrets
from chalicelib.core.errors import DomainError
from chalicelib.core.settings import get_settings
from chalicelib.storage.schema import ALL_TABLES, RUNTIME_STATE

PUBLIC_TTL_S = 30.0
#: The secrets a stage needs to run (provider-issued webhook secrets are optional).
REQUIRED_SECRETS = (
    secrets.WECOM_TOKEN,
    secrets.WECOM_ENCODING_AES_KEY,
    secrets.WECOM_SECRET,
    "ADMIN_JWT_SECRET",
    secrets.PHONE_HASH_KEY,
)
#: The probe is a read-only customer-contact call (``externalcontact/get_corp_tag_list``):
#: it needs the self-built app's secret to have 客户联系 access (since 2023-12) and the
#: caller's IP to be trusted (60020 otherwise).


@dataclass(frozen=True)
class Health:
    stage: str
    checks: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return all(status == "ok" for status in self.checks.values())


_lock = threading.Lock()
_public: tuple[float, bool] | None = None


def public(now: float | None = None) -> bool:
    """True when the stage's store answers; cached for :data:`PUBLIC_TTL_S`."""
    global _public
    now = time.monotonic() if now is None else now
    with _lock:
        if _public is not None and now - _public[0] < PUBLIC_TTL_S:
            return _public[1]
    try:
        aws.client("dynamodb").describe_table(
            TableName=get_settings().table_name(RUNTIME_STATE.logical_name)
        )
        ok = True
    except (BotoCoreError, ClientError):
        ok = False
    with _lock:
        _public = (now, ok)
    return ok


def forget() -> None:
    """Drop the cached public answer (tests)."""
    global _public
    with _lock:
        _public = None


def check(*, wecom: bool = True) -> Health:
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
    for name in REQUIRED_SECRETS:
        try:
            secrets.get_secret(name, settings)
            checks[f"secret:{name}"] = "ok"
        except DomainError as error:
            checks[f"secret:{name}"] = f"error: {error.code}: {error.message}"
    if wecom:
        checks.update(_wecom_checks())
    return Health(stage=settings.stage, checks=checks)


def _wecom_checks() -> dict[str, str]:
    from chalicelib.wecom.client import get_client
    from chalicelib.wecom.errors import WeComError

    client = get_client()
    checks: dict[str, str] = {}
    try:
        client.access_token  # noqa: B018 - fetches (or reuses) the shared token
        checks["wecom_token"] = "ok"  # noqa: S105 - a check's status, not a credential
    except WeComError as error:
        checks["wecom_token"] = f"error: {error.errcode}: {error.errmsg}"
        checks["wecom_api"] = "skipped: no access token"
        return checks
    except DomainError as error:
        checks["wecom_token"] = f"error: {error.code}: {error.message}"
        checks["wecom_api"] = "skipped: no access token"
        return checks
    try:
        client.get_corp_tag_list()  # POST externalcontact/get_corp_tag_list
        checks["wecom_api"] = "ok"
    except WeComError as error:
        checks["wecom_api"] = f"error: {error.errcode}: {error.errmsg}"
    except DomainError as error:
        checks["wecom_api"] = f"error: {error.code}: {error.message}"
    return checks


def _reason(error: Exception) -> str:
    if isinstance(error, ClientError):
        return "error: " + str(error.response.get("Error", {}).get("Code", "unknown"))
    return "error: " + type(error).__name__
