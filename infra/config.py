"""Deployment settings, read once from CDK context and validated.

Context keys (``cdk deploy -c key=value`` or ``python app.py -c key=value``):

- ``stage``: deployment stage, ``dev`` by default (lower case, digits, dashes).
- ``corp_id``: the WeCom CorpID (``WECOM_CORP_ID``).
- ``agent_id``: the WeCom self-built application's AgentId (``WECOM_AGENT_ID``).
- ``wecom_api_base``: WeCom API base URL, the public one by default.
- ``console_url``: the console's origin (``https://scrm.example.com``), which serves the API
  under ``/api/``: the WeCom sign-in redirect_uri and return paths (``CONSOLE_URL``).
- ``alarm_email``: an address subscribed to the alarm topic (optional).
- ``tracing``: ``true`` turns on X-Ray active tracing (off by default).
- ``log_retention_days``: retention of the Lambda log groups (90 by default).
- ``directory_layer_dir``: a folder already holding the directory function's layer
  (``python/`` inside); unset, synth builds it with pip (cached under ``var/``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Protocol

STAGE_PATTERN = re.compile(r"^[a-z][a-z0-9-]{0,19}$")
DEFAULT_API_BASE = "https://qyapi.weixin.qq.com/cgi-bin/"
LOG_RETENTION_CHOICES = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 3653)


class ContextSource(Protocol):
    """Anything that answers ``try_get_context`` (a CDK ``Node``)."""

    def try_get_context(self, key: str) -> Any: ...


@dataclass(frozen=True)
class DeploymentConfig:
    """What differs between deployments of the same code."""

    stage: str = "dev"
    corp_id: str = ""
    agent_id: str = "0"
    wecom_api_base: str = DEFAULT_API_BASE
    console_url: str = ""
    alarm_email: str | None = None
    tracing: bool = False
    log_retention_days: int = 90
    directory_layer_dir: str | None = None

    def __post_init__(self) -> None:
        if not STAGE_PATTERN.match(self.stage):
            raise ValueError(f"stage {self.stage!r} must match {STAGE_PATTERN.pattern}")
        if not self.agent_id.isdigit():
            raise ValueError(f"agent_id {self.agent_id!r} must be a non-negative integer")
        if not self.wecom_api_base.startswith(("https://", "http://")):
            raise ValueError("wecom_api_base must be an http(s) URL")
        if self.console_url and not self.console_url.startswith("https://"):
            raise ValueError("console_url must be an https:// origin")
        if self.log_retention_days not in LOG_RETENTION_CHOICES:
            raise ValueError(f"log_retention_days must be one of {LOG_RETENTION_CHOICES}")

    @property
    def prefix(self) -> str:
        """Prefix of every physical resource name of this stage: ``scrm-<stage>-``."""
        return f"scrm-{self.stage}-"

    @property
    def data_stack_name(self) -> str:
        return f"scrm-{self.stage}-data"

    @property
    def api_stack_name(self) -> str:
        return f"scrm-{self.stage}-api"

    @property
    def secret_name(self) -> str:
        return f"scrm/{self.stage}/wecom"

    @classmethod
    def from_context(cls, node: ContextSource) -> DeploymentConfig:
        """Read the context keys listed in the module docstring."""

        def text(key: str, default: str) -> str:
            value = node.try_get_context(key)
            return default if value is None or str(value) == "" else str(value)

        email = text("alarm_email", "")
        return cls(
            stage=text("stage", cls.stage),
            corp_id=text("corp_id", cls.corp_id),
            agent_id=text("agent_id", cls.agent_id),
            wecom_api_base=text("wecom_api_base", cls.wecom_api_base),
            console_url=text("console_url", cls.console_url).rstrip("/"),
            alarm_email=email or None,
            tracing=text("tracing", "false").lower() in ("1", "true", "yes"),
            log_retention_days=int(text("log_retention_days", str(cls.log_retention_days))),
            directory_layer_dir=text("directory_layer_dir", "") or None,
        )
