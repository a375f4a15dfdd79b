"""``make doctor STAGE=…``: the pre-flight before going live, and after every change.

Each check asks the deployed stage (or the local stack) one question a go-live depends
on, and prints the fix when the answer is wrong:

1. secrets: every required secret is set and long enough;
2. gettoken: WeCom gives this corp id and app secret an access token;
3. egress: the stage itself calls WeCom (``GET /admin/health``, which asks WeCom from the
   stage's egress IP): 60020 means that IP is not among the app's trusted IPs;
4. callback: the callback URL answers WeCom's URL verification (the signed ``echostr``);
5. domain: the trusted domain serves WeCom's ``WW_verify_….txt`` at its root;
6. console: the console loads;
7. bucket: the report bucket takes a write.

For an AWS stage the addresses come from the stacks' outputs and the secrets from
Secrets Manager (the caller's AWS credentials). For ``local`` a running ``make run``
stack is used when it answers, else an ephemeral one is started and stopped; the
simulator stands in for WeCom and for the trusted domain's web root.
"""

from __future__ import annotations

import json
import secrets as random_tokens
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

REQUIRED_SECRETS = (
    "WECOM_TOKEN",
    "WECOM_ENCODING_AES_KEY",
    "WECOM_SECRET",
    "ADMIN_JWT_SECRET",
    "PHONE_HASH_KEY",
)
TIMEOUT_S = 10.0


@dataclass(frozen=True)
class Target:
    """What the checks need to know about one stage."""

    stage: str
    api_url: str
    corp_id: str
    agent_id: str
    wecom_api_base: str
    secrets: Mapping[str, str]
    #: Where the trusted domain's root is (the console domain; locally the simulator).
    domain_url: str | None
    verify_file: str | None
    verify_content: str | None
    console_url: str | None
    egress_ip: str | None
    #: ``put_object``/``delete_object`` on the report bucket; None: not checked.
    bucket_probe: Callable[[], None] | None = None
    #: Where the secrets live, for the fixes.
    secrets_home: str = "the environment"


@dataclass(frozen=True)
class Result:
    name: str
    ok: bool
    detail: str
    fix: str = ""
    skipped: bool = False


@dataclass
class Report:
    results: list[Result] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(r.ok or r.skipped for r in self.results)

    def failed(self, name: str) -> Result | None:
        return next((r for r in self.results if r.name == name and not r.ok), None)

    def render(self) -> str:
        lines = []
        for result in self.results:
            mark = "SKIP" if result.skipped else ("ok  " if result.ok else "FAIL")
            lines.append(f"[{mark}] {result.name}: {result.detail}")
            if result.fix and not result.ok and not result.skipped:
                lines.append(f"       fix: {result.fix}")
        verdict = "ready to go live" if self.ok else "not ready: fix what FAILed, then run again"
        lines.append(
            f"\n{sum(r.ok for r in self.results)}/{len(self.results)} checks ok: {verdict}"
        )
        return "\n".join(lines)


# --- HTTP --------------------------------------------------------------------------------


def _get(url: str, headers: Mapping[str, str] | None = None) -> tuple[int, bytes, str]:
    request = urllib.request.Request(url, headers=dict(headers or {}), method="GET")  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_S) as answer:  # noqa: S310
            return answer.status, answer.read(), answer.headers.get("Content-Type", "")
    except urllib.error.HTTPError as error:
        return error.code, error.read(), error.headers.get("Content-Type", "")


def _json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        return None


# --- the checks ---------------------------------------------------------------------------


