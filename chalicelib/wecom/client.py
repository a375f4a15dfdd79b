"""The WeCom server-API client, made for Lambda.

One client per process (:func:`get_client`), on a ``requests`` session. What it does, and
why:

- **Timeouts on every call**, gettoken included: a hung socket would otherwise eat the
  Lambda's whole budget.
- **Bounded token refresh**: on 40001 / 40014 / 41001 / 42001 the token is dropped and the
  call retried with the token another instance may have stored meanwhile, else with one
  from gettoken; a token from gettoken refused again raises :class:`WeComTokenInvalid`
  (at most one gettoken and three attempts per call). wechatpy 1.8.18's client, which
  this one was first built on, recurses without bound (≈200 gettoken calls, then
  ``RecursionError``), which gets the corp rate-limited.
- **Backoff on busy and limits**: ``-1`` and 45009 / 45033 are retried with exponential
  backoff and jitter, a bounded number of times; likewise timeouts, connection errors and
  HTTP 5xx. A POST that creates or sends something is not replayed after the request may
  have reached WeCom (a read timeout), so a customer never gets a message twice.
- **Typed errors** (:mod:`chalicelib.wecom.errors`).
- **Configuration from settings**: base URL (the local stack points it at the simulator),
  corp id, agent id, timeout; the secret is read lazily through
  :func:`chalicelib.core.secrets.get_secret` at each gettoken, so a rotated secret is used.
- **A token key without the secret**: ``wecom-token#<corpid>#<agentid>``, a DynamoDB key
  safe to show.
- **Typed methods for the calls the product makes**, and :meth:`WeComClient.get` /
  :meth:`WeComClient.post` for any other endpoint (every endpoint is a JSON GET or POST
  with the token in the query string). wechatpy's endpoint wrappers are not used: loading
  its package cost some 30 ms of every cold start that calls WeCom (docs/decisions.md).

The access token travels in the query string (WeCom requires it), so no URL is ever logged
or put into an error message: logs carry the API path, and exceptions from ``requests``
(whose messages hold the URL) are described with the token and secret redacted and are
not chained.
"""

from __future__ import annotations

import json
import random
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests

from chalicelib.core.errors import BadRequest
from chalicelib.core.observability import logger
from chalicelib.core.secrets import WECOM_SECRET, get_secret
from chalicelib.core.settings import Settings, get_settings
from chalicelib.wecom.errors import (
    BUSY,
    LIMIT_ERRCODES,
    TOKEN_ERRCODES,
    WeComError,
    WeComRateLimited,
    WeComTokenInvalid,
    WeComUnavailable,
)
from chalicelib.wecom.token_store import (
    DEFAULT_TTL_S,
    DynamoTokenStore,
    MemoryTokenStore,
    TokenStore,
    token_key,
)

GETTOKEN = "gettoken"

#: POSTs that create or send something: never replayed once the request may have
#: reached WeCom (read timeout, dropped connection). Reads and idempotent writes are.
NOT_REPLAYABLE = frozenset(
    {
        # message/send is replayed: every app message carries WeCom's duplicate check, so
        # the same request again within the interval is not delivered twice.
        "externalcontact/send_welcome_msg",
        "externalcontact/add_msg_template",
        "externalcontact/add_moment_task",
        "externalcontact/add_contact_way",
        "externalcontact/add_corp_tag",
        "externalcontact/groupchat/add_join_way",
        "externalcontact/transfer_customer",
        "externalcontact/resigned/transfer_customer",
        "externalcontact/groupchat/transfer",
        "media/upload",
        "media/uploadimg",
    }
)

MAX_WELCOME_ATTACHMENTS = 9
MAX_TEXT_BYTES = 4000
MAX_BATCH_USERIDS = 100
#: Pages of ``externalcontact/get`` followed (500 followers each).
MAX_FOLLOWER_PAGES = 50
#: How long a member's name read with ``user/get`` is reused, and how many are kept: names
#: change rarely, and a welcome message must not wait on WeCom for every add.
MEMBER_NAME_TTL_S = 3600.0
MEMBER_NAME_CACHE = 2000

_SECRET_PARAM = re.compile(r"(access_token|corpsecret)=[^&\s'\"]*", re.IGNORECASE)

Sleep = Callable[[float], None]


