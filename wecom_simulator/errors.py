"""WeCom error codes the simulator answers with, and the exception handlers raise."""

from __future__ import annotations

BUSY = -1
INVALID_CREDENTIAL = 40001
INVALID_CORP_ID = 40013
INVALID_ACCESS_TOKEN = 40014
INVALID_CHAT_ID = 40050
INVALID_AGENT_ID = 40056
INVALID_PARAMETER = 40058
INVALID_TAG_ID = 40068
TAG_NAME_EXISTS = 40071
INVALID_EXTERNAL_USERID = 40096
MISSING_ACCESS_TOKEN = 41001
CONTACT_WAY_TOO_MANY_USERS = 41041
NO_CUSTOMERS = 41048
WELCOME_CODE_INVALID = 41050
WELCOME_CODE_USED = 41051
STILL_DISPATCHING = 41063
WELCOME_BEING_SENT = 41096
EXPIRED_ACCESS_TOKEN = 42001
FREQUENCY_LIMIT = 45009
BAD_JSON = 47001
API_NOT_FOUND = 48001
USER_NOT_FOUND = 60111
ALL_RECIPIENTS_INVALID = 81013
TOO_MANY_ITEMS = 81017
NO_RELATIONSHIP = 84061


class ApiError(Exception):
    """Raised by a handler: answered as ``{"errcode": errcode, "errmsg": errmsg}``."""

    def __init__(self, errcode: int, errmsg: str, http_status: int = 200) -> None:
        super().__init__(f"{errcode}: {errmsg}")
        self.errcode = errcode
        self.errmsg = errmsg
        self.http_status = http_status


def invalid(message: str) -> ApiError:
    """An invalid-parameter error (40058) with a message naming the field."""
    return ApiError(INVALID_PARAMETER, f"invalid parameter: {message}")
