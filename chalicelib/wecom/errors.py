"""Typed errors of the WeCom server API, and the error codes the product acts on.

Every failure of a WeCom call surfaces as a :class:`WeComError` carrying WeCom's own
``errcode``, so callers branch on numbers (``error.errcode == WELCOME_CODE_USED``), never
on message text. Messages carry the API path only: never a URL, whose query holds the
access token (or, for ``gettoken``, the secret).
"""

from __future__ import annotations

from chalicelib.core.errors import BadRequest, DependencyUnavailable, DomainError

# --- error codes (path 90313; the ones reference §3 lists) ------------------------------
BUSY = -1
INVALID_CREDENTIAL = 40001
INVALID_ACCESS_TOKEN = 40014
MISSING_ACCESS_TOKEN = 41001
EXPIRED_ACCESS_TOKEN = 42001
FREQUENCY_LIMIT = 45009
CONCURRENCY_LIMIT = 45033
NO_PERMISSION = 48002
IP_NOT_TRUSTED = 60020
NO_RELATIONSHIP = 84061
INVALID_EXTERNAL_USERID = 40096
TOO_MANY_ITEMS = 81017
NO_CUSTOMERS = 41048
WELCOME_CODE_INVALID = 41050
WELCOME_CODE_USED = 41051
WELCOME_BEING_SENT = 41096
STILL_DISPATCHING = 41063

#: The token was refused: fetch a new one and try again, once.
TOKEN_ERRCODES = frozenset(
    {INVALID_CREDENTIAL, INVALID_ACCESS_TOKEN, MISSING_ACCESS_TOKEN, EXPIRED_ACCESS_TOKEN}
)
#: WeCom asks us to slow down: back off and retry, a bounded number of times.
LIMIT_ERRCODES = frozenset({FREQUENCY_LIMIT, CONCURRENCY_LIMIT})


class WeComError(DomainError):
    """WeCom answered with a non-zero ``errcode`` (or not at all, for the subclasses).

    Status 502: an upstream refused the request; the caller's own input may be the cause
    (an unknown external_userid, a used welcome code), which ``errcode`` tells apart.
    """

    status = 502
    code = "wecom_error"

    def __init__(self, errcode: int | None, errmsg: str, path: str) -> None:
        shown = "none" if errcode is None else str(errcode)
        super().__init__(f"WeCom {path} failed: errcode {shown}: {errmsg}")
        self.errcode = errcode
        self.errmsg = errmsg
        self.path = path

    def answer(self) -> tuple[int, str]:
        """WeCom refusing what the request asked for (an unknown chat id, a member who does
        not exist: a definite ``errcode``) is the caller's to fix, a 422; WeCom not
        answering (the subclasses) keeps its own status."""
        if type(self) is WeComError and self.errcode is not None:
            return 422, "wecom_refused"
        return self.status, self.code

    def has_code(self, *codes: int) -> bool:
        """True when WeCom answered with one of ``codes``."""
        return self.errcode is not None and self.errcode in codes


class WeComTokenInvalid(WeComError):
    """No usable access token: gettoken refused the credentials, or a fresh token was
    refused too. A configuration problem (secret, corp id, trusted IP), not a transient one."""

    code = "wecom_token_invalid"


class WeComUnavailable(WeComError, DependencyUnavailable):
    """WeCom did not answer usefully (timeout, connection error, HTTP 5xx, ``-1`` busy)
    after the client's bounded retries. Safe to retry later."""

    status = 503
    code = "wecom_unavailable"


class WeComRateLimited(WeComUnavailable):
    """WeCom kept answering 45009 (frequency) or 45033 (concurrency) after backoff."""

    code = "wecom_rate_limited"


def errcode_of(error: BaseException) -> int | None:
    """The WeCom ``errcode`` behind ``error``, or ``None`` when it is not a WeCom answer."""
    return error.errcode if isinstance(error, WeComError) else None


def is_errcode(error: BaseException, *codes: int) -> bool:
    """True when ``error`` is a WeCom answer with one of ``codes`` (e.g. 41051)."""
    return isinstance(error, WeComError) and error.has_code(*codes)


class MalformedEvent(BadRequest):
    """A callback body that is not a WeCom event the product can read."""

    code = "malformed_event"
