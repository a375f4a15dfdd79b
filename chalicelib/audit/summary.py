"""A short, safe summary of a request body for the audit log and the contact's timeline.

Values under names that suggest a secret or a phone number are masked, runs of seven or more
digits inside text are masked (phone numbers written into a message), mainland mobile
numbers given as numbers are masked, long text is cut and long lists are shortened. The
summary is what an auditor needs to see what changed, never a copy of the request.
"""

from __future__ import annotations

import json
import re
from typing import Any

MASK = "***"
MAX_TEXT = 80
MAX_ITEMS = 20
MAX_DEPTH = 4
MAX_JSON = 2000

#: Parts of a field name that mark its value as secret or personal.
SENSITIVE = (
    "secret",
    "token",
    "password",
    "passwd",
    "authorization",
    "credential",
    "signature",
    "apikey",
    "aeskey",
    "phone",
    "mobile",
)
DIGIT_RUN = re.compile(r"\+?\d(?:[\d \-]{5,}\d)")
MOBILE = re.compile(r"1\d{10}")


def sensitive(name: str) -> bool:
    flat = re.sub(r"[^a-z0-9]", "", name.lower())
    return any(word in flat for word in SENSITIVE) or flat in {"key", "tel", "pin"}


def _text(value: str) -> str:
    masked = DIGIT_RUN.sub(
        lambda m: MASK if sum(c.isdigit() for c in m.group()) >= 7 else m.group(), value
    )
    return masked if len(masked) <= MAX_TEXT else masked[: MAX_TEXT - 1] + "…"


def _value(value: Any, depth: int) -> Any:
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return MASK if MOBILE.fullmatch(str(abs(value))) else value
    if isinstance(value, float):
        return value
    if isinstance(value, str):
        return _text(value)
    if depth >= MAX_DEPTH:
        return "…"
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for index, (key, item) in enumerate(value.items()):
            if index >= MAX_ITEMS:
                out["…"] = f"{len(value) - MAX_ITEMS} more fields"
                break
            name = _text(str(key))
            out[name] = MASK if sensitive(str(key)) else _value(item, depth + 1)
        return out
    if isinstance(value, list | tuple):
        items = [_value(item, depth + 1) for item in value[:MAX_ITEMS]]
        if len(value) > MAX_ITEMS:
            items.append(f"… {len(value) - MAX_ITEMS} more")
        return items
    return _text(str(value))


def summarize(body: Any) -> Any:
    """The body with secrets and phone numbers masked, bounded to about 2 KB of JSON."""
    summary = _value(body, 0)
    if len(json.dumps(summary, ensure_ascii=False, default=str)) <= MAX_JSON:
        return summary
    if isinstance(summary, dict):
        return {"fields": [_text(str(k)) for k in list(summary)[:MAX_ITEMS]], "truncated": True}
    return {"truncated": True}


def parse_body(raw: str | bytes | None) -> Any:
    """The JSON body of a request, or a note on what it was when it is not JSON."""
    if not raw:
        return None
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return {"unparsed_bytes": len(raw)}
