"""Types of identity: a person's grant, the principal of a request, sessions, API keys."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from chalicelib.auth.roles import Role

ScopeKind = Literal["own", "departments", "all"]
#: How a request proved who it is.
Via = Literal["session", "token", "api_key"]
#: An API key lives at most this long.
MAX_API_KEY_DAYS = 365


class Scope(BaseModel):
    """Whose customers a principal may see: those they follow (``own``), those followed by
    members of ``departments`` (and their sub-departments), or everyone's (``all``)."""

    model_config = ConfigDict(frozen=True)

    kind: ScopeKind = "all"
    departments: list[int] = Field(default_factory=list)

    @model_validator(mode="after")
    def _departments_named(self) -> Scope:
        if self.kind == "departments" and not self.departments:
            raise ValueError("a departments scope names at least one department")
        if self.kind != "departments" and self.departments:
            raise ValueError("departments are named only with the departments scope")
        return self


class Principal(BaseModel):
    """Who a request is from, resolved once per request by the HTTP edge."""

    model_config = ConfigDict(frozen=True)

    userid: str = Field(description="WeCom userid; apikey:<id> for an API key")
    name: str = ""
    role: Role
    scope: Scope = Field(default_factory=Scope)
    via: Via
    session_id: str | None = None
    expires_at: int = Field(0, description="epoch seconds when the credential ends")
    #: The secret echoed as X-CSRF-Token by cookie-authenticated writes (sessions only).
    csrf: str | None = Field(default=None, exclude=True)


class Grant(BaseModel):
    """``PUT /admin/people/{userid}``: what the member may do and see."""

    model_config = ConfigDict(extra="forbid")

    role: Role
    scope: ScopeKind = "own"
    departments: list[int] = Field(default_factory=list, max_length=100)

    def as_scope(self) -> Scope:
        return Scope(kind=self.scope, departments=self.departments)


PersonStatus = Literal["active", "revoked", "disabled"]


class Person(BaseModel):
    """A member granted access, as the admin list shows them."""

    userid: str
    name: str = ""
    role: Role
    scope: Scope
    status: PersonStatus = Field(
        description="active; revoked by an admin; disabled (left or disabled in WeCom)"
    )
    wecom_departments: list[int] = Field(default_factory=list)
    granted_by: str = ""
    updated_at: int = 0
    last_sign_in_at: int | None = None


class PeoplePage(BaseModel):
    items: list[Person]


class SessionInfo(BaseModel):
    session_id: str
    userid: str
    created_at: int
    last_seen_at: int
    expires_at: int = Field(description="epoch seconds: the idle or absolute end, earliest")
    user_agent: str = ""
    via: Literal["web", "oauth"] = "web"


class SessionPage(BaseModel):
    items: list[SessionInfo]


class Me(BaseModel):
    """``GET /auth/me``: the console learns from it what the person may do."""

    userid: str
    name: str
    role: Role
    scope: Scope
    expires_at: int
    #: The corp's time zone (``TIMEZONE``): the local days every daily figure is counted by.
    timezone: str


class NewApiKey(BaseModel):
    """``POST /admin/api-keys``."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=80)
    role: Role
    scope: ScopeKind = "all"
    departments: list[int] = Field(default_factory=list, max_length=100)
    expires_in_days: int = Field(90, ge=1, le=MAX_API_KEY_DAYS)

    def as_scope(self) -> Scope:
        return Scope(kind=self.scope, departments=self.departments)


class ApiKey(BaseModel):
    key_id: str
    name: str
    role: Role
    scope: Scope
    created_at: int
    created_by: str
    expires_at: int
    last_used_at: int | None = None
    revoked_at: int | None = None


class CreatedApiKey(ApiKey):
    """The answer of ``POST /admin/api-keys``: the only time the key itself is shown."""

    key: str = Field(description="the bearer credential; shown once, stored hashed")


class ApiKeyPage(BaseModel):
    items: list[ApiKey]


class Member(BaseModel):
    """What WeCom says of a member (``user/get``): the fields a self-built app still gets."""

    userid: str
    name: str = ""
    departments: list[int] = Field(default_factory=list)
    #: WeCom's status: 1 active, 2 disabled, 4 not activated, 5 left the company.
    status: int = 1

    @property
    def active(self) -> bool:
        return self.status == 1
