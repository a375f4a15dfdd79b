"""The HTTP edge: one place where domain errors become HTTP answers.

Chalice turns a view's exception into a 500 before any middleware sees it, so every route
of an :class:`ApiBlueprint` is wrapped here instead: a :class:`DomainError` becomes its
status with ``{"error": code, "message": reason}``, a pydantic ``ValidationError`` becomes
a 400 naming the fields, and anything unexpected is logged (with its traceback, in the
log only) and answered with a plain 500 carrying the request id.

A route declares what it takes and gives (``body=``, ``response=``, ``query=``, ``page=``,
``listed=``, ``status=``) and its handler receives what it asks for by name: the path
parameters (URL-decoded), ``body`` (the request's JSON validated into the ``body=`` model),
``principal`` (who the request was admitted as), ``page`` (:class:`PageRequest`) and
``query`` (the query string validated into the ``query=`` model). What it returns is
serialised here: a pydantic model or a dataclass as JSON, a :class:`Page` as
``{"items", "next_cursor"}``, a list as ``{"items"}``, ``None`` as a 204, a ``Response``
as it is.

Every admin route that is not a GET is audited (through the :class:`AuditLog` a context
installs, :func:`install_audit`): an entry is filed before the view runs and its outcome
recorded after it, so no admin write can happen without a trace. Refused attempts (401,
403) and reads of personal data in bulk (``audit_read=True``) are audited as well.

A route with ``role=`` is authenticated here, not by API Gateway, through the
:class:`Access` a context installs (:func:`install_access`): the credential, the CSRF
check, then the role, then the data scope (``scope=``, see :class:`ApiBlueprint`). Until
both are installed such a route answers 503: it never runs unguarded. See
docs/decisions.md.
"""

from __future__ import annotations

import contextvars
import dataclasses
import functools
import importlib
import inspect
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Literal, Protocol
from urllib.parse import unquote

from chalice.app import Blueprint, ChaliceViewError, Response

from chalicelib.core.errors import (
    BadRequest,
    DependencyUnavailable,
    DomainError,
    Forbidden,
    Unauthorized,
)
from chalicelib.core.observability import logger
from chalicelib.core.paging import Page, list_page, page_request
from chalicelib.core.roles import Role, allows

#: How a route's data scope is checked. ``contact``: the ``{external_userid}`` in the path
#: must be a customer the principal may see; ``staff``: the member in the path (``{userid}``
#: or ``{handover_userid}``) must be one whose customers they may see; ``corp``: the route
#: reads or changes things across customers, so only the ``all`` scope may call it;
#: ``filtered``: the view filters by the principal itself; ``none``: no customer data.
ScopeRule = Literal["contact", "staff", "corp", "filtered", "none"]
SCOPE_RULES: tuple[ScopeRule, ...] = ("contact", "staff", "corp", "filtered", "none")
#: A response model named ``"module:Class[]"`` is a list answered as ``{"items": [...]}``.
LIST_SUFFIX = "[]"


class PrincipalLike(Protocol):
    """What the edge needs to know of whoever a request was admitted as."""

    @property
    def userid(self) -> str: ...

    @property
    def name(self) -> str: ...

    @property
    def role(self) -> str: ...


class Access(Protocol):
    """Who a request is from and what they may see (installed by the identity context)."""

    def presented(self, headers: Mapping[str, str]) -> bool:
        """Whether the request carries any credential at all."""
        ...

    def authenticate(self, headers: Mapping[str, str]) -> PrincipalLike:
        """The principal of the request, or a 401."""
        ...

    def check_csrf(self, principal: Any, method: str, headers: Mapping[str, str]) -> None:
        """A 403 for a cookie-authenticated write without its CSRF header."""
        ...

    def check_scope(self, principal: Any, rule: str, params: Mapping[str, Any]) -> None:
        """A 403 unless the principal's data scope covers the route (``rule``)."""
        ...


