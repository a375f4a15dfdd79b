"""WeCom server API handlers, one module per area; importing this registers them all."""

from __future__ import annotations

from wecom_simulator.api import (  # noqa: F401  (imported for their routes)
    contact_ways,
    contacts,
    groups,
    handover,
    mass,
    members,
    messages,
    moments,
    stats,
    tags,
    welcome,
)
from wecom_simulator.api.common import ROUTES, Ctx, Handler

__all__ = ["ROUTES", "Ctx", "Handler"]