def redact(text: str) -> str:
    """``text`` with the values of ``access_token`` and ``corpsecret`` parameters hidden."""
    return _SECRET_PARAM.sub(r"\1=***", text)


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded retries with exponential backoff and "equal" jitter.

    The n-th retry (0-based) waits between half and all of
    ``min(max_delay_s, base_delay_s * 2**n)``: with the defaults 0.125-0.25 s, then
    0.25-0.5 s, so three attempts cost at most ~0.75 s of waiting on top of the calls.
    """

    attempts: int = 3
    base_delay_s: float = 0.25
    max_delay_s: float = 2.0

    def delay(self, retry: int, rng: random.Random) -> float:
        ceiling = min(self.max_delay_s, self.base_delay_s * (2**retry))
        return ceiling / 2 + rng.uniform(0, ceiling / 2)


class WeComClient:
    """The WeCom API with timeouts, bounded retries and typed errors.

    Every argument defaults to the settings; tests inject ``session`` (a token store),
    ``sleep`` and ``rng``, and mount a fake transport on ``client._http``.
    """

    def __init__(
        self,
        corp_id: str | None = None,
        secret: str | None = None,
        *,
        agent_id: int | None = None,
        session: TokenStore | None = None,
        timeout: float | None = None,
        api_base: str | None = None,
        retry: RetryPolicy | None = None,
        sleep: Sleep = time.sleep,
        rng: random.Random | None = None,
        settings: Settings | None = None,
    ) -> None:
        self._settings = settings or get_settings()
        self.API_BASE_URL = api_base or self._settings.wecom_api_base
        if not self.API_BASE_URL.endswith("/"):
            self.API_BASE_URL += "/"
        self.agent_id = self._settings.wecom_agent_id if agent_id is None else agent_id
        self.retry = retry or RetryPolicy()
        self._sleep = sleep
        self._rng = rng or random.Random()  # jitter, not cryptography
        self._member_names: dict[str, tuple[float, str]] = {}
        self.corp_id = corp_id or self._settings.wecom_corp_id
        self.secret = secret or ""
        #: Where the access token is kept (shared by every instance in AWS).
        self.session: TokenStore = session if session is not None else MemoryTokenStore()
        self.timeout = timeout or self._settings.wecom_http_timeout_s
        self.expires_at: int | None = None
        self._http = requests.Session()

    # --- credentials and the token ------------------------------------------------------

    @property
    def secret(self) -> str:
        """The app secret: the one given, else read (lazily, cached by secrets) per use."""
        return self._secret or get_secret(WECOM_SECRET, self._settings)

    @secret.setter
    def secret(self, value: str) -> None:
        self._secret = value or None

    @property
    def access_token_key(self) -> str:
        return token_key(self.corp_id, self.agent_id)

    @property
    def access_token(self) -> str:
        """The cached token, or a new one from gettoken. The store judges expiry."""
        token = self.session.get(self.access_token_key)
        if token:
            return str(token)
        return str(self.fetch_access_token()["access_token"])

    def fetch_access_token(self) -> dict[str, Any]:
        return self._fetch_access_token(
            url=self.API_BASE_URL + GETTOKEN,
            params={"corpid": self.corp_id, "corpsecret": self.secret},
        )

    def _fetch_access_token(self, url: str, params: Mapping[str, Any]) -> dict[str, Any]:
        """gettoken with the timeout and retries every other call has; stores the token."""
        result = self._exchange("get", GETTOKEN, url, params=dict(params), replayable=True)
        if not isinstance(result, dict):
            raise WeComUnavailable(None, "gettoken answered without JSON", GETTOKEN)
        errcode = _errcode(result)
        token = result.get("access_token")
        if errcode != 0 or not token:
            raise WeComTokenInvalid(errcode, _errmsg(result), GETTOKEN)
        expires_in = int(result.get("expires_in") or DEFAULT_TTL_S)
        self.session.set(self.access_token_key, str(token), expires_in)
        self.expires_at = int(time.time()) + expires_in
        logger.info("wecom token fetched", extra={"expires_in": expires_in})
        return result

    def _discard_token(self, token: str) -> None:
        discard = getattr(self.session, "discard", None)
        if callable(discard):
            discard(self.access_token_key, token)
        else:
            self.session.delete(self.access_token_key)

    # --- the request path ---------------------------------------------------------------

    def _request(self, method: str, url_or_endpoint: str, **kwargs: Any) -> Any:
        """Every call comes through here."""
        api_base = kwargs.pop("api_base_url", None) or self.API_BASE_URL
        if url_or_endpoint.startswith(("http://", "https://")):
            url = url_or_endpoint
            path = urlsplit(url).path.split("/cgi-bin/", 1)[-1]
        else:
            url, path = api_base + url_or_endpoint, url_or_endpoint.split("?")[0]
        params = kwargs.pop("params", None)
        params = {} if params is None else params
        data = kwargs.pop("data", None)
        if isinstance(data, dict | list):
            data = json.dumps(data, ensure_ascii=False).encode("utf-8")
        result_processor = kwargs.pop("result_processor", None)
        # A dict without a token gets ours; anything else is sent as the caller built it.
        add_token = isinstance(params, dict) and "access_token" not in params
        replayable = method.lower() == "get" or path not in NOT_REPLAYABLE
        refused: set[str] = set()
        fetched = False  # a token gettoken gave during this call
        while True:
            token = None
            if add_token:
                token = (
                    self.access_token if not refused else self.session.get(self.access_token_key)
                )
                if token is None or token in refused:
                    # The shared store has nothing better: a reset secret revokes every
                    # token, the one another instance stored as much as ours.
                    token, fetched = str(self.fetch_access_token()["access_token"]), True
                params = {**params, "access_token": token}
            result = self._exchange(
                method, path, url, params=params, data=data, replayable=replayable, **kwargs
            )
            if not isinstance(result, dict):
                return result  # not JSON (a media download): the response itself
            errcode = _errcode(result)
            if errcode in TOKEN_ERRCODES and token is not None and not fetched:
                refused.add(token)
                logger.info(
                    "wecom token refused, refreshing", extra={"path": path, "errcode": errcode}
                )
                self._discard_token(token)
                continue
            if errcode in TOKEN_ERRCODES:
                raise WeComTokenInvalid(errcode, _errmsg(result), path)
            if errcode == IP_NOT_TRUSTED:
                _report_untrusted_ip(path)
            if errcode != 0:
                raise WeComError(errcode, _errmsg(result), path)
            return result_processor(result) if result_processor else result

    def _exchange(
        self,
        method: str,
        path: str,
        url: str,
        *,
        params: Any = None,
        data: Any = None,
        replayable: bool,
        **kwargs: Any,
    ) -> dict[str, Any] | requests.Response:
        """One logical call: HTTP attempts until an answer that is not busy/limited.

        Retries timeouts, connection errors, HTTP 5xx, ``-1`` and 45009 / 45033 up to
        ``retry.attempts`` in all; raises the typed error once the budget is spent.
        """
        kwargs.pop("timeout", None)  # one timeout for every call: the client's
        files = kwargs.get("files")
        attempts = max(1, self.retry.attempts)
        for attempt in range(1, attempts + 1):
            last = attempt == attempts
            if attempt > 1:
                _rewind(files)
            try:
                response = self._http.request(
                    method=method, url=url, params=params, data=data, timeout=self.timeout, **kwargs
                )
            except requests.RequestException as error:
                reason = _describe(error)
                if last or not _may_retry(error, replayable):
                    logger.warning(
                        "wecom call failed",
                        extra={"path": path, "attempt": attempt, "reason": reason},
                    )
                    raise WeComUnavailable(None, reason, path) from None
                self._backoff(path, attempt, reason=reason)
                continue
            if response.status_code >= 500:
                if last:
                    raise WeComUnavailable(None, f"HTTP {response.status_code}", path)
                self._backoff(path, attempt, reason=f"HTTP {response.status_code}")
                continue
            if response.status_code >= 400:
                raise WeComError(None, f"HTTP {response.status_code}", path)
            result = _decode(response)
            if not isinstance(result, dict):
                return response
            errcode = _errcode(result)
            if errcode == BUSY or errcode in LIMIT_ERRCODES:
                if last:
                    error_type = WeComRateLimited if errcode in LIMIT_ERRCODES else WeComUnavailable
                    raise error_type(errcode, _errmsg(result), path)
                self._backoff(path, attempt, reason="errcode", errcode=errcode)
                continue
            return result
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _backoff(self, path: str, attempt: int, *, reason: str, errcode: int | None = None) -> None:
        delay = self.retry.delay(attempt - 1, self._rng)
        logger.warning(
            "wecom call retried",
            extra={
                "path": path,
                "attempt": attempt,
                "reason": reason,
                "errcode": errcode,
                "delay_s": round(delay, 3),
            },
        )
        self._sleep(delay)

    # --- any endpoint ----------------------------------------------------------------

    def get(self, url: str, params: Mapping[str, Any] | None = None, **kwargs: Any) -> Any:
        """``GET <base><url>`` with the token, retries and typed errors."""
        if params is not None:
            kwargs["params"] = dict(params)
        return self._request(method="get", url_or_endpoint=url, **kwargs)

    def post(self, url: str, data: Any = None, **kwargs: Any) -> Any:
        """``POST <base><url>`` with a JSON body (e.g. ``externalcontact/remark``)."""
        if data is not None:
            kwargs["data"] = data
        return self._request(method="post", url_or_endpoint=url, **kwargs)

    # --- typed methods for the calls the product makes first ----------------------------

    def get_external_contact(self, external_userid: str) -> dict[str, Any]:
        """A customer and ALL their followers (pages past 500 followers are fetched)."""
        params: dict[str, Any] = {"external_userid": external_userid}
        result: dict[str, Any] = self.get("externalcontact/get", params)
        followers = list(result.get("follow_user") or [])
        cursor = result.pop("next_cursor", "")
        seen: set[str] = set()
        while cursor and cursor not in seen and len(seen) < MAX_FOLLOWER_PAGES:
            seen.add(cursor)
            page = self.get("externalcontact/get", {**params, "cursor": cursor})
            followers.extend(page.get("follow_user") or [])
            cursor = page.get("next_cursor", "")
        result["follow_user"] = followers
        return result

    def get_user(self, userid: str) -> dict[str, Any]:
        """One member of the corp (``user/get``): name, departments, status."""
        result: dict[str, Any] = self.get("user/get", {"userid": userid})
        return result

    def member_name(self, userid: str) -> str:
        """A member's display name, read with ``user/get`` and reused for
        ``MEMBER_NAME_TTL_S`` (the userid itself when WeCom gives no name)."""
        now = time.monotonic()
        cached = self._member_names.get(userid)
        if cached is not None and cached[0] > now:
            return cached[1]
        name = str(self.get_user(userid).get("name") or userid)
        if len(self._member_names) >= MEMBER_NAME_CACHE:
            self._member_names.clear()
        self._member_names[userid] = (now + MEMBER_NAME_TTL_S, name)
        return name

    def send_welcome_msg(
        self,
        welcome_code: str,
        text: str | None = None,
        attachments: Sequence[Mapping[str, Any]] = (),
    ) -> dict[str, Any]:
        """Send the welcome (the code lives 20 s and works once: 41050 / 41051)."""
        if not text and not attachments:
            raise BadRequest("a welcome message needs text or attachments")
        if text is not None and len(text.encode("utf-8")) > MAX_TEXT_BYTES:
            raise BadRequest("welcome text exceeds 4000 bytes")
        if len(attachments) > MAX_WELCOME_ATTACHMENTS:
            raise BadRequest("a welcome message takes at most 9 attachments")
        body: dict[str, Any] = {"welcome_code": welcome_code}
        if text:
            body["text"] = {"content": text}
        if attachments:
            body["attachments"] = [dict(a) for a in attachments]
        return self.post("externalcontact/send_welcome_msg", body)

    def mark_tag(
        self,
        userid: str,
        external_userid: str,
        add: Sequence[str] = (),
        remove: Sequence[str] = (),
    ) -> dict[str, Any]:
        """Add and remove corporate tags on one member's customer."""
        if not add and not remove:
            raise BadRequest("mark_tag needs tags to add or remove")
        body = {
            "userid": userid,
            "external_userid": external_userid,
            "add_tag": list(add),
            "remove_tag": list(remove),
        }
        return self.post("externalcontact/mark_tag", body)

    def get_corp_tag_list(
        self, tag_ids: Sequence[str] = (), group_ids: Sequence[str] = ()
    ) -> list[dict[str, Any]]:
        """The corp's tag groups with their tags (all of them when no ids are given)."""
        body: dict[str, Any] = {}
        if tag_ids:
            body["tag_id"] = list(tag_ids)
        if group_ids:
            body["group_id"] = list(group_ids)
        result = self.post("externalcontact/get_corp_tag_list", body)
        return list(result.get("tag_group") or [])

    def get_group_chat(self, chat_id: str, *, need_name: bool = True) -> dict[str, Any]:
        """One customer group with its members (``member_version`` for incremental sync)."""
        body = {"chat_id": chat_id, "need_name": 1 if need_name else 0}
        result = self.post("externalcontact/groupchat/get", body)
        return dict(result.get("group_chat") or {})

    def send_app_message(self, touser: str | Sequence[str], content: str) -> dict[str, Any]:
        """A text message from the app to members (reminders, churn alerts).

        WeCom answers errcode 0 even when some recipients are invalid: see the
        ``invaliduser`` field of the result.
        """
        recipients = touser if isinstance(touser, str) else "|".join(touser)
        if not recipients:
            raise BadRequest("an app message needs recipients")
        body = {
            "touser": recipients,
            "msgtype": "text",
            "agentid": self.agent_id,
            "text": {"content": content},
            "enable_duplicate_check": 1,
            "duplicate_check_interval": self._settings.app_message_duplicate_check_s,
        }
        return self.post("message/send", body)

    def batch_get_by_user(
        self, userids: Sequence[str], cursor: str = "", limit: int = 100
    ) -> dict[str, Any]:
        """One page of the customers of up to 100 members: ``external_contact_list`` and
        ``next_cursor`` (empty at the end) — the full initial sync."""
        if not 1 <= len(userids) <= MAX_BATCH_USERIDS:
            raise BadRequest("batch/get_by_user takes 1 to 100 userids")
        if not 1 <= limit <= 100:
            raise BadRequest("batch/get_by_user limit is 1 to 100")
        body = {"userid_list": list(userids), "cursor": cursor, "limit": limit}
        return self.post("externalcontact/batch/get_by_user", body)