def check_secrets(target: Target) -> Result:
    from chalicelib.core.errors import DomainError
    from chalicelib.core.secrets import MIN_LENGTHS, check_length

    problems = []
    for name in REQUIRED_SECRETS:
        value = target.secrets.get(name, "")
        if not value:
            problems.append(f"{name} is not set")
            continue
        try:
            check_length(name, value)
        except DomainError as error:
            problems.append(error.message.removeprefix("secret "))
    if problems:
        lengths = ", ".join(f"{n} ≥ {lo}" for n, (lo, _) in MIN_LENGTHS.items())
        return Result(
            "secrets",
            False,
            "; ".join(problems),
            f"set them in {target.secrets_home} ({lengths}); see docs/deploy.md, "
            "'Rotating secrets'",
        )
    return Result("secrets", True, f"{len(REQUIRED_SECRETS)} secrets set and long enough")


GETTOKEN_FIXES = {
    40013: "the corp id is wrong: deploy with -c corp_id=<我的企业 → 企业信息 → 企业ID>",
    40001: "the app secret is wrong: copy 应用管理 → the self-built app → Secret into WECOM_SECRET",
    40091: "the app secret is wrong: copy 应用管理 → the self-built app → Secret into WECOM_SECRET",
}


def check_gettoken(target: Target) -> Result:
    secret = target.secrets.get("WECOM_SECRET", "")
    if not target.corp_id or not secret:
        return Result("gettoken", False, "no corp id or app secret", "set corp_id and WECOM_SECRET")
    query = urlencode({"corpid": target.corp_id, "corpsecret": secret})
    try:
        status, body, _ = _get(f"{target.wecom_api_base}gettoken?{query}")
    except OSError as error:
        return Result("gettoken", False, f"WeCom did not answer: {error}", "check the network")
    answer = _json(body) or {}
    errcode = int(answer.get("errcode", -1)) if isinstance(answer, dict) else -1
    if status == 200 and errcode == 0 and answer.get("access_token"):
        return Result("gettoken", True, "WeCom issued an access token")
    return Result(
        "gettoken",
        False,
        f"errcode {errcode}: {answer.get('errmsg', '') if isinstance(answer, dict) else body!r}",
        GETTOKEN_FIXES.get(errcode, "check corp_id and WECOM_SECRET (the self-built app's)"),
    )


def _admin_token(target: Target) -> str:
    from chalicelib.auth.tokens import mint

    return mint("doctor", "admin", ttl_s=300, key=target.secrets.get("ADMIN_JWT_SECRET", ""))


def check_egress(target: Target) -> Result:
    """One WeCom API call made by the stage itself, from its egress IP."""
    where = f"the egress IP {target.egress_ip}" if target.egress_ip else "the stage's egress IP"
    if len(target.secrets.get("ADMIN_JWT_SECRET", "")) < 32:
        return Result(
            "egress",
            False,
            "cannot ask the stage without a valid ADMIN_JWT_SECRET",
            "fix the secrets first (see the secrets check)",
        )
    try:
        status, body, _ = _get(
            f"{target.api_url}/admin/health",
            {"Authorization": f"Bearer {_admin_token(target)}"},
        )
    except (OSError, ValueError) as error:
        return Result("egress", False, f"the API did not answer: {error}", "deploy the stage")
    answer = _json(body)
    if not isinstance(answer, dict) or "checks" not in answer:
        return Result(
            "egress",
            False,
            f"GET /admin/health answered {status}",
            "check ADMIN_JWT_SECRET matches the stage's and that the API is deployed",
        )
    checks = answer["checks"]
    token, api = str(checks.get("wecom_token", "")), str(checks.get("wecom_api", ""))
    if api == "ok":
        return Result("egress", True, f"the stage called WeCom from {where}")
    if "60020" in api or "60020" in token:
        return Result(
            "egress",
            False,
            "WeCom refused the stage's IP (60020)",
            f"WeCom admin console → 应用管理 → the self-built app → 企业可信IP: add {where}"
            " (stack output EgressIp), save, then run make doctor again",
        )
    if token != "ok":  # noqa: S105 - a check's status, not a credential
        return Result(
            "egress",
            False,
            f"the stage got no access token: {token}",
            "put the self-built app's Secret in WECOM_SECRET (since 2023-12 customer "
            "APIs need the self-built app's secret, with the app listed under 客户联系)",
        )
    return Result(
        "egress",
        False,
        f"WeCom refused the stage's call: {api}",
        "客户联系 → API → 可调用接口的应用: add the self-built app (48002 = no permission)",
    )


