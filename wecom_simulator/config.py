"""Settings of one simulated WeCom corp: credentials, limits, callback delivery, clock."""

from __future__ import annotations

import base64
import hashlib
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any

DEFAULT_AES_KEY = base64.b64encode(hashlib.sha256(b"wecom-simulator").digest()).decode().rstrip("=")

#: Environment variable → field, for :meth:`SimConfig.from_env`.
ENV_FIELDS: dict[str, str] = {
    "WECOM_CORP_ID": "corp_id",
    "WECOM_SECRET": "secret",
    "WECOM_TOKEN": "token",
    "WECOM_ENCODING_AES_KEY": "encoding_aes_key",
    "WECOM_AGENT_ID": "agent_id",
    "SIM_HOST": "host",
    "SIM_PORT": "port",
    "SIM_CALLBACK_URL": "callback_url",
}

#: Fields that ``POST /_sim/config`` may change at run time.
RUNTIME_FIELDS = frozenset(
    {
        "callback_url",
        "callback_timeout_s",
        "callback_attempts",
        "callback_retry_delay_s",
        "token_ttl_s",
        "rate_limit_per_minute",
        "moment_tasks_per_minute",
        "welcome_code_ttl_s",
        "msg_dispatch_s",
        "transfer_delay_s",
        "mass_receive_per_day",
    }
)


@dataclass
class SimConfig:
    """Everything the simulator needs; every field has a working default."""

    corp_id: str = "wwlocal0000000001"
    secret: str = "sim-secret"  # noqa: S105  (a made-up default for local runs)
    token: str = "simtoken"  # noqa: S105
    encoding_aes_key: str = DEFAULT_AES_KEY
    agent_id: str = "1000002"
    host: str = "127.0.0.1"
    port: int = 8100
    #: Where events are pushed (the product's callback URL); ``None`` records failed pushes.
    callback_url: str | None = None
    #: Deadline of one delivery; WeCom's is 5 s.
    callback_timeout_s: float = 5.0
    #: Deliveries in all (first one included) before WeCom gives up.
    callback_attempts: int = 3
    #: Pause between two deliveries of the same event.
    callback_retry_delay_s: float = 0.0
    #: Lifetime of an access token (``expires_in``).
    token_ttl_s: int = 7200
    #: Calls per API path per minute before 45009 (WeCom: 10,000 per corp per API).
    rate_limit_per_minute: int = 10_000
    #: ``add_moment_task`` calls per minute per corp before 45009.
    moment_tasks_per_minute: int = 10
    #: How long a WelcomeCode stays usable.
    welcome_code_ttl_s: float = 20.0
    #: How long a new mass-message template answers 41063 (still dispatching) to result queries.
    msg_dispatch_s: float = 0.0
    #: Delay WeCom announces before a customer transfer takes effect (``takeover_time``).
    transfer_delay_s: int = 86_400
    #: Mass messages a customer may receive per day; more get status 3. ``None``: no cap.
    mass_receive_per_day: int | None = None
    #: Seed of the RNG behind ``rate`` fault rules (and generated ids' randomness).
    fault_seed: int = 0
    #: Seed zhangsan / lisi / wangwu on start and on reset.
    seed_staff: bool = True
    #: Base URL shown in generated links (QR codes); defaults to the server's own address.
    public_base_url: str | None = None
    #: Wall clock, in epoch seconds; tests may pass their own.
    clock: Callable[[], float] = field(default=time.time, repr=False)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> SimConfig:
        """Defaults, then the environment (``WECOM_*``, ``SIM_*``), then ``overrides``."""
        source = os.environ if env is None else env
        values: dict[str, Any] = {}
        for name, attr in ENV_FIELDS.items():
            raw = source.get(name)
            if raw:
                values[attr] = int(raw) if attr == "port" else raw
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    def update(self, changes: Mapping[str, Any]) -> dict[str, Any]:
        """Apply run-time changes (only :data:`RUNTIME_FIELDS`); returns what changed."""
        types = {f.name: f.type for f in fields(self)}
        applied: dict[str, Any] = {}
        for name, value in changes.items():
            if name not in RUNTIME_FIELDS:
                raise ValueError(f"{name} cannot be changed at run time")
            kind = str(types[name])
            if value is None:
                if "None" not in kind:
                    raise ValueError(f"{name} cannot be null")
                converted: Any = None
            elif kind.startswith("int"):
                converted = int(value)
            elif kind.startswith("float"):
                converted = float(value)
            elif "int" in kind:
                converted = int(value)
            else:
                converted = str(value)
            setattr(self, name, converted)
            applied[name] = converted
        return applied

    def public(self) -> dict[str, Any]:
        """The settings without secrets, for ``GET /_sim/config``."""
        hidden = {"secret", "encoding_aes_key", "token", "clock"}
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name not in hidden}
