"""Sign-in tests: the console's origin is configured and three members exist in WeCom."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.identity import CONSOLE_URL


@pytest.fixture(autouse=True)
def _console(monkeypatch: pytest.MonkeyPatch) -> None:
    from chalicelib.core.settings import reset_settings

    monkeypatch.setenv("CONSOLE_URL", CONSOLE_URL)
    reset_settings()


@pytest.fixture
def members(wecom: Any) -> Any:
    """zhangsan and lisi in 华东 (2), wangwu in 华南 (3), zhaoliu in 上海门店 (4, under 2)."""
    wecom.member("zhangsan", "张三", [2])
    wecom.member("lisi", "李四", [2])
    wecom.member("wangwu", "王五", [3])
    wecom.member("zhaoliu", "赵六", [4])
    return wecom
