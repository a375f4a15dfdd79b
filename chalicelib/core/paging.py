"""Cursor paging for every admin list route: ``limit`` and ``cursor`` in, ``next_cursor``
out (``None`` on the last page).

A cursor is opaque to clients (URL-safe base64 of a small JSON document) and checked when
it comes back: one this API did not give, or one given for another list (another staff
member's customers, say), is a 400 ``invalid_cursor``, never a 500. DynamoDB lists carry
the last evaluated key; lists read whole (the short configuration lists) carry the sort
key of the last item given.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from chalicelib.core.errors import BadRequest

if TYPE_CHECKING:
    from chalice.app import Blueprint

T = TypeVar("T")
_PREFIX = "c1."


@dataclass(frozen=True)
class PageRequest:
    limit: int
    cursor: str | None


@dataclass(frozen=True)
class Page:
    """One page of a list as a route answers it: ``{"items": [...], "next_cursor"}``."""

    items: Sequence[Any]
    next_cursor: str | None


def int_param(blueprint: Blueprint, name: str, default: int, least: int, most: int) -> int:
    """A whole-number query parameter within bounds, or a 400 naming it."""
    query: Mapping[str, str] = blueprint.current_request.query_params or {}
    raw = query.get(name, str(default))
    if not raw.isdigit() or not least <= int(raw) <= most:
        raise BadRequest(f"{name} must be a whole number from {least} to {most}")
    return int(raw)


def page_request(blueprint: Blueprint, default: int = 50, most: int = 200) -> PageRequest:
    """``limit`` (1 to ``most``) and ``cursor`` of the current request, or a 400."""
    query: Mapping[str, str] = blueprint.current_request.query_params or {}
    cursor = query.get("cursor") or None
    return PageRequest(limit=int_param(blueprint, "limit", default, 1, most), cursor=cursor)


def invalid_cursor() -> BadRequest:
    return BadRequest(
        "cursor is not one this list gave; start again without it", code="invalid_cursor"
    )


def encode(document: Mapping[str, Any] | None) -> str | None:
    if document is None:
        return None
    raw = json.dumps(document, separators=(",", ":"), sort_keys=True).encode()
    return _PREFIX + base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(cursor: str | None) -> dict[str, Any] | None:
    if cursor is None:
        return None
    if not cursor.startswith(_PREFIX) or len(cursor) > 2048:
        raise invalid_cursor()
    body = cursor[len(_PREFIX) :]
    try:
        document = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError) as error:
        raise invalid_cursor() from error
    if not isinstance(document, dict):
        raise invalid_cursor()
    return document


def start_key(
    cursor: str | None, names: Collection[str], fixed: Mapping[str, str] | None = None
) -> dict[str, Any] | None:
    """The DynamoDB ``ExclusiveStartKey`` in ``cursor``: exactly the attributes ``names``,
    each a string or number, those in ``fixed`` (the list's partition) equal to them."""
    key = decode(cursor)
    if key is None:
        return None
    if set(key) != set(names):
        raise invalid_cursor()
    for name, value in key.items():
        if not isinstance(value, dict) or len(value) != 1:
            raise invalid_cursor()
        [(kind, text)] = value.items()
        if kind not in ("S", "N") or not isinstance(text, str) or len(text) > 1024:
            raise invalid_cursor()
        if fixed and name in fixed and (kind, text) != ("S", fixed[name]):
            raise invalid_cursor()
    return key


def query_page(
    run: Callable[[dict[str, Any] | None], Any],
    request: PageRequest,
    names: Collection[str],
    fixed: Mapping[str, str] | None = None,
) -> tuple[list[Any], str | None]:
    """One page of a PynamoDB query: ``run(start)`` queries with ``limit=request.limit``
    and ``last_evaluated_key=start``; the items and the cursor of the next page."""
    result = run(start_key(request.cursor, names, fixed))
    items = list(result)
    following = result.last_evaluated_key if len(items) >= request.limit else None
    return items, encode(following)


def list_page(
    items: Iterable[T], key: Callable[[T], str], request: PageRequest, *, newest_first: bool = False
) -> tuple[list[T], str | None]:
    """One page of a list read whole, in ``key`` order (descending with
    ``newest_first``); the cursor names the last key given."""
    ordered: Sequence[T] = sorted(items, key=key, reverse=newest_first)
    document = decode(request.cursor)
    if document is not None:
        after = document.get("after")
        if set(document) != {"after"} or not isinstance(after, str):
            raise invalid_cursor()
        ordered = [i for i in ordered if (key(i) < after if newest_first else key(i) > after)]
    chunk = list(ordered[: request.limit])
    more = len(ordered) > request.limit
    return chunk, encode({"after": key(chunk[-1])}) if more and chunk else None
