"""Identity, permissions and the security policy.

A request is authenticated by a server-side login session (cookie) or, for the API, by a
personal token (``Authorization: Bearer …``). Permissions come from the user's roles
(roles are data, see ``accounts.roles``); *which records* a user may see is the separate
question of jurisdiction, answered only by ``whirlwind.scoping``.
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import secrets
from dataclasses import dataclass, field

from pyramid.csrf import SessionCSRFStoragePolicy
from pyramid.security import Allowed, Denied
from pyramid.session import JSONSerializer, SignedCookieSessionFactory
from sqlalchemy import select

from whirlwind.accounts.models import ApiToken, AuthSession, User
from whirlwind.db import utcnow
from whirlwind.settings import as_bool


class Permission(enum.StrEnum):
    """``<area>:<action>``. Roles grant these; records are further limited by jurisdiction."""

    ORGS_VIEW = "orgs:view"
    ORGS_MANAGE = "orgs:manage"
    USERS_MANAGE = "users:manage"
    REFERENCE_MANAGE = "reference:manage"
    LOG_VIEW = "log:view"
    # Weak-organization rectification (组织部 leads).
    TARGETS_VIEW = "targets:view"
    TARGETS_EDIT = "targets:edit"
    TARGETS_ACCEPT = "targets:accept"
    # The ledger.
    LEDGER_VIEW = "ledger:view"
    LEDGER_EDIT = "ledger:edit"
    LEDGER_REVIEW = "ledger:review"
    # 四资一项目.
    AUDITS_VIEW = "audits:view"
    AUDITS_EDIT = "audits:edit"
    AUDITS_REPORT = "audits:report"
    # 三务公开.
    DISCLOSURE_VIEW = "disclosure:view"
    DISCLOSURE_EDIT = "disclosure:edit"
    DISCLOSURE_CHECK = "disclosure:check"
    DISCLOSURE_CATALOG = "disclosure:catalog"
    # Clues and cases (纪委监委).
    CASES_VIEW = "cases:view"
    CASES_EDIT = "cases:edit"
    CASES_APPROVE = "cases:approve"
    CASES_REPORTER = "cases:reporter"
    CASES_IMPORT = "cases:import"
    # Committee problem reports (问题反映).
    REPORTS_SUBMIT = "committee:report"
    SEARCH = "search:use"
    DASHBOARD = "dashboard:view"
    API_TOKENS = "api:tokens"


ALL = frozenset(Permission)
READ = frozenset(
    {
        Permission.ORGS_VIEW,
        Permission.TARGETS_VIEW,
        Permission.LEDGER_VIEW,
        Permission.AUDITS_VIEW,
        Permission.DISCLOSURE_VIEW,
        Permission.CASES_VIEW,
        Permission.SEARCH,
        Permission.DASHBOARD,
        Permission.API_TOKENS,
    }
)
INSPECTOR = READ | {
    # Inspectors confirm, add or remove weak-organization targets from the ranking; the
    # acceptance inspection (验收) stays with the organization department.
    Permission.TARGETS_EDIT,
    Permission.LEDGER_EDIT,
    Permission.LEDGER_REVIEW,
    Permission.AUDITS_EDIT,
    Permission.DISCLOSURE_EDIT,
    Permission.DISCLOSURE_CHECK,
    Permission.CASES_EDIT,
    Permission.CASES_APPROVE,
    Permission.CASES_REPORTER,
    Permission.CASES_IMPORT,
    Permission.LOG_VIEW,
}

# Default roles (code, label_zh, label_en, permissions). Seeded once; administrators may
# edit them or add local roles without code changes.
DEFAULT_ROLES: list[tuple[str, str, str, frozenset]] = [
    ("admin", "系统管理员", "Administrator", ALL),
    ("city_inspector", "市纪委监委", "City inspector", INSPECTOR),
    ("district_inspector", "区纪委监委", "District inspector", INSPECTOR),
    ("street_inspector", "街道纪工委", "Street inspector", INSPECTOR),
    (
        "org_officer",
        "组织部",
        "Organization department officer",
        READ
        | {
            Permission.TARGETS_EDIT,
            Permission.TARGETS_ACCEPT,
            Permission.LEDGER_EDIT,
            Permission.LEDGER_REVIEW,
            Permission.LOG_VIEW,
        },
    ),
    (
        "committee_member",
        "村(居)务监督委员会",
        "Supervision committee member",
        frozenset(
            {
                Permission.ORGS_VIEW,
                Permission.LEDGER_VIEW,
                Permission.DISCLOSURE_VIEW,
                Permission.DISCLOSURE_CHECK,
                Permission.AUDITS_VIEW,
                Permission.AUDITS_REPORT,
                Permission.REPORTS_SUBMIT,
                Permission.DASHBOARD,
            }
        ),
    ),
    ("leader", "领导（只读）", "Leader (read-only)", READ | {Permission.LOG_VIEW}),
]


def hash_key(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


@dataclass
class Identity:
    user: User
    permissions: frozenset[str] = field(default_factory=frozenset)
    via_token: bool = False
    # A token's scope: "read" (safe methods only) or "write"; "" for a login session.
    scope: str = ""

    @property
    def id(self) -> int:
        return self.user.id

    @property
    def org(self):
        return self.user.org

    @property
    def org_id(self) -> int:
        return self.user.org_id

    @property
    def level(self) -> str:
        """The user's level (city, district, street, community, village)."""
        return self.user.org.level

    def can(self, permission: str) -> bool:
        return str(permission) in self.permissions


