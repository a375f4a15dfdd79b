"""Deferred imports, so that importing ``app.py`` stays cheap (cold start).

Route modules reach their service through ``lazy_import``: the service module (and the
heavy libraries it needs: botocore, pynamodb, wechatpy) loads on the first request that
uses it, not when Lambda imports the handler. See docs/decisions.md.
"""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType


def lazy_import(name: str) -> ModuleType:
    """Return module ``name``, executed on first attribute access (importlib.util.LazyLoader)."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None:
        raise ImportError(f"no module named {name!r}")
    loader = importlib.util.LazyLoader(spec.loader)
    spec.loader = loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    loader.exec_module(module)
    return module
