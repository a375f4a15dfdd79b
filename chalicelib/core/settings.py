"""Settings, validated once from the environment.

Plain configuration comes from environment variables (``.chalice/config.json`` per stage,
the local stack's environment, or the CDK stack). Secrets are never settings fields: they
are read lazily through :mod:`chalicelib.core.secrets`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from functools import lru_cache
from typing import Literal
from urllib.parse import urlsplit

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, field_validator

WECOM_API_BASE = "https://qyapi.weixin.qq.com/cgi-bin/"
WECOM_LOGIN_BASE = "https://login.work.weixin.qq.com"
WECOM_OAUTH_BASE = "https://open.weixin.qq.com"


def checked_base_url(value: str) -> str:
    """``value`` as a base URL (http(s), a host, no query or fragment), without the
    trailing slash; ``ValueError`` otherwise (``PUBLIC_BASE_URL``, :mod:`chalicelib.core.links`)."""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{value!r} is not an http(s) URL")
    if parts.query or parts.fragment or parts.username or parts.password:
        raise ValueError(f"{value!r} must be a plain base URL (no query, fragment or user)")
    return value.rstrip("/")


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)

    stage: str = Field("local", alias="STAGE", pattern=r"^[a-z][a-z0-9-]{0,19}$")
    aws_region: str = Field(
        "ap-east-1", validation_alias=AliasChoices("AWS_REGION", "AWS_DEFAULT_REGION")
    )

    # Storage. Physical names: see table_name(); endpoints are set only on the local stack.
    table_prefix: str = Field("scrm-local-", alias="TABLE_PREFIX", pattern=r"^[A-Za-z0-9_.-]*$")
    reports_bucket: str = Field("scrm-local-reports", alias="REPORTS_BUCKET", min_length=3)
    dynamodb_endpoint: str | None = Field(None, alias="DYNAMODB_ENDPOINT")
    s3_endpoint: str | None = Field(None, alias="S3_ENDPOINT")

    # WeCom: identifiers only. Token, EncodingAESKey and secret are secrets.
    wecom_corp_id: str = Field("", alias="WECOM_CORP_ID")
    wecom_agent_id: int = Field(0, alias="WECOM_AGENT_ID", ge=0)
    wecom_api_base: str = Field(WECOM_API_BASE, alias="WECOM_API_BASE")
    wecom_http_timeout_s: float = Field(3.0, alias="WECOM_HTTP_TIMEOUT_S", gt=0, le=30)

    # Where secrets live: the environment (local), Secrets Manager or SSM (AWS).
    secrets_source: Literal["env", "secretsmanager", "ssm"] = Field("env", alias="SECRETS_SOURCE")
    secrets_id: str = Field("", alias="SECRETS_ID")
    secrets_max_age_s: int = Field(300, alias="SECRETS_MAX_AGE_S", ge=0)

    # Callbacks.
    callback_max_skew_s: int = Field(300, alias="CALLBACK_MAX_SKEW_S", ge=1)
    callback_event_ttl_days: int = Field(30, alias="CALLBACK_EVENT_TTL_DAYS", ge=1)
    #: First retry delay of a failed event; it doubles per attempt, capped at 6 h.
    callback_retry_base_s: float = Field(30, alias="CALLBACK_RETRY_BASE_S", gt=0, le=3600)
    #: Attempts before an event becomes a dead letter.
    callback_max_attempts: int = Field(8, alias="CALLBACK_MAX_ATTEMPTS", ge=1, le=50)

    # Operations.
    timezone: str = Field("Asia/Shanghai", alias="TIMEZONE", min_length=1)
    churn_alerts_enabled: bool = Field(True, alias="CHURN_ALERTS_ENABLED")
    #: WeCom's duplicate check on every app message (``duplicate_check_interval``; WeCom
    #: allows at most 4 hours): the window in which a possibly delivered one is repeated.
    app_message_duplicate_check_s: int = Field(
        14_400, alias="APP_MESSAGE_DUPLICATE_CHECK_S", ge=60, le=14_400
    )

    # Mass messages (SOPs, broadcasts): per-customer caps in local calendar days, ISO weeks
    # and months. WeCom (doc 92135, 2025-11): at most the number of days in the month per
    # customer, admins may set 7 a week or 1 a day. Unset month cap = days in the month.
    message_cap_per_day: int | None = Field(None, alias="MESSAGE_CAP_PER_DAY", ge=1)
    message_cap_per_week: int | None = Field(None, alias="MESSAGE_CAP_PER_WEEK", ge=1)
    message_cap_per_month: int | None = Field(None, alias="MESSAGE_CAP_PER_MONTH", ge=1)
    #: Local hours during which nothing is sent to customers ("22:00-08:00"; "" = none).
    message_quiet_hours: str = Field(
        "22:00-08:00", alias="MESSAGE_QUIET_HOURS", pattern=r"^(\d\d:\d\d-\d\d:\d\d)?$"
    )
    #: Orders this many days after a delivery are credited to the step that delivered.
    sop_conversion_window_days: int = Field(7, alias="SOP_CONVERSION_WINDOW_DAYS", ge=1, le=90)
    #: A due SOP step read later than this after its due time (its trigger was processed
    #: late) is marked expired and counted so, not sent.
    sop_max_lateness_s: int = Field(3 * 86_400, alias="SOP_MAX_LATENESS_S", ge=300)

    # Order webhooks: the generic scheme's timestamp tolerance; the Youzan app's client id
    # (when set, pushes naming another client are refused).
    webhook_max_skew_s: int = Field(300, alias="WEBHOOK_MAX_SKEW_S", ge=1, le=86400)
    youzan_client_id: str = Field("", alias="YOUZAN_CLIENT_ID")
    #: Days a stored (redacted) webhook delivery is kept before DynamoDB's TTL removes it;
    #: the facts parsed from it stay on the order.
    order_delivery_ttl_days: int = Field(30, alias="ORDER_DELIVERY_TTL_DAYS", ge=1, le=400)

    #: Public base URL of the API (``https://go.example.com``) used in every printed link;
    #: empty: the API Gateway endpoint of the request (see :mod:`chalicelib.core.links`),
    #: never the request's Host header.
    public_base_url: str = Field("", alias="PUBLIC_BASE_URL")

    tracing_enabled: bool = Field(False, alias="TRACING_ENABLED")

    # Sign-in (chalicelib.identity). CONSOLE_URL is the console's origin, which also serves
    # the API under /api/ (the sign-in redirect_uri and return paths are built from it).
    console_url: str = Field("", alias="CONSOLE_URL")
    wecom_login_base: str = Field(WECOM_LOGIN_BASE, alias="WECOM_LOGIN_BASE")
    wecom_oauth_base: str = Field(WECOM_OAUTH_BASE, alias="WECOM_OAUTH_BASE")
    #: A session ends after this long without a request (at most 12 h) ...
    session_idle_s: int = Field(12 * 3600, alias="SESSION_IDLE_S", ge=60, le=12 * 3600)
    #: ... and this long after sign-in whatever happens (at most a day).
    session_max_s: int = Field(24 * 3600, alias="SESSION_MAX_S", ge=60, le=24 * 3600)
    #: How long one process trusts what it read about a credential: a revoked session, key
    #: or person is refused everywhere within this many seconds (at most 60).
    auth_cache_s: float = Field(30, alias="AUTH_CACHE_S", ge=0, le=60)

    @field_validator("wecom_api_base")
    @classmethod
    def _ends_with_slash(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http(s) URL")
        return value if value.endswith("/") else value + "/"

    @field_validator("console_url", "wecom_login_base", "wecom_oauth_base")
    @classmethod
    def _origin(cls, value: str) -> str:
        if value and not value.startswith(("http://", "https://")):
            raise ValueError("must be an http(s) URL")
        return value.rstrip("/")

    @field_validator("public_base_url")
    @classmethod
    def _plain_base_url(cls, value: str) -> str:
        return checked_base_url(value) if value else value

    @property
    def is_local(self) -> bool:
        return self.dynamodb_endpoint is not None

    def table_name(self, logical_name: str) -> str:
        return f"{self.table_prefix}{logical_name}"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        return cls.model_validate({k: v for k, v in env.items() if v != ""})


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, validated on first use."""
    return Settings.from_env()


def reset_settings() -> None:
    """Forget the cached settings (tests change the environment)."""
    get_settings.cache_clear()
