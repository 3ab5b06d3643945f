"""Security headers on every response: CSP, frame-ancestors, nosniff, referrer policy, HSTS.

The dashboard is a static Next.js export whose pages bootstrap with inline ``<script>`` elements, and
Swagger UI at ``/docs`` and ReDoc at ``/redoc`` start with one too (their bundles are same-origin, see
``app.core.api_docs``). Rather than allow every inline script ('unsafe-inline'), the middleware reads
each HTML response as it goes out and lists the SHA-256 hash of each inline script it holds, so
exactly the scripts the server itself sent may run. HTML pages are small (tens of
kilobytes); every other response streams through untouched apart from its headers. A ``304 Not
Modified`` gets no policy, so the browser keeps the one stored with the page (and its hashes).
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable
from typing import Final

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# <script> elements without a src attribute, and their text.
_INLINE_SCRIPT: Final = re.compile(
    rb"<script(?![^>]*\bsrc\s*=)[^>]*>(.*?)</script\s*>", re.IGNORECASE | re.DOTALL
)
HSTS: Final = "max-age=31536000; includeSubDomains"


def inline_script_hashes(html: bytes) -> list[str]:
    """CSP source expressions (``'sha256-...'``) for every inline script of ``html``, in order, no repeats.

    Example:
        >>> inline_script_hashes(b"<script>1</script><script src='/a.js'></script>")
        ["'sha256-a4ayc/80/OGda4BO/1o/V0etpOqiLx1JwB5S3beHW0s='"]
    """
    seen: dict[str, None] = {}
    for match in _INLINE_SCRIPT.finditer(html):
        digest = base64.b64encode(hashlib.sha256(match.group(1)).digest()).decode()
        seen[f"'sha256-{digest}'"] = None
    return list(seen)


def content_security_policy(script_hashes: Iterable[str] = ()) -> str:
    """The policy of one response: same-origin everything, the given inline scripts, no framing."""
    scripts = " ".join(["'self'", *script_hashes])
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src {scripts}",
            # Inline style attributes (charts, progress bars) carry no script; scripts stay hashed.
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data: blob:",
            "font-src 'self' data:",
            "connect-src 'self'",
            "worker-src 'self' blob:",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


class SecurityHeadersMiddleware:
    """Adds the security headers to every HTTP response (pure ASGI: streamed bodies stay streamed).

    Args:
        app: The wrapped application.
        hsts: Send ``Strict-Transport-Security`` (only when the public URL is https).
    """

    def __init__(self, app: ASGIApp, *, hsts: bool) -> None:
        self.app = app
        self.hsts = hsts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        await self.app(scope, receive, _Response(send, hsts=self.hsts).send)


class _Response:
    """One response on its way out: headers added, an HTML page held back until its scripts are hashed."""

    def __init__(self, send: Send, *, hsts: bool) -> None:
        self._send = send
        self._hsts = hsts
        self._start: Message | None = None
        self._body: list[bytes] = []

    async def send(self, message: Message) -> None:
        """Pass one ASGI message on, with the headers added."""
        if message["type"] == "http.response.start":
            await self._headers(message)
        elif self._start is not None and message["type"] == "http.response.body":
            await self._page(message)
        else:
            await self._send(message)

    async def _headers(self, message: Message) -> None:
        headers = MutableHeaders(scope=message)
        headers["X-Content-Type-Options"] = "nosniff"
        headers["X-Frame-Options"] = "DENY"
        headers["Referrer-Policy"] = "same-origin"
        if self._hsts:
            headers["Strict-Transport-Security"] = HSTS
        if message["status"] == 304:  # the browser keeps the policy stored with the page
            await self._send(message)
        elif headers.get("content-type", "").startswith("text/html"):
            self._start = message
        else:
            headers["Content-Security-Policy"] = content_security_policy()
            await self._send(message)

    async def _page(self, message: Message) -> None:
        assert self._start is not None
        self._body.append(message.get("body", b""))
        if message.get("more_body", False):
            return
        page = b"".join(self._body)
        policy = content_security_policy(inline_script_hashes(page))
        MutableHeaders(scope=self._start)["Content-Security-Policy"] = policy
        await self._send(self._start)
        await self._send({"type": "http.response.body", "body": page, "more_body": False})
