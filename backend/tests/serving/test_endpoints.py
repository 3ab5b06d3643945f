"""The OpenAI-compatible endpoint, driven with the official ``openai`` SDK: a tuned run answers, whole and
streamed, behind API-token auth, and errors arrive as the SDK's own exceptions.

A tiny Llama model (random weights) is tuned for two steps into a run's folder; its random weights never
end an answer, so every answer runs to ``max_tokens`` (finish reason ``length``).
"""

from __future__ import annotations

import uuid
from pathlib import Path

import httpx
import openai
import pytest
import torch
from openai.types.chat import ChatCompletionMessageParam

from app.core.config import Settings
from app.core.db import create_engine, create_sessionmaker
from app.finetune.runner import run_folder
from app.models import FinetuneRun, RunStatus
from distillation.finetune import FinetuneConfig, finetune
from distillation.testing.tiny_models import chat_rows, save_tiny
from tests.clients import new_token
from tests.conftest import api_client, migrate
from tests.datasets.factories import client_as, seed_dataset

QUESTION: list[ChatCompletionMessageParam] = [{"role": "user", "content": "What do bees make?"}]


def _sdk(http: httpx.AsyncClient, api_key: str) -> openai.AsyncOpenAI:
    """The SDK, sending its requests to the app through ``http`` (the ASGI transport)."""
    # The SDK's annotations name its vendored httpx; the client it is given is plain httpx's.
    return openai.AsyncOpenAI(base_url="http://testserver/v1", api_key=api_key, http_client=http)  # type: ignore[arg-type]


async def _runs(settings: Settings, dataset_id: uuid.UUID) -> tuple[uuid.UUID, uuid.UUID]:
    """A completed run and a running one, as rows."""
    engine = create_engine(settings, pooled=False)
    async with create_sessionmaker(engine)() as session:
        runs = [
            FinetuneRun(dataset_id=dataset_id, dataset_version=1, name=name, status=status, config={})
            for name, status in (("done", RunStatus.completed), ("busy", RunStatus.running))
        ]
        session.add_all(runs)
        await session.commit()
        ids = (runs[0].id, runs[1].id)
    await engine.dispose()
    return ids


def _train(tmp_path: Path, folder: Path) -> None:
    base = save_tiny(tmp_path / "tiny-llama", "llama")
    config = FinetuneConfig(
        base_model=str(base), max_steps=2, batch_size=4, max_seq_length=64, heldout_fraction=0,
        learning_rate=1e-3, lora_r=4, lora_alpha=8, device="cpu",
    )  # fmt: skip
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        assert finetune(chat_rows(), folder, config).status == "completed"
    finally:
        torch.set_num_threads(threads)


@pytest.mark.slow
async def test_the_openai_sdk_gets_answers_from_a_tuned_run_whole_and_streamed(
    sqlite_settings: Settings, tmp_path: Path
) -> None:
    await migrate(sqlite_settings)
    done, _ = await _runs(sqlite_settings, await seed_dataset(sqlite_settings))
    _train(tmp_path, run_folder(sqlite_settings, done) / "run")
    async with client_as(sqlite_settings) as dashboard:
        token = await new_token(dashboard, "app", scope="read")
    async with api_client(sqlite_settings) as http:
        sdk = _sdk(http, token)
        model = f"tuned:{done}"

        listed = [m.id async for m in sdk.models.list()]
        assert listed == [model]  # the running run is not served

        whole = await sdk.chat.completions.create(model=model, messages=QUESTION, max_tokens=4)
        assert whole.object == "chat.completion"
        assert whole.model == model
        assert whole.choices[0].finish_reason == "length"
        assert whole.usage is not None
        assert whole.usage.completion_tokens == 4
        assert whole.usage.prompt_tokens > 5

        chunks = await sdk.chat.completions.create(
            model=model, messages=QUESTION, max_tokens=4, stream=True,
            stream_options={"include_usage": True},
        )  # fmt: skip
        pieces, finishes, usages = [], [], []
        async for piece in chunks:
            pieces += [c.delta.content or "" for c in piece.choices]
            finishes += [c.finish_reason for c in piece.choices if c.finish_reason]
            usages += [piece.usage] if piece.usage else []
        assert len(pieces) > 2  # the role, then the text in pieces, then the finish
        assert "".join(pieces).strip() == whole.choices[0].message.content  # greedy: the same answer
        assert finishes == ["length"]
        assert [u.completion_tokens for u in usages] == [4]


async def test_the_endpoint_refuses_in_openai_errors_that_the_sdk_raises(
    sqlite_settings: Settings, tmp_path: Path
) -> None:
    await migrate(sqlite_settings)
    done, busy = await _runs(sqlite_settings, await seed_dataset(sqlite_settings))
    async with client_as(sqlite_settings) as dashboard:
        token = await new_token(dashboard, "app", scope="read")
    async with api_client(sqlite_settings) as http:
        sdk = _sdk(http, token)
        stranger = _sdk(http, "dst_wrong")

        with pytest.raises(openai.AuthenticationError) as refused:
            await stranger.chat.completions.create(model=f"tuned:{done}", messages=QUESTION)
        assert refused.value.code == "invalid_api_key"
        with pytest.raises(openai.AuthenticationError):
            await stranger.models.list()

        for model in (f"tuned:{busy}", f"tuned:{uuid.uuid4()}", "tuned:/etc", "openai:gpt-4o"):
            with pytest.raises(openai.NotFoundError) as missing:
                await sdk.chat.completions.create(model=model, messages=QUESTION)
            assert missing.value.code == "model_not_found"

        with pytest.raises(openai.BadRequestError) as bad:
            await sdk.chat.completions.create(model=f"tuned:{done}", messages=[])
        assert "messages" in str(bad.value.message)

        bearer = {"Authorization": "Bearer x"}
        raw = await http.post("/v1/chat/completions", json={"model": "x"}, headers=bearer)
        assert raw.status_code == 401
        assert raw.json()["error"]["type"] == "invalid_request_error"
