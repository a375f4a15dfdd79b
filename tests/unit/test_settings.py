"""Settings are validated once, with clear errors."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from chalicelib.core.settings import WECOM_API_BASE, Settings


def test_defaults_point_at_the_real_wecom_api() -> None:
    settings = Settings.from_env({})
    assert settings.wecom_api_base == WECOM_API_BASE
    assert settings.secrets_source == "env"
    assert not settings.is_local


def test_table_names_carry_the_prefix() -> None:
    settings = Settings.from_env({"TABLE_PREFIX": "scrm-prod-"})
    assert settings.table_name("callback-events") == "scrm-prod-callback-events"


def test_the_simulator_base_gets_a_trailing_slash() -> None:
    settings = Settings.from_env({"WECOM_API_BASE": "http://127.0.0.1:8100/cgi-bin"})
    assert settings.wecom_api_base == "http://127.0.0.1:8100/cgi-bin/"


@pytest.mark.parametrize(
    ("env", "field"),
    [
        ({"WECOM_API_BASE": "ftp://example"}, "WECOM_API_BASE"),
        ({"SECRETS_SOURCE": "vault"}, "SECRETS_SOURCE"),
        ({"WECOM_AGENT_ID": "abc"}, "WECOM_AGENT_ID"),
        ({"STAGE": "Prod!"}, "STAGE"),
    ],
)
def test_invalid_values_name_the_variable(env: dict[str, str], field: str) -> None:
    with pytest.raises(ValidationError, match=field):
        Settings.from_env(env)
