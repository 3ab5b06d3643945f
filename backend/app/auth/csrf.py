"""Cross-site request forgery: writes that ride on the session cookie must come from the dashboard.

``SameSite=Lax`` keeps the cookie off another *site's* writes, but every app on ``localhost:*`` (or on a
sibling subdomain) is the same site. So each unsafe request (POST, PUT, PATCH, DELETE) that does not
authenticate with ``Authorization: Bearer`` passes two checks here, before its body is read:

1. **Origin** (OWASP: verifying origin with standard headers). ``Origin``, or the origin of ``Referer``
   when the browser sent no ``Origin``, must be the origin of ``PUBLIC_URL`` (the request's own
   scheme and host when that is unset) or one of ``TRUSTED_ORIGINS``. A request that acts with the
   session cookie and has neither header is refused: browsers always send ``Origin`` with a
   cross-origin write, and the dashboard's own writes carry it too, so only a stripped or forged
   request lacks both. Without the cookie (or to log in) such a request is a script's and goes on.
2. **Token** (OWASP: signed double-submit cookie). Login sets ``distillery_csrf``, readable by the
   dashboard's scripts, holding an HMAC of the session token under ``SECRET_KEY``; every write with the
   session cookie must repeat it in ``X-CSRF-Token``. Another origin can neither read the cookie nor
   compute the value, and a cookie planted from a sibling subdomain does not match the session. Login
   is the one write without a token (it has no session yet); it still passes the origin check.

A bearer token is never sent by a browser on its own, so token calls (the CLI, scripts, the Python
client) are exempt. Refusals are ``403`` in the usual ``{"error", "detail"}`` shape.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Final

from pydantic import SecretStr
from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import cookie_parser
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.auth.deps import SESSION_COOKIE
from app.core.config import Settings, origin_of, parse_origins
from app.core.errors import ErrorBody, Forbidden

CSRF_COOKIE: Final = "distillery_csrf"
CSRF_HEADER: Final = "X-CSRF-Token"
UNSAFE_METHODS: Final = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Writes that need no token: logging in has no session to bind one to.
TOKENLESS_PATHS: Final = frozenset({"/api/v1/auth/login"})


def csrf_token(secret: SecretStr, session_token: str) -> str:
    """The CSRF token of a session: an HMAC of its (secret, HttpOnly) session token."""
    key = secret.get_secret_value().encode()
    digest = hmac.new(key, b"csrf:" + session_token.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def set_csrf_cookie(response: Response, settings: Settings, session_token: str) -> None:
    """Set the token cookie of ``session_token`` beside the session cookie; dashboard scripts may read it."""
    response.set_cookie(
        CSRF_COOKIE,
        csrf_token(settings.secret_key, session_token),
        max_age=settings.session_ttl_hours * 3600,
        httponly=False,
        samesite="lax",
        secure=settings.environment == "production",
        path="/",
    )


class CSRFMiddleware:
    """Refuses cookie-authenticated writes from other origins or without the session's CSRF token.

    It also hands the token cookie back on any response to a request whose session cookie came without
    the matching token cookie (a session from before the token existed), so such a dashboard recovers.
    """

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings
        self.public = origin_of(settings.public_url) if settings.public_url else None
        self.trusted = frozenset(parse_origins(settings.trusted_origins or ""))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        cookies = cookie_parser(headers.get("cookie", ""))
        session = cookies.get(SESSION_COOKIE) or None
        if scope["method"] in UNSAFE_METHODS and not _bearer(headers):
            reason = self.refusal(scope, headers, session)
            if reason is not None:
                await _forbidden(send, reason)
                return
        if session is None or _matches(cookies.get(CSRF_COOKIE, ""), self.settings.secret_key, session):
            await self.app(scope, receive, send)
            return
        await self.app(scope, receive, self._handing_back(send, session))

    def refusal(self, scope: Scope, headers: Headers, session: str | None) -> str | None:
        """Why this write is refused, or None when it may go on."""
        # Login sets a session rather than acting with one, whatever cookie comes with it.
        by_cookie = session is not None and scope["path"] not in TOKENLESS_PATHS
        source = headers.get("origin")
        if source is None and "referer" in headers:
            source = origin_of(headers["referer"]) or "an unreadable Referer"
        if source is None:
            return "a write with the session cookie needs an Origin or Referer" if by_cookie else None
        if not self.allowed(source, scope, headers):
            return f"requests from {source} may not write with the session cookie"
        if session is None or not by_cookie:
            return None
        if not _matches(headers.get(CSRF_HEADER, ""), self.settings.secret_key, session):
            return f"missing or wrong {CSRF_HEADER} header; reload the page or log in again"
        return None

    def allowed(self, source: str, scope: Scope, headers: Headers) -> bool:
        """Whether ``source`` is the public origin (else the request's own) or a trusted one."""
        origin = origin_of(source)
        if origin is None:  # "null" (sandboxed pages, privacy redirects) or garbage
            return False
        own = self.public or origin_of(f"{scope['scheme']}://{headers.get('host', '')}")
        return origin == own or origin in self.trusted

    def _handing_back(self, send: Send, session: str) -> Send:
        async def _send(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                # A response that sets the cookie itself (login, logout) knows better.
                if not any(c.startswith(f"{CSRF_COOKIE}=") for c in headers.getlist("set-cookie")):
                    cookie = Response()
                    set_csrf_cookie(cookie, self.settings, session)
                    headers.append("set-cookie", cookie.headers["set-cookie"])
            await send(message)

        return _send


def _matches(sent: str, secret: SecretStr, session: str) -> bool:
    # In constant time, so the comparison leaks nothing of the expected token.
    return hmac.compare_digest(sent.encode(), csrf_token(secret, session).encode())


def _bearer(headers: Headers) -> bool:
    # As in app.auth.deps.current_user: a request with a bearer token is judged by the token alone.
    scheme, _, _ = headers.get("authorization", "").partition(" ")
    return scheme.lower() == "bearer"


async def _forbidden(send: Send, reason: str) -> None:
    payload = ErrorBody(error=Forbidden.error, detail=reason).model_dump_json().encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]
    await send({"type": "http.response.start", "status": 403, "headers": headers})
    await send({"type": "http.response.body", "body": payload})