SESSION_KEY = "auth.key"
TOKEN_PREFIX = "ww_"  # noqa: S105  a prefix, not a secret
# Tokens authenticate these paths only; elsewhere a request with a token is anonymous.
API_PATH_PREFIX = "/api/"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
# What a token never grants, whatever its user's roles: managing tokens.
TOKEN_WITHHELD = frozenset({"api:tokens"})
TOKEN_SCOPES = ("read", "write")
TOKEN_MAX_DAYS = 365


class WhirlwindSecurityPolicy:
    def identity(self, request) -> Identity | None:
        return _identity(request)

    def authenticated_userid(self, request):
        identity = request.identity
        return identity.id if identity else None

    def permits(self, request, context, permission):
        identity = request.identity
        if permission is None:
            return Allowed("no permission required")
        if identity is None:
            return Denied("not logged in")
        if identity.can(permission):
            return Allowed(f"role grants {permission}")
        return Denied(f"no role grants {permission}")

    def remember(self, request, userid, **kw):
        return []

    def forget(self, request, **kw):
        return []


_UNSET = object()


def _identity(request) -> Identity | None:
    # Cached on the request: the policy may be asked many times.
    cached = request.environ.get("whirlwind.identity", _UNSET)
    if cached is not _UNSET:
        return cached
    # A request that names a token is that token's, or nobody's: a revoked or unknown
    # token never falls back to a session cookie sent alongside it (on any route), and a
    # token is a login for the API only: on any other path the request is anonymous.
    if request.headers.get("Authorization"):
        identity = _token_identity(request) if request.path.startswith(API_PATH_PREFIX) else None
    else:
        identity = _session_identity(request)
    request.environ["whirlwind.identity"] = identity
    if identity is not None:
        request.dbsession.info["actor"] = (identity.user.id, identity.user.username)
    return identity


def _token_identity(request) -> Identity | None:
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        return None
    raw = header[len("Bearer ") :].strip()
    if not raw.startswith(TOKEN_PREFIX):
        return None
    token = request.dbsession.scalar(
        select(ApiToken).where(ApiToken.token_hash == hash_key(raw), ApiToken.revoked_at.is_(None))
    )
    now = utcnow()
    if token is None or not token.user.active or not token.live(now):
        return None
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=5):
        token.last_used_at = now
    return Identity(
        token.user,
        token.user.permissions - TOKEN_WITHHELD,
        via_token=True,
        scope=token.scope,
    )