class AuditLog(Protocol):
    """Where admin writes, bulk reads and refused attempts are filed (installed by the
    audit context)."""

    def begin(
        self,
        *,
        principal: str,
        name: str,
        role: str,
        method: str,
        route: str,
        params: dict[str, Any],
        raw_body: bytes | str | None,
        request_id: str | None,
    ) -> Any:
        """File an entry before the view runs; what :meth:`finish` takes."""
        ...

    def finish(self, started: Any, status: int) -> None:
        """Record the outcome (never raises)."""
        ...

    def refused(
        self,
        *,
        principal: str,
        name: str,
        role: str,
        method: str,
        route: str,
        params: dict[str, Any],
        status: int,
        reason: str,
        request_id: str | None,
    ) -> None:
        """File a refused attempt (401 or 403)."""
        ...


_installed: dict[str, Callable[[], Any]] = {}
_principal: contextvars.ContextVar[PrincipalLike | None] = contextvars.ContextVar(
    "principal", default=None
)


class EdgeNotInstalled(DependencyUnavailable):
    code = "not_configured"


def install_access(load: Callable[[], Access]) -> None:
    """Name where credentials are checked; ``load`` runs on the first guarded request."""
    _installed["access"] = load


def install_audit(load: Callable[[], AuditLog]) -> None:
    """Name where admin writes are filed; ``load`` runs on the first audited request."""
    _installed["audit"] = load


def _access() -> Access:
    load = _installed.get("access")
    if load is None:
        raise EdgeNotInstalled("no credential check is installed; the route stays closed")
    return load()


def _audit_log() -> AuditLog:
    load = _installed.get("audit")
    if load is None:
        raise EdgeNotInstalled("no audit log is installed; the write was not attempted")
    return load()


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


def status_of(error: Exception) -> int:
    """The HTTP status :func:`map_errors` answers ``error`` with."""
    if isinstance(error, DomainError):
        return error.answer()[0]
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
            status, code = error.answer()
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


def load_model(name: str) -> Any:
    """The pydantic model class ``"module:Class"`` (or ``"module:Class[]"``) names."""
    module, _, attr = name.removesuffix(LIST_SUFFIX).partition(":")
    if not module or not attr:
        raise ValueError(f"a model is named 'module:Class', not {name!r}")
    return getattr(importlib.import_module(module), attr)


def dump(value: Any) -> Any:
    """A pydantic model or a dataclass as JSON-ready data; anything else as it is."""
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    return value


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


