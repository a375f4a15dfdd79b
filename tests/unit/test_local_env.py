"""``make run`` keeps its made-up credentials in var/local.env, but a variable the user
exports later wins over the file (and the file is rewritten with it)."""

from __future__ import annotations

from pathlib import Path

import pytest

from local_stack.stack import _PERSISTED, StackConfig, _read_env_file


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in _PERSISTED.values():
        monkeypatch.delenv(name, raising=False)


def test_the_first_run_writes_the_file_and_the_next_reuses_it(tmp_path: Path) -> None:
    env_file = tmp_path / "local.env"
    first = StackConfig.persistent(env_file)
    again = StackConfig.persistent(env_file)
    assert (again.token, again.admin_jwt_secret) == (first.token, first.admin_jwt_secret)
    assert env_file.stat().st_mode & 0o777 == 0o600
    assert again.from_environment == ()


def test_exported_variables_win_over_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env_file = tmp_path / "local.env"
    first = StackConfig.persistent(env_file)
    aes_key = "a" * 43
    monkeypatch.setenv("WECOM_TOKEN", "realtoken")
    monkeypatch.setenv("WECOM_ENCODING_AES_KEY", aes_key)
    monkeypatch.setenv("GENERIC_WEBHOOK_SECRET", "shop-secret")
    config = StackConfig.persistent(env_file)
    assert (config.token, config.encoding_aes_key) == ("realtoken", aes_key)
    assert config.generic_webhook_secret == "shop-secret"
    assert config.admin_jwt_secret == first.admin_jwt_secret  # not exported: from the file
    assert set(config.from_environment) == {
        "WECOM_TOKEN",
        "WECOM_ENCODING_AES_KEY",
        "GENERIC_WEBHOOK_SECRET",
    }
    written = _read_env_file(env_file)
    assert (written["WECOM_TOKEN"], written["WECOM_ENCODING_AES_KEY"]) == ("realtoken", aes_key)
    note = config.credentials_note()
    assert str(env_file) in note and "WECOM_TOKEN" in note and "rm " in note