# --- the process-wide client -------------------------------------------------------------

_client: WeComClient | None = None


def get_client() -> WeComClient:
    """The process's client, created on first use with the shared DynamoDB token store."""
    global _client
    if _client is None:
        _client = WeComClient(session=DynamoTokenStore())
    return _client


def use_client(instance: WeComClient) -> None:
    """Inject a client (tests, the local stack)."""
    global _client
    _client = instance


def reset_client() -> None:
    """Forget the process's client (tests change settings)."""
    global _client
    _client = None


# --- helpers -----------------------------------------------------------------------------


#: WeCom refuses calls from an IP the corp has not listed under 企业可信IP.
IP_NOT_TRUSTED = 60020


def _report_untrusted_ip(path: str) -> None:
    """One metric (the alarm that says what to fix) and one error line per refusal."""
    from aws_lambda_powertools.metrics import MetricUnit

    from chalicelib.core.observability import metrics

    logger.error(
        "wecom refused this stage's IP (60020): add the egress IP to 企业可信IP",
        extra={"path": path, "errcode": IP_NOT_TRUSTED},
    )
    metrics.add_metric(name="WeComIpNotTrusted", unit=MetricUnit.Count, value=1)


def _errcode(result: Mapping[str, Any]) -> int:
    try:
        return int(result.get("errcode") or 0)
    except (TypeError, ValueError):
        return 0


def _errmsg(result: Mapping[str, Any]) -> str:
    return redact(str(result.get("errmsg", "")))[:300]


def _decode(response: requests.Response) -> Any:
    try:
        return json.loads(response.content.decode("utf-8", "ignore"), strict=False)
    except ValueError:
        return response


def _describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {redact(str(error))}"[:300]


def _may_retry(error: requests.RequestException, replayable: bool) -> bool:
    """Connect timeouts never reached WeCom; anything else may have, unless idempotent."""
    if isinstance(error, requests.ConnectTimeout):
        return True
    return replayable and isinstance(error, requests.Timeout | requests.ConnectionError)


def _rewind(files: Any) -> None:
    """Rewind uploaded files before a retry: the last attempt consumed them."""
    if not isinstance(files, Mapping):
        return
    for value in files.values():
        handle = value[1] if isinstance(value, tuple) and len(value) > 1 else value
        seek = getattr(handle, "seek", None)
        if callable(seek):
            seek(0)
