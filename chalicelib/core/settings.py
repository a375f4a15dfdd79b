"""Settings, validated once from the environment.

Plain configuration comes from environment variables (``.chalice/config.json`` per stage,
the local stack's environment, or the CDK stack). Secrets are never settings fields: they
are read lazily through :mod:`chalicelib.core.secrets`.

:class:`Settings` is a frozen dataclass: each field names its variable (``alias``), its
default and its rules (``pattern``, ``ge``/``gt``/``le``, ``min_length``, ``check``).
:meth:`Settings.from_env` reads the usual, canonical values itself (``"300"``, ``"true"``,
an URL), without pydantic: building a pydantic model of these fields took a sixth of a
callback's cold start, with pydantic's import. Anything else (a value out of bounds, a
malformed one, or one only pydantic's lax parsing reads, like ``" 7"`` or ``"yes"``) is
validated by the pydantic model built from the same fields (:func:`pydantic_model`), which
raises pydantic's ``ValidationError`` naming the variable, as before.
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Literal, get_args, get_origin, get_type_hints
from urllib.parse import urlsplit

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


def _ends_with_slash(value: str) -> str:
    if not value.startswith(("http://", "https://")):
        raise ValueError("must be an http(s) URL")
    return value if value.endswith("/") else value + "/"


def _origin(value: str) -> str:
    if value and not value.startswith(("http://", "https://")):
        raise ValueError("must be an http(s) URL")
    return value.rstrip("/")


def _plain_base_url(value: str) -> str:
    return checked_base_url(value) if value else value


def _var(
    alias: str | tuple[str, ...],
    default: Any,
    *,
    check: Callable[[Any], Any] | None = None,
    **rules: Any,
) -> Any:
    """A settings field read from variable ``alias`` (the first set of several)."""
    return field(default=default, metadata={"alias": alias, "check": check, "rules": rules})


@dataclass(frozen=True)
class Settings:
    stage: str = _var("STAGE", "local", pattern=r"^[a-z][a-z0-9-]{0,19}$")
    aws_region: str = _var(("AWS_REGION", "AWS_DEFAULT_REGION"), "ap-east-1")

    # Storage. Physical names: see table_name(); endpoints are set only on the local stack.
    table_prefix: str = _var("TABLE_PREFIX", "scrm-local-", pattern=r"^[A-Za-z0-9_.-]*$")
    reports_bucket: str = _var("REPORTS_BUCKET", "scrm-local-reports", min_length=3)
    dynamodb_endpoint: str | None = _var("DYNAMODB_ENDPOINT", None)
    s3_endpoint: str | None = _var("S3_ENDPOINT", None)

    # WeCom: identifiers only. Token, EncodingAESKey and secret are secrets.
    wecom_corp_id: str = _var("WECOM_CORP_ID", "")
    wecom_agent_id: int = _var("WECOM_AGENT_ID", 0, ge=0)
    wecom_api_base: str = _var("WECOM_API_BASE", WECOM_API_BASE, check=_ends_with_slash)
    wecom_http_timeout_s: float = _var("WECOM_HTTP_TIMEOUT_S", 3.0, gt=0, le=30)

    # Where secrets live: the environment (local), Secrets Manager or SSM (AWS).
    secrets_source: Literal["env", "secretsmanager", "ssm"] = _var("SECRETS_SOURCE", "env")
    secrets_id: str = _var("SECRETS_ID", "")
    secrets_max_age_s: int = _var("SECRETS_MAX_AGE_S", 300, ge=0)

    # Callbacks.
    callback_max_skew_s: int = _var("CALLBACK_MAX_SKEW_S", 300, ge=1)
    callback_event_ttl_days: int = _var("CALLBACK_EVENT_TTL_DAYS", 30, ge=1)
    #: First retry delay of a failed event; it doubles per attempt, capped at 6 h.
    callback_retry_base_s: float = _var("CALLBACK_RETRY_BASE_S", 30, gt=0, le=3600)
    #: Attempts before an event becomes a dead letter.
    callback_max_attempts: int = _var("CALLBACK_MAX_ATTEMPTS", 8, ge=1, le=50)

    # Operations.
    timezone: str = _var("TIMEZONE", "Asia/Shanghai", min_length=1)
    churn_alerts_enabled: bool = _var("CHURN_ALERTS_ENABLED", True)
    #: WeCom's duplicate check on every app message (``duplicate_check_interval``; WeCom
    #: allows at most 4 hours): the window in which a possibly delivered one is repeated.
    app_message_duplicate_check_s: int = _var(
        "APP_MESSAGE_DUPLICATE_CHECK_S", 14_400, ge=60, le=14_400
    )

    # Mass messages (SOPs, broadcasts): per-customer caps in local calendar days, ISO weeks
    # and months. WeCom (doc 92135, 2025-11): at most the number of days in the month per
    # customer, admins may set 7 a week or 1 a day. Unset month cap = days in the month.
    message_cap_per_day: int | None = _var("MESSAGE_CAP_PER_DAY", None, ge=1)
    message_cap_per_week: int | None = _var("MESSAGE_CAP_PER_WEEK", None, ge=1)
    message_cap_per_month: int | None = _var("MESSAGE_CAP_PER_MONTH", None, ge=1)
    #: Local hours during which nothing is sent to customers ("22:00-08:00"; "" = none).
    message_quiet_hours: str = _var(
        "MESSAGE_QUIET_HOURS", "22:00-08:00", pattern=r"^(\d\d:\d\d-\d\d:\d\d)?$"
    )
    #: Orders this many days after a delivery are credited to the step that delivered.
    sop_conversion_window_days: int = _var("SOP_CONVERSION_WINDOW_DAYS", 7, ge=1, le=90)
    #: A due SOP step read later than this after its due time (its trigger was processed
    #: late) is marked expired and counted so, not sent.
    sop_max_lateness_s: int = _var("SOP_MAX_LATENESS_S", 3 * 86_400, ge=300)

    # Order webhooks: the generic scheme's timestamp tolerance; the Youzan app's client id
    # (when set, pushes naming another client are refused).
    webhook_max_skew_s: int = _var("WEBHOOK_MAX_SKEW_S", 300, ge=1, le=86400)
    youzan_client_id: str = _var("YOUZAN_CLIENT_ID", "")
    #: Days a stored (redacted) webhook delivery is kept before DynamoDB's TTL removes it;
    #: the facts parsed from it stay on the order.
    order_delivery_ttl_days: int = _var("ORDER_DELIVERY_TTL_DAYS", 30, ge=1, le=400)

    #: Public base URL of the API (``https://go.example.com``) used in every printed link;
    #: empty: the API Gateway endpoint of the request (see :mod:`chalicelib.core.links`),
    #: never the request's Host header.
    public_base_url: str = _var("PUBLIC_BASE_URL", "", check=_plain_base_url)

    tracing_enabled: bool = _var("TRACING_ENABLED", False)

    # Sign-in (chalicelib.identity). CONSOLE_URL is the console's origin, which also serves
    # the API under /api/ (the sign-in redirect_uri and return paths are built from it).
    console_url: str = _var("CONSOLE_URL", "", check=_origin)
    wecom_login_base: str = _var("WECOM_LOGIN_BASE", WECOM_LOGIN_BASE, check=_origin)
    wecom_oauth_base: str = _var("WECOM_OAUTH_BASE", WECOM_OAUTH_BASE, check=_origin)
    #: A session ends after this long without a request (at most 12 h) ...
    session_idle_s: int = _var("SESSION_IDLE_S", 12 * 3600, ge=60, le=12 * 3600)
    #: ... and this long after sign-in whatever happens (at most a day).
    session_max_s: int = _var("SESSION_MAX_S", 24 * 3600, ge=60, le=24 * 3600)
    #: How long one process trusts what it read about a credential: a revoked session, key
    #: or person is refused everywhere within this many seconds (at most 60).
    auth_cache_s: float = _var("AUTH_CACHE_S", 30, ge=0, le=60)

    @property
    def is_local(self) -> bool:
        return self.dynamodb_endpoint is not None

    def table_name(self, logical_name: str) -> str:
        return f"{self.table_prefix}{logical_name}"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """The settings of ``environ`` (the process's environment); an empty variable is
        unset. Raises pydantic's ``ValidationError`` naming each invalid variable."""
        env = os.environ if environ is None else environ
        values = {k: v for k, v in env.items() if v != ""}
        read = _read(values)
        if read is None:  # not the usual form, or invalid: pydantic decides
            validated = pydantic_model().model_validate(values)
            read = {f.name: getattr(validated, f.name) for f in dataclasses.fields(cls)}
        return cls(**read)


# --- reading the usual values without pydantic ----------------------------------------------

_INT = re.compile(r"0|[1-9][0-9]{0,17}", re.ASCII)
_FLOAT = re.compile(r"(0|[1-9][0-9]{0,14})(\.[0-9]{1,15})?", re.ASCII)
_BOOLS = {"true": True, "false": False, "True": True, "False": False, "1": True, "0": False}


@dataclass(frozen=True)
class _Field:
    name: str
    default: Any
    aliases: tuple[str, ...]
    kind: Any  # str, int, float, bool or a tuple of allowed strings (Literal)
    rules: Mapping[str, Any]
    check: Callable[[Any], Any] | None


@lru_cache(maxsize=1)
def _fields() -> tuple[_Field, ...]:
    hints = get_type_hints(Settings)
    fields = []
    for f in dataclasses.fields(Settings):
        hint = hints[f.name]
        if get_origin(hint) is Literal:
            kind: Any = get_args(hint)
        else:
            kind = next(a for a in (get_args(hint) or (hint,)) if a is not type(None))
        alias = f.metadata["alias"]
        aliases = (alias,) if isinstance(alias, str) else alias
        fields.append(
            _Field(f.name, f.default, aliases, kind, f.metadata["rules"], f.metadata["check"])
        )
    return tuple(fields)


def _read(values: Mapping[str, str]) -> dict[str, Any] | None:
    """The fields from ``values`` when every one is in its usual form and valid, else None."""
    read: dict[str, Any] = {}
    for f in _fields():
        if f.name in values:  # a field set by its name (pydantic's populate_by_name)
            return None
        raw = next((values[a] for a in f.aliases if a in values), None)
        if raw is None:
            continue
        value = _value(f, raw)
        if value is None:
            return None
        read[f.name] = value
    return read


def _value(f: _Field, raw: Any) -> Any:
    if not isinstance(raw, str):
        return None
    value: Any
    if isinstance(f.kind, tuple):
        value = raw if raw in f.kind else None
    elif f.kind is bool:
        value = _BOOLS.get(raw)
    elif f.kind is int:
        value = int(raw) if _INT.fullmatch(raw) else None
    elif f.kind is float:
        value = float(raw) if _FLOAT.fullmatch(raw) else None
    else:
        value = raw
    if value is None or not _within(value, f.rules):
        return None
    if f.check is not None:
        try:
            value = f.check(value)
        except ValueError:
            return None
    return value


def _within(value: Any, rules: Mapping[str, Any]) -> bool:
    for rule, limit in rules.items():
        if rule == "pattern":
            # pydantic's (Rust) regex ends "$" at the very end, Python's before a last "\n".
            ok = "\n" not in value and re.search(limit, value) is not None
        elif rule == "min_length":
            ok = len(value) >= limit
        elif rule == "ge":
            ok = value >= limit
        elif rule == "gt":
            ok = value > limit
        elif rule == "le":
            ok = value <= limit
        else:
            ok = False
        if not ok:
            return False
    return True


@lru_cache(maxsize=1)
def pydantic_model() -> Any:
    """The pydantic model of :class:`Settings`'s fields, aliases, rules and checks: it
    validates whatever :meth:`Settings.from_env` does not read itself."""
    from pydantic import AliasChoices, ConfigDict, Field, create_model, field_validator

    hints = get_type_hints(Settings)
    fields: dict[str, Any] = {}
    validators: dict[str, Any] = {}
    for f in _fields():
        if len(f.aliases) > 1:
            spec = Field(f.default, validation_alias=AliasChoices(*f.aliases), **f.rules)
        else:
            spec = Field(f.default, alias=f.aliases[0], **f.rules)
        fields[f.name] = (hints[f.name], spec)
        if f.check is not None:
            check = f.check
            validators[f"_check_{f.name}"] = field_validator(f.name)(
                classmethod(lambda cls, value, check=check: check(value))
            )
    return create_model(
        "Settings",
        __config__=ConfigDict(frozen=True, extra="ignore", populate_by_name=True),
        __validators__=validators,
        **fields,
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, validated on first use."""
    return Settings.from_env()


def reset_settings() -> None:
    """Forget the cached settings (tests change the environment)."""
    get_settings.cache_clear()
