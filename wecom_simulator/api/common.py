"""What every API handler shares: the call context, parameter checks, paging, the registry."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from wecom_simulator.config import SimConfig
from wecom_simulator.errors import (
    INVALID_EXTERNAL_USERID,
    NO_RELATIONSHIP,
    USER_NOT_FOUND,
    ApiError,
    invalid,
)
from wecom_simulator.ratelimit import RateLimiter
from wecom_simulator.state import Follow, World


@dataclass
class Ctx:
    """One API call: the world (locked for the call), settings, time and parameters."""

    world: World
    config: SimConfig
    now: float
    params: dict[str, Any]
    base_url: str
    limiter: RateLimiter

    @property
    def ts(self) -> int:
        return int(self.now)

    # --- parameters --------------------------------------------------------------------

    def text(
        self, name: str, *, required: bool = True, max_len: int | None = None, default: str = ""
    ) -> str:
        value = self.params.get(name)
        if value is None or value == "":
            if required:
                raise invalid(f"{name} is required")
            return default
        if not isinstance(value, str | int):
            raise invalid(f"{name} must be a string")
        text = str(value)
        if max_len is not None and len(text) > max_len:
            raise invalid(f"{name} exceeds {max_len} characters")
        return text

    def integer(self, name: str, *, default: int | None = None, choices: Sequence[int] = ()) -> int:
        value = self.params.get(name)
        if value is None or value == "":
            if default is None:
                raise invalid(f"{name} is required")
            return default
        try:
            number = int(value)
        except (TypeError, ValueError) as error:
            raise invalid(f"{name} must be an integer") from error
        if choices and number not in choices:
            raise invalid(f"{name} must be one of {list(choices)}")
        return number

    def strings(
        self,
        name: str,
        *,
        required: bool = False,
        max_items: int | None = None,
        errcode: int | None = None,
    ) -> list[str]:
        value = self.params.get(name)
        if value is None:
            if required:
                raise invalid(f"{name} is required")
            return []
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise invalid(f"{name} must be a list of strings")
        if required and not value:
            raise invalid(f"{name} must not be empty")
        if max_items is not None and len(value) > max_items:
            if errcode is not None:
                raise ApiError(errcode, f"{name} exceeds {max_items} items")
            raise invalid(f"{name} exceeds {max_items} items")
        return list(value)

    def obj(self, name: str) -> dict[str, Any]:
        value = self.params.get(name)
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise invalid(f"{name} must be an object")
        return value

    # --- world lookups -----------------------------------------------------------------

    def staff(self, userid: str) -> None:
        if userid not in self.world.staff:
            raise ApiError(USER_NOT_FOUND, f"userid not found: {userid}")

    def customer(self, external_userid: str) -> None:
        if external_userid not in self.world.customers:
            raise ApiError(INVALID_EXTERNAL_USERID, "invalid external_userid")

    def follow(self, userid: str, external_userid: str) -> Follow:
        self.staff(userid)
        self.customer(external_userid)
        follow = self.world.follows.get((userid, external_userid))
        if follow is None:
            raise ApiError(NO_RELATIONSHIP, "no relationship between the member and the customer")
        return follow


T = TypeVar("T")


def page(items: Sequence[T], cursor: str, limit: int) -> tuple[list[T], str]:
    """Offset paging with an opaque-looking cursor; ``""`` when nothing follows."""
    try:
        start = int(cursor) if cursor else 0
    except ValueError as error:
        raise invalid("cursor") from error
    chunk = list(items[start : start + limit])
    following = start + limit
    return chunk, str(following) if following < len(items) else ""


def text_bytes_ok(content: str, limit: int) -> bool:
    return len(content.encode()) <= limit


Handler = Callable[[Ctx], dict[str, Any]]
ROUTES: dict[str, Handler] = {}


def route(*paths: str) -> Callable[[Handler], Handler]:
    """Register a handler for API paths relative to ``/cgi-bin/``."""

    def register(handler: Handler) -> Handler:
        for path in paths:
            ROUTES[path] = handler
        return handler

    return register