def _session_identity(request) -> Identity | None:
    key = request.session.get(SESSION_KEY)
    if not key:
        return None
    row = request.dbsession.scalar(select(AuthSession).where(AuthSession.key_hash == hash_key(key)))
    if row is None:
        return None
    user = request.dbsession.get(User, row.user_id)
    if user is None or not user.active:
        return None
    return Identity(user, user.permissions)


def login(request, user: User) -> None:
    """Start a fresh session for ``user`` (a new cookie: no session fixation)."""
    request.session.invalidate()
    key = secrets.token_urlsafe(32)
    request.dbsession.add(
        AuthSession(key_hash=hash_key(key), user_id=user.id, client_ip=request.client_addr or "")
    )
    request.session[SESSION_KEY] = key
    request.environ.pop("whirlwind.identity", None)


def current_session_hash(request) -> str | None:
    """The stored hash of this request's login session key (None without a login)."""
    key = request.session.get(SESSION_KEY)
    return hash_key(key) if key else None


def logout(request) -> None:
    key = request.session.get(SESSION_KEY)
    if key:
        row = request.dbsession.scalar(
            select(AuthSession).where(AuthSession.key_hash == hash_key(key))
        )
        if row is not None:
            request.dbsession.delete(row)
    request.session.invalidate()
    request.environ["whirlwind.identity"] = None


def new_api_token(
    session, user: User, name: str = "", *, scope: str = "write", days: int = 90
) -> tuple[ApiToken, str]:
    """Create a token valid for ``days`` with ``scope`` ("read" or "write"); the raw value
    is returned once and never stored."""
    if scope not in TOKEN_SCOPES:
        raise ValueError(f"unknown token scope {scope!r}")
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id,
        name=name,
        prefix=raw[:10],
        token_hash=hash_key(raw),
        scope=scope,
        expires_at=utcnow() + dt.timedelta(days=days),
    )
    session.add(token)
    session.flush()
    return token, raw


def _origin_host(value: str) -> str | None:
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(value)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return parts.netloc.lower()


def check_origin(event) -> None:
    """Unsafe requests (POST, PUT, PATCH, DELETE) from a browser must come from this site:
    the ``Origin`` header (or, without it, the ``Referer``) must name this host or one of
    ``whirlwind.trusted_origins``. A request with neither header (old clients, tools) is
    left to the CSRF token; an API request carrying a token has no ambient credentials and
    is not checked."""
    request = event.request
    if request.method in SAFE_METHODS:
        return
    if request.path.startswith(API_PATH_PREFIX) and request.headers.get("Authorization"):
        return
    origin = request.headers.get("Origin")
    if origin is None or origin == "null":
        origin = request.headers.get("Referer") if origin is None else origin
    if origin is None:
        return
    allowed = {request.host.lower()} | request.registry.settings["whirlwind.trusted_hosts"]
    if _origin_host(origin) not in allowed:
        from pyramid.exceptions import BadCSRFOrigin

        raise BadCSRFOrigin(f"origin {origin!r} is not this site")


def includeme(config):
    settings = config.get_settings()
    settings["whirlwind.trusted_hosts"] = frozenset(
        h
        for h in (_origin_host(o) for o in settings.get("whirlwind.trusted_origins", "").split())
        if h
    )
    config.add_subscriber(check_origin, "pyramid.events.NewRequest")
    secret = settings["whirlwind.secret"]
    factory = SignedCookieSessionFactory(
        secret,
        cookie_name="whirlwind_session",
        httponly=True,
        samesite="Lax",
        secure=as_bool(settings, "whirlwind.cookie_secure"),
        timeout=8 * 3600,
        reissue_time=300,
        serializer=JSONSerializer(),
    )
    config.set_session_factory(factory)
    config.set_csrf_storage_policy(SessionCSRFStoragePolicy())
    config.set_default_csrf_options(require_csrf=True)
    config.set_security_policy(WhirlwindSecurityPolicy())
