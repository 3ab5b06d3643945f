"""``/api/v1/playground``: the models on offer, and one prompt answered by several models, streamed."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.auth.deps import CurrentUser, require_role
from app.core.deps import SessionDep, SettingsDep
from app.models import Role, User
from app.playground import service
from app.playground.schemas import PlaygroundChat, PlaygroundModel
from app.providers import catalog

router = APIRouter(prefix="/playground", tags=["playground"])
Editor = Annotated[User, require_role(Role.admin, Role.editor)]

STREAM_DOC = """Server-sent events, one stream for every model: `start`, `delta` (a piece of text),
then `done` (usage, cost, latency) or `error`, each naming its `column`; `end` when every column has ended."""


@router.get("/models")
async def list_models(_: CurrentUser, session: SessionDep, settings: SettingsDep) -> list[PlaygroundModel]:
    """The bundled model, completed tuned runs and the priced models of providers with credentials."""
    return await service.offered_models(session, settings)


@router.post(
    "/chat",
    responses={
        200: {"content": {"text/event-stream": {}}, "description": STREAM_DOC},
        400: {"description": "A model id its provider refuses"},
        404: {"description": "A tuned model that is not a completed run"},
    },
    response_class=StreamingResponse,
)
async def chat(
    body: PlaygroundChat, request: Request, _: Editor, session: SessionDep, settings: SettingsDep
) -> StreamingResponse:
    """Send each column's conversation to its model, all at once; answers stream as they come.

    Calls are booked in the ledger as playground spend (stage ``playground``, no job) at the ledger's
    prices, held against the global budget. Closing the stream stops every model.
    """
    plans = await service.plan(session, settings, body)
    maker: async_sessionmaker[AsyncSession] = request.app.state.sessionmaker
    events = service.events(maker, catalog.price_table(settings), plans)
    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    return StreamingResponse(events, media_type="text/event-stream", headers=headers)
