"""Settings are validated once, with clear errors."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from chalicelib.core.settings import WECOM_API_BASE, Settings, pydantic_model
from tests.conftest import ROOT


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


def test_several_invalid_variables_are_all_named() -> None:
    with pytest.raises(ValidationError) as raised:
        Settings.from_env({"SESSION_IDLE_S": "59", "CALLBACK_MAX_ATTEMPTS": "51", "STAGE": "ok"})
    assert {error["loc"] for error in raised.value.errors()} == {
        ("SESSION_IDLE_S",),
        ("CALLBACK_MAX_ATTEMPTS",),
    }


#: Values in their usual form, and forms only pydantic's lax parsing reads or refuses.
SAMPLES = (
    *("0", "1", "7", "59", "60", "300", "3600", "3601", "14400", "14401", "86401"),
    *("007", " 7", "7 ", "-1", "1_000", "+7", "7.0", "1e3", "inf", "nan", "3.", ".5"),
    *("0.5", "30.5", "60.0", "61", "١٢", "１２"),
    *("true", "false", "True", "False", "TRUE", "yes", "no", "on", "t", "x"),
    *("env", "ssm", "secretsmanager", "ENV", "ab", "abc", "a" * 21, "Prod!", "prod"),
    *("scrm-prod-", "scrm prod", "22:00-08:00", "22:00-08:00\n", "12:00-13:00", "2200-0800"),
    *("http://h", "https://h/", "ftp://x", "https://go.example.com/", "https://u@go.example.com"),
    *("https://go.example.com/?q=1", "http://127.0.0.1:8100/cgi-bin"),
)


def _outcome(read: Any, env: dict[str, str]) -> tuple[Any, ...]:
    try:
        settings = read(env)
    except ValidationError as error:
        return ("invalid", error.errors(include_url=False, include_context=False))
    values = {f.name: getattr(settings, f.name) for f in dataclasses.fields(Settings)}
    return ("valid", values, {name: type(value) for name, value in values.items()})


def _aliases() -> list[str]:
    return [
        alias
        for f in dataclasses.fields(Settings)
        for alias in (
            [f.metadata["alias"]] if isinstance(f.metadata["alias"], str) else f.metadata["alias"]
        )
    ]


def test_every_variable_reads_as_pydantic_reads_it() -> None:
    """``from_env`` reads the usual forms itself and leaves the rest to the pydantic model
    of the same fields: whatever the value, the settings (or the errors) are pydantic's."""
    model = pydantic_model()
    envs = [{alias: value} for alias in _aliases() for value in SAMPLES]
    envs += [{"AWS_DEFAULT_REGION": "eu-west-1"}, {"AWS_REGION": "a", "AWS_DEFAULT_REGION": "b"}]
    envs += [{"stage": "prod"}, {"aws_region": "x"}]  # by field name, as pydantic allows
    for env in envs:
        assert _outcome(Settings.from_env, env) == _outcome(model.model_validate, env), env


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(_aliases()), st.sampled_from(SAMPLES), max_size=8))
def test_any_environment_reads_as_pydantic_reads_it(env: dict[str, str]) -> None:
    assert _outcome(Settings.from_env, env) == _outcome(pydantic_model().model_validate, env)


def test_reading_the_usual_environment_does_not_import_pydantic() -> None:
    """A first callback needs no pydantic (a sixth of its cold start)."""
    probe = (
        "import sys; from chalicelib.core.settings import get_settings; "
        "s = get_settings(); assert s.callback_max_skew_s == 300 and s.churn_alerts_enabled; "
        "print(sorted(m for m in sys.modules if m.split('.')[0].startswith('pydantic')))"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CALLBACK_", "CHURN_"))}
    env |= {"STAGE": "prod", "TABLE_PREFIX": "scrm-prod-", "WECOM_API_BASE": "http://h/cgi-bin"}
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "[]"
