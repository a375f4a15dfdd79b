"""The HTTP edge: one place where domain errors become HTTP answers.

Chalice turns a view's exception into a 500 before any middleware sees it, so every route
of an :class:`ApiBlueprint` is wrapped here instead: a :class:`DomainError` becomes its
status with ``{"error": code, "message": reason}``, a pydantic ``ValidationError`` becomes
a 400 naming the fields, and anything unexpected is logged (with its traceback, in the
log only) and answered with a plain 500 carrying the request id.

Every admin route that is not a GET is audited here too (see :mod:`chalicelib.audit`): an
entry is filed before the view runs and its outcome recorded after it, so no admin write
can happen without a trace. Refused attempts (401, 403) and reads of personal data in bulk
(``audit_read=True``) are audited as well.

A route with ``role=`` is authenticated here, not by API Gateway: the session cookie, a
bearer token or an API key (:mod:`chalicelib.identity.credentials`), then the role, then
the data scope (``scope=``, see :class:`ApiBlueprint`). See docs/decisions.md.
"""

from __future__ import annotations

import contextvars
import functools
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from chalice.app import Blueprint, ChaliceViewError, Response

from chalicelib.auth.roles import Role, allows
from chalicelib.core.errors import BadRequest, DomainError, Forbidden
from chalicelib.core.observability import logger

if TYPE_CHECKING:
    from chalicelib.identity.models import Principal

#: How a route's data scope is checked. ``contact``: the ``{external_userid}`` in the path
#: must be a customer the principal may see; ``staff``: the member in the path (``{userid}``
#: or ``{handover_userid}``) must be one whose customers they may see; ``corp``: the route
#: reads or changes things across customers, so only the ``all`` scope may call it;
#: ``filtered``: the view filters by the principal itself; ``none``: no customer data.
ScopeRule = Literal["contact", "staff", "corp", "filtered", "none"]
SCOPE_RULES: tuple[ScopeRule, ...] = ("contact", "staff", "corp", "filtered", "none")
STAFF_PARAMS = ("userid", "handover_userid")

_principal: contextvars.ContextVar[Principal | None] = contextvars.ContextVar(
    "principal", default=None
)


def error_response(status: int, code: str, message: str) -> Response:
    return Response(
        body=json.dumps({"error": code, "message": message}, ensure_ascii=False),
        status_code=status,
        headers={"Content-Type": "application/json"},
    )


def _validation_message(error: Any) -> str:
    parts = []
    for item in error.errors(include_url=False)[:10]:
        where = ".".join(str(p) for p in item.get("loc", ())) or "body"
        parts.append(f"{where}: {item.get('msg', 'invalid')}")
    return "; ".join(parts) or "invalid input"


def _is_validation_error(error: Exception) -> bool:
    from pydantic import ValidationError

    return isinstance(error, ValidationError)


def _answer(error: DomainError) -> tuple[int, str]:
    """Status and code of a domain error. WeCom refusing what the request asked for (an
    unknown chat id, a staff member who does not exist: a definite non-zero ``errcode``)
    is the caller's to fix, so it is a 422 rather than a server error; WeCom not answering
    stays 503 and refused credentials stay 502."""
    from chalicelib.wecom.errors import WeComError

    if type(error) is WeComError and error.errcode is not None:
        return 422, "wecom_refused"
    return error.status, error.code


def status_of(error: Exception) -> int:
    """The HTTP status :func:`map_errors` answers ``error`` with."""
    if isinstance(error, DomainError):
        return _answer(error)[0]
    if isinstance(error, ChaliceViewError):
        return int(error.STATUS_CODE)
    return 400 if _is_validation_error(error) else 500


def map_errors(view: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a view so that no exception leaves it as a bare 500 with a traceback."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return view(*args, **kwargs)
        except DomainError as error:
            status, code = _answer(error)
            logger.info("request refused", extra={"error": code, "status": status})
            return error_response(status, code, error.message)
        except ChaliceViewError as error:  # e.g. a body that is not JSON (json_body)
            status = int(error.STATUS_CODE)
            if status >= 500:
                logger.exception("unhandled error in view")
                return error_response(500, "internal", "internal error; see logs")
            logger.info("request refused", extra={"error": type(error).__name__})
            return error_response(status, "bad_request", str(error) or "bad request")
        except Exception as error:  # noqa: BLE001 - the one place that maps the unexpected
            if _is_validation_error(error):
                return error_response(400, "invalid", _validation_message(error))
            logger.exception("unhandled error in view")
            return error_response(500, "internal", "internal error; see logs for the request id")

    return wrapper


#: Deepest nesting of arrays and objects a JSON body may have (real bodies use < 10).
MAX_JSON_DEPTH = 32
_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.S)
_JSON_BRACKET = re.compile(rb"[\[\]{}]")


