"""``/v1/models`` and ``/v1/chat/completions``: OpenAI's API over the tuned students, for the ``openai`` SDKs.

Authenticated like the rest of the API (``Authorization: Bearer <API token>``, which is what the SDKs
send as their ``api_key``); errors come in OpenAI's shape (``app.core.errors``).
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import StreamingResponse

from app.auth.deps import CurrentUser
from app.core.deps import SessionDep, SettingsDep
from app.serving import service
from app.serving.schemas import ChatCompletion, ChatCompletionCreate, ServedModelList, error_responses

router = APIRouter(prefix="/v1", tags=["openai"])


@router.get("/models", responses=error_responses(401))
async def list_models(_: CurrentUser, session: SessionDep) -> ServedModelList:
    """The models served here: ``tuned:<run id>`` of every completed fine-tune run, newest first."""
    return await service.list_models(session)


@router.post(
    "/chat/completions",
    response_model=ChatCompletion,
    responses={
        **error_responses(400, 401, 404, 503),
        200: {"content": {"text/event-stream": {}}, "description": "With `stream: true`: SSE chunks."},
    },
)
async def create_chat_completion(
    body: ChatCompletionCreate, _: CurrentUser, session: SessionDep, settings: SettingsDep
) -> ChatCompletion | StreamingResponse:
    """Answer a conversation with a tuned model; ``stream: true`` sends ``chat.completion.chunk`` events
    ending with ``data: [DONE]``."""
    adapter = await service.adapter_for(session, settings, body.model)
    request = service.chat_request(body)
    limit = settings.job_call_timeout_seconds
    if body.stream:
        events = service.stream(adapter, body, request, limit)
        headers = {"Cache-Control": "no-cache"}
        return StreamingResponse(events, media_type="text/event-stream", headers=headers)
    return service.completion_body(body.model, await service.complete(adapter, request, limit))