def principal_of(blueprint: Blueprint) -> PrincipalLike:
    """The principal of the current request (routes with ``role=`` only)."""
    principal = _principal.get()
    if principal is None:
        raise Unauthorized("sign in first", code="unauthenticated")
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

    ``models`` names the module whose classes ``body=``, ``response=`` and ``query=`` may
    name by their class name alone.
    """

    #: Every route declared on any ApiBlueprint: what the OpenAPI document is built from.
    declared: ClassVar[list[RouteDoc]] = []

    def __init__(self, import_name: str, models: str | None = None) -> None:
        super().__init__(import_name)
        self.models = models

    def get(self, path: str, role: Role | None = None, **options: Any) -> Callable[..., Any]:
        return self.route(path, methods=["GET"], role=role, **options)

    def put(self, path: str, role: Role | None = None, **options: Any) -> Callable[..., Any]:
        return self.route(path, methods=["PUT"], role=role, **options)

    def post(self, path: str, role: Role | None = None, **options: Any) -> Callable[..., Any]:
        return self.route(path, methods=["POST"], role=role, **options)

    def delete(self, path: str, role: Role | None = None, **options: Any) -> Callable[..., Any]:
        return self.route(path, methods=["DELETE"], role=role, **options)

    def param(self, name: str) -> str | None:
        """The current request's query parameter ``name`` (``None`` when absent)."""
        query: Mapping[str, str] = self.current_request.query_params or {}
        return query.get(name)

    def raw_body(self) -> bytes:
        """The current request's body as bytes (empty when there is none)."""
        raw = self.current_request.raw_body or b""
        return raw if isinstance(raw, bytes) else raw.encode()

    def _model(self, name: str | None) -> str | None:
        if name is None or ":" in name or self.models is None:
            return name
        return f"{self.models}:{name}"

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
        page: tuple[int, int] = (50, 200),
        listed: str | None = None,
        status: int = 200,
        **kwargs: Any,
    ) -> Callable[..., Any]:
        """``body``, ``response`` and ``query`` (the query parameters) name pydantic models
        as ``"module:Class"`` or ``"Class"`` of the blueprint's ``models`` (imported only
        when a request needs them or the API description is built, never at cold start).
        ``page`` is the default and largest ``limit`` of a ``page`` argument; ``listed``
        pages a list read whole by that field (``limit`` up to 500, 100 by default);
        ``status`` is the answer's status when the handler returns data."""
        body, response, query = self._model(body), self._model(response), self._model(query)
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
        call = _Call(self, body=body, query=query, page=page, listed=listed, status=status)

        def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
            guarded = call.bind(view)
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
            request = self.current_request
            headers = request.headers
            principal = None
            logger.remove_keys(["principal"])  # never the previous request's
            access = _access()
            try:
                principal = access.authenticate(headers)
                access.check_csrf(principal, request.method, headers)
                if not allows(principal.role, role):
                    raise Forbidden(f"this route needs the {role} role", code="role_required")
                access.check_scope(principal, rule, kwargs)
            except DomainError as error:
                # "Am I signed in?" with no credential at all, on a route that holds no
                # customer data (``/auth/me`` as the console starts), is not an attempt.
                probe = rule == "none" and not access.presented(headers)
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
        self,
        path: str,
        principal: PrincipalLike | None,
        params: dict[str, Any],
        error: DomainError,
    ) -> None:
        """A refused attempt goes on the audit log; never changes the answer."""
        try:
            request = self.current_request
            _audit_log().refused(
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
            audit = _audit_log()
            request = self.current_request
            principal = _principal.get()
            started = audit.begin(
                principal=principal.userid if principal else "",
                name=principal.name if principal else "",
                role=principal.role if principal else "",
                method=request.method,
                route=path,
                params=kwargs,
                raw_body=request.raw_body,
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


@dataclass(frozen=True)
class _Call:
    """How one route calls its handler: the arguments it asks for by name in, the answer
    serialised out."""

    blueprint: ApiBlueprint
    body: str | None
    query: str | None
    page: tuple[int, int]
    listed: str | None
    status: int

    def bind(self, view: Callable[..., Any]) -> Callable[..., Any]:
        wants = set(inspect.signature(view).parameters)
        makers: dict[str, Callable[[], Any]] = {
            "body": self._body,
            "principal": lambda: principal_of(self.blueprint),
            "page": lambda: page_request(self.blueprint, *self.page),
            "query": self._query,
        }
        makers = {name: make for name, make in makers.items() if name in wants}

        @functools.wraps(view)
        def handler(**params: Any) -> Any:
            args = {name: unquote(str(value)) for name, value in params.items()}
            args.update({name: make() for name, make in makers.items()})
            return self.answer(view(**args))

        return handler

    def _body(self) -> Any:
        if self.body is None:
            raise TypeError("a handler taking 'body' needs the route's body= model")
        data = request_json(self.blueprint)
        return load_model(self.body).model_validate({} if data is None else data)

    def _query(self) -> Any:
        if self.query is None:
            raise TypeError("a handler taking 'query' needs the route's query= model")
        params = dict(self.blueprint.current_request.query_params or {})
        return load_model(self.query).model_validate(params)

    def answer(self, result: Any) -> Any:
        """The handler's result as Chalice answers it (see the module docstring)."""
        if isinstance(result, Response):
            return result
        if result is None:
            return Response(body="", status_code=204)
        if isinstance(result, list | tuple) and self.listed is not None:
            field = self.listed
            request = page_request(self.blueprint, 100, 500)
            chunk, following = list_page(result, lambda i: str(getattr(i, field)), request)
            result = Page(chunk, following)
        if isinstance(result, Page):
            items = [dump(item) for item in result.items]
            data: Any = {"items": items, "next_cursor": result.next_cursor}
        elif isinstance(result, list | tuple):
            data = {"items": [dump(item) for item in result]}
        else:
            data = dump(result)
        return data if self.status == 200 else Response(body=data, status_code=self.status)