def check_callback(target: Target) -> Result:
    from chalicelib.wecom.crypto import CallbackCrypto, sign

    token = target.secrets.get("WECOM_TOKEN", "")
    aes_key = target.secrets.get("WECOM_ENCODING_AES_KEY", "")
    url = f"{target.api_url}/wecom/callback"
    fix = (
        f"应用管理 → the app → 接收消息 → 设置API接收: URL {url}, Token = WECOM_TOKEN, "
        "EncodingAESKey = WECOM_ENCODING_AES_KEY (both from "
        f"{target.secrets_home})"
    )
    try:
        crypto = CallbackCrypto(token=token, encoding_aes_key=aes_key, corp_id=target.corp_id)
    except ValueError as error:
        return Result("callback", False, str(error), fix)
    plain = str(random_tokens.randbelow(10**18))
    timestamp, nonce = str(int(time.time())), random_tokens.token_hex(8)
    echostr, _ = crypto.encrypt(plain, nonce, timestamp)
    query = urlencode(
        {
            "msg_signature": sign(token, timestamp, nonce, echostr),
            "timestamp": timestamp,
            "nonce": nonce,
            "echostr": echostr,
        }
    )
    started = time.monotonic()
    try:
        status, body, _ = _get(f"{url}?{query}")
    except OSError as error:
        return Result("callback", False, f"{url} did not answer: {error}", fix)
    elapsed_ms = int((time.monotonic() - started) * 1000)
    if status == 200 and body == plain.encode():
        return Result("callback", True, f"{url} echoed the verification in {elapsed_ms} ms")
    return Result("callback", False, f"{url} answered {status}: {body[:120]!r}", fix)


def check_domain(target: Target) -> Result:
    if not target.verify_file or not target.domain_url:
        return Result(
            "domain",
            False,
            "no WeCom verification file configured",
            "应用管理 → the app → 网页授权及JS-SDK → 设置可信域名 → 申请校验域名: download "
            "WW_verify_….txt, deploy with -c wecom_verify_file=<its name> "
            "-c wecom_verify_content=<its content>",
        )
    url = f"{target.domain_url.rstrip('/')}/{target.verify_file}"
    try:
        status, body, _ = _get(url)
    except OSError as error:
        status, body = 0, str(error).encode()
    if status == 200 and body.strip() == (target.verify_content or "").encode():
        return Result("domain", True, f"{url} serves WeCom's verification file")
    return Result(
        "domain",
        False,
        f"{url} answered {status}" + (" with other content" if status == 200 else ""),
        f"serve {target.verify_file} at the root of {target.domain_url}: deploy with "
        f"-c wecom_verify_file={target.verify_file} -c wecom_verify_content=<WeCom's content>",
    )


def check_console(target: Target) -> Result:
    if not target.console_url:
        return Result("console", True, "no console on this stack", skipped=True)
    try:
        status, _, content_type = _get(target.console_url)
    except OSError:
        status, content_type = 0, ""
    if status == 200 and "text/html" in content_type:
        return Result("console", True, f"{target.console_url} loads")
    return Result(
        "console",
        False,
        f"{target.console_url} answered {status} ({content_type or 'no content type'})",
        "build and deploy the console (make deploy builds console/dist first)",
    )


def check_bucket(target: Target) -> Result:
    if target.bucket_probe is None:
        return Result("bucket", True, "not checked", skipped=True)
    try:
        target.bucket_probe()
    except Exception as error:  # noqa: BLE001 - any refusal is the answer
        return Result(
            "bucket",
            False,
            f"the report bucket refused a write: {type(error).__name__}: {error}",
            "check the data stack's ReportsBucket exists and this role may write it",
        )
    return Result("bucket", True, "the report bucket takes a write")


