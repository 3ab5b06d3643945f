"""Request body limits enforced before the body is parsed.

Starlette spools uploaded files to disk without a bound, so a check in the handler would only fire after
the disk had filled (research B5). This middleware refuses a declared ``Content-Length`` past the limit
at once and counts streamed bytes for bodies that do not declare one.
"""

from __future__ import annotations

from collections.abc import Mapping

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.errors import ErrorBody, PayloadTooLarge

# Room for the multipart boundaries and the small form fields next to the file itself.
MULTIPART_OVERHEAD = 1024 * 1024


class BodyLimitMiddleware:
    """Answer 413 when the body of a limited route is larger than its limit (path -> bytes)."""

    def __init__(self, app: ASGIApp, limits: Mapping[str, int]) -> None:
        self.app = app
        self.limits = dict(limits)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        limit = self.limits.get(scope.get("path", "")) if scope["type"] == "http" else None
        if limit is None:
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers", [])).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > limit:
            await _too_large(send, limit)
            return
        await _Counted(self.app, limit)(scope, receive, send)


class _Counted:
    """One request whose streamed body is counted; past the limit the app's answer becomes a 413."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app, self.limit = app, limit
        self.received = 0
        self.exceeded = self.answered = False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def _receive() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                self.received += len(message.get("body", b""))
                if self.received > self.limit:
                    self.exceeded = True
                    # A disconnect stops the multipart parser without reading (or spooling) the rest.
                    return {"type": "http.disconnect"}
            return message

        async def _send(message: Message) -> None:
            if not self.exceeded:
                await send(message)
            elif not self.answered:
                self.answered = True
                await _too_large(send, self.limit)

        try:
            await self.app(scope, _receive, _send)
        except Exception:
            if not self.exceeded:
                raise
        if self.exceeded and not self.answered:
            self.answered = True
            await _too_large(send, self.limit)


async def _too_large(send: Send, limit: int) -> None:
    body = ErrorBody(error=PayloadTooLarge.error, detail=f"request body larger than {limit} bytes")
    payload = body.model_dump_json().encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]
    await send({"type": "http.response.start", "status": 413, "headers": headers})
    await send({"type": "http.response.body", "body": payload})
