"""Deferred imports, so that importing ``app.py`` stays cheap (cold start).

Route modules reach their service through ``lazy_import``: the service module (and the
heavy libraries it needs: botocore, pynamodb, wechatpy) loads on the first request that
uses it, not when Lambda imports the handler. See docs/decisions.md.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from types import ModuleType
from typing import Any


class _Deferred(ModuleType):
    """Stands for module ``__name__`` and loads it on the first attribute access.

    ``importlib.util.LazyLoader`` is not thread-safe before Python 3.12: two threads touching
    a lazy module at once (``chalice local`` serves requests on threads) could see it half
    executed. Here the real import goes through ``importlib.import_module``, whose per-module
    lock makes a second thread wait for the first to finish; attributes are always read from
    the real module, so patching it (tests) is seen through this stand-in.
    """

    def __getattr__(self, attr: str) -> Any:
        return getattr(importlib.import_module(self.__name__), attr)


def lazy_import(name: str) -> ModuleType:
    """Return module ``name``, executed on first attribute access (thread-safe)."""
    if name in sys.modules:
        return sys.modules[name]
    if importlib.util.find_spec(name) is None:
        raise ImportError(f"no module named {name!r}")
    return _Deferred(name)