CHECKS = (
    check_secrets,
    check_gettoken,
    check_egress,
    check_callback,
    check_domain,
    check_console,
    check_bucket,
)


def run(target: Target) -> Report:
    report = Report()
    for check in CHECKS:
        report.results.append(check(target))
    return report


# --- targets ------------------------------------------------------------------------------


def _s3_probe(client: Any, bucket: str) -> Callable[[], None]:
    def probe() -> None:
        key = f"doctor/{random_tokens.token_hex(8)}.txt"
        client.put_object(Bucket=bucket, Key=key, Body=b"doctor")
        client.delete_object(Bucket=bucket, Key=key)

    return probe


def local_target(config: Any) -> Target:
    """The local stack of ``config`` (a ``local_stack.stack.StackConfig``)."""
    import boto3

    env = config.app_env()
    s3 = boto3.client(
        "s3",
        endpoint_url=config.s3_url,
        region_name=config.region,
        aws_access_key_id="local",
        aws_secret_access_key="local",  # noqa: S106 - the local stack's made-up key
    )
    return Target(
        stage="local",
        api_url=config.api_url,
        corp_id=config.corp_id,
        agent_id=config.agent_id,
        wecom_api_base=f"{config.simulator_url}/cgi-bin/",
        secrets={name: env.get(name, "") for name in REQUIRED_SECRETS},
        domain_url=config.simulator_url,
        verify_file=config.verify_file,
        verify_content=config.verify_content,
        console_url=getattr(config, "console_url", None),
        egress_ip="127.0.0.1",
        bucket_probe=_s3_probe(s3, config.bucket),
    )


def aws_target(stage: str) -> Target:
    """A deployed stage: the stacks' outputs and the stage's secret."""
    import boto3

    cloudformation = boto3.client("cloudformation")

    def outputs(stack: str) -> dict[str, str]:
        (found,) = cloudformation.describe_stacks(StackName=stack)["Stacks"]
        return {o["OutputKey"]: o["OutputValue"] for o in found.get("Outputs", [])}

    api = outputs(f"scrm-{stage}-api")
    secret_id = f"scrm/{stage}/wecom"
    bundle = json.loads(
        boto3.client("secretsmanager").get_secret_value(SecretId=secret_id)["SecretString"]
    )
    console = api.get("ConsoleUrl")
    return Target(
        stage=stage,
        api_url=api["PublicBaseUrl"].rstrip("/"),
        corp_id=api.get("CorpId", "").strip("-"),
        agent_id=api.get("AgentId", ""),
        wecom_api_base=api.get("WecomApiBase", "https://qyapi.weixin.qq.com/cgi-bin/"),
        secrets={name: str(bundle.get(name, "")) for name in REQUIRED_SECRETS},
        domain_url=console,
        verify_file=api.get("WecomVerifyFile"),
        verify_content=api.get("WecomVerifyContent"),
        console_url=console,
        egress_ip=api.get("EgressIp"),
        bucket_probe=_s3_probe(boto3.client("s3"), api["ReportsBucket"]),
        secrets_home=f"Secrets Manager secret {secret_id}",
    )


@contextmanager
def local_stack() -> Iterator[Any]:
    """A running ``make run`` stack when one answers, else an ephemeral one."""
    from local_stack.stack import ROOT, LocalStack, StackConfig

    if (ROOT / "var" / "local.env").is_file():
        config = StackConfig.persistent()
        try:
            status, _, _ = _get(f"{config.api_url}/health")
        except OSError:
            status = 0
        if status == 200:
            yield config
            return
    with LocalStack(StackConfig.ephemeral()) as stack:
        yield stack.config


def main(stage: str) -> int:
    if stage == "local":
        with local_stack() as config:
            print(f"doctor: the local stack at {config.api_url}")
            report = run(local_target(config))
    else:
        print(f"doctor: stage {stage}")
        report = run(aws_target(stage))
    print(report.render())
    return 0 if report.ok else 1