def too_deep(raw: bytes | str | None, most: int = MAX_JSON_DEPTH) -> bool:
    """Whether ``raw`` nests arrays and objects deeper than ``most``, checked without
    parsing it (a parser recurses once per level and fails on tens of thousands)."""
    if not raw:
        return False
    data = raw.encode() if isinstance(raw, str) else raw
    depth = 0
    for match in _JSON_BRACKET.finditer(_JSON_STRING.sub(b'""', data)):
        if match.group() in (b"[", b"{"):
            depth += 1
            if depth > most:
                return True
        else:
            depth -= 1
    return False


def request_json(blueprint: Blueprint) -> Any:
    """The request's JSON body whatever its ``Content-Type`` says (clients such as curl
    send ``application/x-www-form-urlencoded`` unless told otherwise), or ``None`` when
    there is none; a 400 when it is not JSON or nests deeper than ``MAX_JSON_DEPTH``."""
    raw = blueprint.current_request.raw_body
    if not raw:
        return None
    if too_deep(raw):
        raise BadRequest(f"the body nests deeper than {MAX_JSON_DEPTH} levels", code="too_deep")
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError) as error:
        raise BadRequest("the body is not JSON") from error


def int_param(blueprint: Blueprint, name: str, default: int, least: int, most: int) -> int:
    """A whole-number query parameter within bounds, or a 400 naming it."""
    query: Mapping[str, str] = blueprint.current_request.query_params or {}
    raw = query.get(name, str(default))
    if not raw.isdigit() or not least <= int(raw) <= most:
        raise BadRequest(f"{name} must be a whole number from {least} to {most}")
    return int(raw)


def current_principal(blueprint: Blueprint) -> tuple[str, str]:
    """``(userid, role)`` the current request was admitted as (``("", "")`` outside one)."""
    principal = _principal.get()
    if principal is None:
        return "", ""
    return principal.userid, principal.role


def principal_of(blueprint: Blueprint) -> Principal:
    """The principal of the current request (routes with ``role=`` only)."""
    principal = _principal.get()
    if principal is None:
        from chalicelib.identity.errors import NotSignedIn

        raise NotSignedIn("sign in first")
    return principal


@dataclass(frozen=True)
class RouteDoc:
    """What a route takes and gives, for the API description (``/admin/openapi.json``)."""

    path: str
    methods: tuple[str, ...]
    role: Role | None
    scope: ScopeRule | None
    body: str | None
    response: str | None
    summary: str
    name: str
    #: A pydantic model whose fields are the route's query parameters (``"module:Class"``).
    query: str | None = None


