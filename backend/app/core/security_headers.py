"""Security headers on every response: CSP, frame-ancestors, nosniff, referrer policy, HSTS.

The dashboard is a static Next.js export whose pages bootstrap with inline ``<script>`` elements, and
Swagger UI at ``/docs`` starts with one too. Rather than allow every inline script ('unsafe-inline'),
the middleware reads each HTML response as it goes out and lists the SHA-256 hash of each inline
script it holds, so exactly the scripts the server itself sent may run. HTML pages are small (tens of
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
# Swagger UI and ReDoc load their bundles, styles and logo from CDNs (FastAPI's defaults).
DOCS_PATHS: Final = ("/docs", "/redoc")
DOCS_SCRIPTS: Final = "https://cdn.jsdelivr.net"
DOCS_STYLES: Final = "https://cdn.jsdelivr.net https://fonts.googleapis.com"
DOCS_IMAGES: Final = "https://fastapi.tiangolo.com https://cdn.redoc.ly"
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


def content_security_policy(script_hashes: Iterable[str] = (), *, docs: bool = False) -> str:
    """The policy of one response: same-origin everything, the given inline scripts, no framing."""
    scripts = " ".join(["'self'", *script_hashes, *([DOCS_SCRIPTS] if docs else [])])
    styles = " ".join(["'self'", "'unsafe-inline'", *([DOCS_STYLES] if docs else [])])
    images = " ".join(["'self'", "data:", "blob:", *([DOCS_IMAGES] if docs else [])])
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src {scripts}",
            # Inline style attributes (charts, progress bars) carry no script; scripts stay hashed.
            f"style-src {styles}",
            f"img-src {images}",
            "font-src 'self' data:" + (" https://fonts.gstatic.com" if docs else ""),
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
        docs = str(scope.get("path", "")).startswith(DOCS_PATHS)
        start: Message | None = None
        body: list[bytes] = []

        async def send_with_headers(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                self._common(headers)
                if not headers.get("content-type", "").startswith("text/html") or message["status"] == 304:
                    if message["status"] != 304:
                        headers["Content-Security-Policy"] = content_security_policy(docs=docs)
                    await send(message)
                    return
                start = message  # hold the headers until the page is read and its scripts hashed
                return
            if start is None or message["type"] != "http.response.body":
                await send(message)
                return
            body.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            page = b"".join(body)
            policy = content_security_policy(inline_script_hashes(page), docs=docs)
            MutableHeaders(scope=start)["Content-Security-Policy"] = policy
            await send(start)
            await send({"type": "http.response.body", "body": page, "more_body": False})

        await self.app(scope, receive, send_with_headers)

    def _common(self, headers: MutableHeaders) -> None:
        headers["X-Content-Type-Options"] = "nosniff"
        headers["X-Frame-Options"] = "DENY"
        headers["Referrer-Policy"] = "same-origin"
        if self.hsts:
            headers["Strict-Transport-Security"] = HSTS
