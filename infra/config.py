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

Going live (see docs/deploy.md):

- ``egress``: how the functions that call WeCom reach it, through one Elastic IP to paste
  into WeCom's 企业可信IP: ``nat-gateway`` (default, managed) or ``nat-instance`` (a small
  EC2 instance, cheaper at idle; ``nat_instance_type``, ``t4g.nano`` by default).
- ``api_domain``: the API's custom domain (``go.example.com``); printed links and the
  callback URL use it. ``api_certificate_arn``: its ACM certificate in the stack's region
  (made and DNS-validated by the stack when absent).
- ``console_domain``: the console's domain (``scrm.example.com``), which is also WeCom's
  trusted domain (可信域名) for sign-in; ``console_certificate_arn``: its ACM certificate,
  which CloudFront needs in us-east-1 (required with ``console_domain``).
- ``hosted_zone_id`` and ``hosted_zone_name``: a Route 53 zone for the alias records and
  the certificate validation (optional: without it, add the CNAMEs the outputs name).
- ``wecom_verify_file`` and ``wecom_verify_content``: the ``WW_verify_….txt`` file WeCom
  asks for at the root of the trusted domain, and its content.
- ``callback_concurrency``: concurrency reserved for the WeCom callback function (10).
- ``public_concurrency``: the most concurrent executions of the public function (scans and
  order webhooks, 50), so a flood cannot take what the rest of the account needs.
- ``throttle_rate`` / ``throttle_burst``: API Gateway's stage limits (requests per second).
- ``scan_rate_limit``, ``webhook_rate_limit``, ``signin_rate_limit``: WAF limits per client
  IP over 5 minutes on ``/l/*`` and ``/g/*``, the order webhooks, and ``/auth/*``.
- ``directory_layer_dir``: a folder already holding the directory function's layer
  (``python/`` inside); unset, synth builds it with pip (cached under ``var/``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Protocol

EGRESS_CHOICES = ("nat-gateway", "nat-instance")
DOMAIN_PATTERN = re.compile(r"^(?=.{4,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
VERIFY_FILE_PATTERN = re.compile(r"^WW_verify_[A-Za-z0-9]{1,64}\.txt$")
CERTIFICATE_ARN_PATTERN = re.compile(
    r"^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate/[0-9a-f-]+$"
)
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
    egress: str = "nat-gateway"
    nat_instance_type: str = "t4g.nano"
    api_domain: str | None = None
    api_certificate_arn: str | None = None
    console_domain: str | None = None
    console_certificate_arn: str | None = None
    hosted_zone_id: str | None = None
    hosted_zone_name: str | None = None
    wecom_verify_file: str | None = None
    wecom_verify_content: str | None = None
    callback_concurrency: int = 10
    public_concurrency: int = 50
    throttle_rate: int = 100
    throttle_burst: int = 200
    scan_rate_limit: int = 600
    webhook_rate_limit: int = 3000
    signin_rate_limit: int = 100
    directory_layer_dir: str | None = None

    def __post_init__(self) -> None:
        self._check_basics()
        self._check_going_live()

    def _check_going_live(self) -> None:
        if self.egress not in EGRESS_CHOICES:
            raise ValueError(f"egress must be one of {EGRESS_CHOICES}")
        if not re.fullmatch(r"[a-z][a-z0-9]*\.[a-z0-9]+", self.nat_instance_type):
            raise ValueError("nat_instance_type must be an EC2 instance type such as t4g.nano")
        for key in ("api_domain", "console_domain", "hosted_zone_name"):
            value = getattr(self, key)
            if value is not None and not DOMAIN_PATTERN.match(value):
                raise ValueError(f"{key} {value!r} must be a lower-case domain name")
        for key in ("api_certificate_arn", "console_certificate_arn"):
            value = getattr(self, key)
            if value is not None and not CERTIFICATE_ARN_PATTERN.match(value):
                raise ValueError(f"{key} must be an ACM certificate ARN")
        if self.console_domain and not self.console_certificate_arn:
            raise ValueError(
                "console_domain needs console_certificate_arn: CloudFront takes certificates "
                "from us-east-1 only (see docs/deploy.md)"
            )
        if self.console_certificate_arn and ":us-east-1:" not in self.console_certificate_arn:
            raise ValueError("console_certificate_arn must be a certificate in us-east-1")
        if (self.hosted_zone_id is None) != (self.hosted_zone_name is None):
            raise ValueError("hosted_zone_id and hosted_zone_name go together")
        if (self.wecom_verify_file is None) != (self.wecom_verify_content is None):
            raise ValueError("wecom_verify_file and wecom_verify_content go together")
        if self.wecom_verify_file and not VERIFY_FILE_PATTERN.match(self.wecom_verify_file):
            raise ValueError("wecom_verify_file must look like WW_verify_<letters/digits>.txt")
        if self.wecom_verify_content is not None and not re.fullmatch(
            r"[A-Za-z0-9]{1,128}", self.wecom_verify_content
        ):
            raise ValueError("wecom_verify_content must be the letters and digits WeCom gave")
        if not 1 <= self.callback_concurrency <= 100:
            raise ValueError("callback_concurrency must be from 1 to 100")
        if not 1 <= self.public_concurrency <= 1000:
            raise ValueError("public_concurrency must be from 1 to 1000")
        if not (1 <= self.throttle_rate <= 10_000 and 1 <= self.throttle_burst <= 5_000):
            raise ValueError("throttle_rate must be 1-10000 and throttle_burst 1-5000")
        for key in ("scan_rate_limit", "webhook_rate_limit", "signin_rate_limit"):
            if not 10 <= getattr(self, key) <= 2_000_000_000:
                raise ValueError(f"{key} must be at least 10 (WAF's minimum) requests per 5 min")

    @property
    def public_base_url(self) -> str | None:
        """``PUBLIC_BASE_URL`` of the functions: the API's custom domain, if any."""
        return f"https://{self.api_domain}" if self.api_domain else None

    @property
    def console_origin(self) -> str | None:
        """``CONSOLE_URL`` of the functions: ``console_url`` if given, else the console's
        domain, if any."""
        if self.console_url:
            return self.console_url
        return f"https://{self.console_domain}" if self.console_domain else None

    def _check_basics(self) -> None:
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

        def optional(key: str) -> str | None:
            value = node.try_get_context(key)
            return None if value is None or str(value) == "" else str(value)

        def number(key: str) -> int:
            default = getattr(cls, key)
            raw = text(key, str(default))
            if not raw.isdigit():
                raise ValueError(f"{key} must be a whole number")
            return int(raw)

        email = text("alarm_email", "")
        return cls(
            egress=text("egress", cls.egress),
            nat_instance_type=text("nat_instance_type", cls.nat_instance_type),
            api_domain=optional("api_domain"),
            api_certificate_arn=optional("api_certificate_arn"),
            console_domain=optional("console_domain"),
            console_certificate_arn=optional("console_certificate_arn"),
            hosted_zone_id=optional("hosted_zone_id"),
            hosted_zone_name=optional("hosted_zone_name"),
            wecom_verify_file=optional("wecom_verify_file"),
            wecom_verify_content=optional("wecom_verify_content"),
            callback_concurrency=number("callback_concurrency"),
            public_concurrency=number("public_concurrency"),
            throttle_rate=number("throttle_rate"),
            throttle_burst=number("throttle_burst"),
            scan_rate_limit=number("scan_rate_limit"),
            webhook_rate_limit=number("webhook_rate_limit"),
            signin_rate_limit=number("signin_rate_limit"),
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