class ApiBlueprint(Blueprint):
    """A Chalice blueprint whose routes all go through :func:`map_errors`.

    ``role=`` authenticates the route's requests (401 without a valid credential) and
    refuses (403) a principal whose role is weaker than the one named or whose data scope
    does not cover the route (``scope=``; by default ``contact`` for a path with
    ``{external_userid}`` and ``corp`` otherwise, so a new route is closed to narrower
    scopes until it says how it filters). ``audit_read=True`` audits every successful read
    (customer lists: personal data in bulk).
    """

    #: Every route declared on any ApiBlueprint: what the OpenAPI document is built from.
    declared: ClassVar[list[RouteDoc]] = []

    def route(
        self,
        path: str,
        *,
        role: Role | None = None,
        scope: ScopeRule | None = None,
        audit_read: bool = False,
        body: str | None = None,
        response: str | None = None,
        summary: str = "",
        query: str | None = None,
        **kwargs: Any,
    ) -> Callable[..., Any]:
        """``body``, ``response`` and ``query`` (the query parameters) name pydantic models
        as ``"module:Class"`` (imported only when the API description is built, never at
        cold start)."""
        methods = tuple(kwargs.get("methods", ("GET",)))
        if role is not None and scope is None:
            scope = "contact" if "{external_userid}" in path else "corp"
        if scope is not None and scope not in SCOPE_RULES:
            raise ValueError(f"unknown scope rule {scope!r}")
        # A GET carries no body, and an admin write's body is read as JSON whatever the
        # header says (request_json): neither depends on Content-Type, so no 415 for them.
        if methods == ("GET",) or role is not None:
            kwargs.setdefault("content_types", ["*/*"])
        register = super().route(path, **kwargs)

        def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
            guarded = view
            writes = any(method != "GET" for method in methods)
            if role is not None and (writes or audit_read):
                guarded = self._audited(path, guarded)
            if role is not None and writes:
                guarded = self._bounded(guarded)
            if role is not None:
                guarded = self._requires(role, scope or "corp", path, guarded)
            register(map_errors(guarded))
            ApiBlueprint.declared.append(
                RouteDoc(
                    path=path,
                    methods=methods,
                    role=role,
                    scope=scope,
                    body=body,
                    response=response,
                    summary=summary or (view.__doc__ or "").strip().split("\n")[0],
                    name=view.__name__,
                    query=query,
                )
            )
            return view

        return decorator

    def _requires(
        self, role: Role, rule: ScopeRule, path: str, view: Callable[..., Any]
    ) -> Callable[..., Any]:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            from chalicelib.identity import credentials

            request = self.current_request
            headers = request.headers
            principal = None
            logger.remove_keys(["principal"])  # never the previous request's
            try:
                principal = credentials.authenticate(headers)
                credentials.check_csrf(principal, request.method, headers)
                if not allows(principal.role, role):
                    raise Forbidden(f"this route needs the {role} role", code="role_required")
                _check_scope(principal, rule, kwargs)
            except DomainError as error:
                # "Am I signed in?" with no credential at all, on a route that holds no
                # customer data (``/auth/me`` as the console starts), is not an attempt.
                probe = rule == "none" and not credentials.presented(headers)
                if error.status in (401, 403) and not probe:
                    self._audit_refusal(path, principal, kwargs, error)
                raise
            token = _principal.set(principal)
            logger.append_keys(principal=principal.userid)
            try:
                return view(*args, **kwargs)
            finally:
                _principal.reset(token)

        wrapper.required_role = role  # type: ignore[attr-defined]
        wrapper.scope_rule = rule  # type: ignore[attr-defined]
        return wrapper

    def _audit_refusal(
        self, path: str, principal: Principal | None, params: dict[str, Any], error: DomainError
    ) -> None:
        """A refused attempt goes on the audit log; never changes the answer."""
        try:
            from chalicelib.audit import service as audit

            request = self.current_request
            audit.refused(
                principal=principal.userid if principal else "anonymous",
                name=principal.name if principal else "",
                role=principal.role if principal else "",
                method=request.method,
                route=path,
                params=params,
                status=error.status,
                reason=error.code,
                request_id=(request.context or {}).get("requestId"),
            )
        except Exception:  # noqa: BLE001 - the refusal stands whatever the log does
            logger.exception("refused attempt not audited", extra={"route": path})

    def _bounded(self, view: Callable[..., Any]) -> Callable[..., Any]:
        """Refuse (400) a body nested too deep to summarise or parse, before anything is
        written, the audit entry included."""

        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if too_deep(self.current_request.raw_body):
                raise BadRequest(
                    f"the body nests deeper than {MAX_JSON_DEPTH} levels", code="too_deep"
                )
            return view(*args, **kwargs)

        return wrapper

    def _audited(self, path: str, view: Callable[..., Any]) -> Callable[..., Any]:
        """File an audit entry before ``view`` runs and record its outcome after.

        The entry comes first so that a write can never happen unaudited: if the audit log
        does not take it, the answer is 503 and nothing was changed. Recording the outcome
        never fails the request (the change has happened); see docs/decisions.md.
        """

        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            from chalicelib.audit import service as audit
            from chalicelib.audit.summary import parse_body

            request = self.current_request
            principal = _principal.get()
            started = audit.begin(
                principal=principal.userid if principal else "",
                name=principal.name if principal else "",
                role=principal.role if principal else "",
                method=request.method,
                route=path,
                params=kwargs,
                body=parse_body(request.raw_body),
                request_id=(request.context or {}).get("requestId"),
            )
            try:
                result = view(*args, **kwargs)
            except Exception as error:
                audit.finish(started, status_of(error))
                raise
            audit.finish(started, result.status_code if isinstance(result, Response) else 200)
            return result

        wrapper.audited = True  # type: ignore[attr-defined]
        return wrapper


def _check_scope(principal: Principal, rule: ScopeRule, params: dict[str, Any]) -> None:
    """403 ``scope_required`` unless the principal's data scope covers the route."""
    from urllib.parse import unquote

    from chalicelib.identity import queries
    from chalicelib.identity.errors import ScopeRefused

    if rule in ("none", "filtered") or queries.sees_everything(principal):
        return
    if rule == "contact":
        contact = unquote(str(params.get("external_userid", "")))
        if contact and queries.may_see_contact(principal, contact):
            return
        raise ScopeRefused("this customer is outside your data scope")
    if rule == "staff":
        userid = next((str(params[p]) for p in STAFF_PARAMS if p in params), "")
        if userid and queries.may_see_staff(principal, unquote(userid)):
            return
        raise ScopeRefused("this member's customers are outside your data scope")
    raise ScopeRefused("this route reads across all customers; it needs the 'all' data scope")
