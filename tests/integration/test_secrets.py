"""Secrets are read when first needed, from Secrets Manager or SSM in AWS, and cached."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from chalicelib.core import secrets
from chalicelib.core.settings import Settings


@pytest.fixture
def aws_secrets() -> Iterator[None]:
    from aws_lambda_powertools.utilities import parameters
    from moto import mock_aws

    parameters.clear_caches()
    with mock_aws():
        yield
    parameters.clear_caches()


def settings(**env: str) -> Settings:
    return Settings.from_env({"AWS_REGION": "ap-east-1"} | env)


def test_settings_hold_no_secret() -> None:
    fields = {field.name for field in dataclasses.fields(Settings)}
    assert not {"wecom_token", "wecom_encoding_aes_key", "wecom_secret"} & fields


@pytest.mark.usefixtures("aws_secrets")
def test_secrets_manager_bundle_is_read_lazily_and_cached() -> None:
    sm: Any = boto3.client("secretsmanager", region_name="ap-east-1")
    sm.create_secret(
        Name="scrm/prod/wecom",
        SecretString=json.dumps({"WECOM_TOKEN": "tok-1", "WECOM_SECRET": "sec-1"}),
    )
    cached = settings(SECRETS_SOURCE="secretsmanager", SECRETS_ID="scrm/prod/wecom")
    assert secrets.get_secret(secrets.WECOM_TOKEN, cached) == "tok-1"
    assert secrets.get_secret(secrets.WECOM_SECRET, cached) == "sec-1"

    sm.put_secret_value(
        SecretId="scrm/prod/wecom",
        SecretString=json.dumps({"WECOM_TOKEN": "tok-2", "WECOM_SECRET": "sec-2"}),
    )
    assert secrets.get_secret(secrets.WECOM_TOKEN, cached) == "tok-1"  # within max age


@pytest.mark.usefixtures("aws_secrets")
def test_a_max_age_of_zero_reads_every_time() -> None:
    sm: Any = boto3.client("secretsmanager", region_name="ap-east-1")
    sm.create_secret(Name="scrm/dev/wecom", SecretString=json.dumps({"WECOM_TOKEN": "tok-1"}))
    uncached = settings(
        SECRETS_SOURCE="secretsmanager", SECRETS_ID="scrm/dev/wecom", SECRETS_MAX_AGE_S="0"
    )
    assert secrets.get_secret(secrets.WECOM_TOKEN, uncached) == "tok-1"
    sm.put_secret_value(
        SecretId="scrm/dev/wecom", SecretString=json.dumps({"WECOM_TOKEN": "tok-2"})
    )
    assert secrets.get_secret(secrets.WECOM_TOKEN, uncached) == "tok-2"


@pytest.mark.usefixtures("aws_secrets")
def test_a_key_missing_from_the_bundle_is_a_missing_secret() -> None:
    boto3.client("secretsmanager", region_name="ap-east-1").create_secret(
        Name="scrm/dev/wecom", SecretString=json.dumps({"WECOM_TOKEN": ""})
    )
    with pytest.raises(secrets.MissingSecret, match="WECOM_ENCODING_AES_KEY"):
        secrets.get_secret(
            secrets.WECOM_ENCODING_AES_KEY,
            settings(SECRETS_SOURCE="secretsmanager", SECRETS_ID="scrm/dev/wecom"),
        )


@pytest.mark.usefixtures("aws_secrets")
def test_a_missing_secret_or_parameter_is_a_503_not_a_crash() -> None:
    for source, name in (("secretsmanager", "scrm/none/wecom"), ("ssm", "/scrm/none/")):
        with pytest.raises(secrets.MissingSecret, match="could not be read") as caught:
            secrets.get_secret(
                secrets.WECOM_TOKEN, settings(SECRETS_SOURCE=source, SECRETS_ID=name)
            )
        assert caught.value.status == 503


@pytest.mark.usefixtures("aws_secrets")
def test_ssm_secure_strings_are_read_under_the_path() -> None:
    boto3.client("ssm", region_name="ap-east-1").put_parameter(
        Name="/scrm/prod/WECOM_SECRET", Value="sec-ssm", Type="SecureString"
    )
    source = settings(SECRETS_SOURCE="ssm", SECRETS_ID="/scrm/prod/")
    assert secrets.get_secret(secrets.WECOM_SECRET, source) == "sec-ssm"


def test_locally_secrets_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WECOM_SECRET", "from-env")
    assert secrets.get_secret(secrets.WECOM_SECRET, settings()) == "from-env"
    monkeypatch.delenv("WECOM_SECRET")
    with pytest.raises(secrets.MissingSecret):
        secrets.get_secret(secrets.WECOM_SECRET, settings())


@pytest.mark.parametrize(
    ("name", "value", "needed"),
    [
        ("ADMIN_JWT_SECRET", "short-signing-key", "at least 32"),
        ("PHONE_HASH_KEY", "tiny", "at least 24"),
        ("WECOM_ENCODING_AES_KEY", "x" * 42, "at least 43"),
        ("GENERIC_WEBHOOK_SECRET", "abc", "at least 16"),
    ],
)
def test_a_short_key_is_refused_as_a_503_naming_it(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, needed: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(secrets.WeakSecret, match=needed) as caught:
        secrets.get_secret(name, settings())
    assert caught.value.status == 503
    assert caught.value.code == "secret_too_short"
    assert value not in caught.value.message


def test_a_request_under_a_short_key_is_a_clear_503_not_a_500(
    client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The WeCom callback with a truncated EncodingAESKey: refused with the reason."""
    monkeypatch.setenv("WECOM_ENCODING_AES_KEY", "too-short")
    response = client.http.get("/wecom/callback?msg_signature=0&timestamp=1&nonce=2&echostr=abc")
    assert response.status_code == 503
    assert response.json_body["error"] == "secret_too_short"
    assert "WECOM_ENCODING_AES_KEY" in response.json_body["message"]
    assert "too-short" not in response.body.decode()
