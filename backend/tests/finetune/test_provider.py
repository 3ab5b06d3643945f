"""``tuned:<run id>`` in the service: the id names one of the platform's run folders, never a path."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
import torch

from app.core.config import Settings
from app.core.db import create_engine, create_sessionmaker
from app.finetune.runner import run_folder
from app.providers.service import resolve_credentials
from distillation.finetune import FinetuneConfig, finetune
from distillation.providers import ChatRequest, ConfigurationError, get_model
from distillation.testing.tiny_models import chat_rows, save_tiny
from tests.conftest import migrate


async def _register(settings: Settings) -> None:
    """What a worker does before it builds a job's engine (``resolve_credentials`` registers providers)."""
    engine = create_engine(settings, pooled=False)
    async with create_sessionmaker(engine)() as session:
        await resolve_credentials(session, settings)
    await engine.dispose()


@pytest.mark.slow
async def test_a_run_id_answers_from_its_run_folder_and_a_path_is_refused(
    sqlite_settings: Settings, tmp_path: Path
) -> None:
    await migrate(sqlite_settings)
    await _register(sqlite_settings)
    run_id = uuid.uuid4()
    folder = run_folder(sqlite_settings, run_id) / "run"
    config = FinetuneConfig(
        base_model=str(save_tiny(tmp_path / "tiny", "llama")), max_steps=1, batch_size=4, max_seq_length=64,
        heldout_fraction=0, lora_r=4, lora_alpha=8, device="cpu",
    )  # fmt: skip
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        finetune(chat_rows(), folder, config)
    finally:
        torch.set_num_threads(threads)

    model = get_model(f"tuned:{run_id}")
    assert model.adapter.run_dir == folder  # type: ignore[attr-defined]
    answer = await model.adapter.complete(ChatRequest.from_prompt("Hi", max_tokens=2), 60)
    assert answer.usage.output_tokens == 2

    with pytest.raises(ConfigurationError, match="named by run id"):
        get_model(f"tuned:{folder}")
    with pytest.raises(ConfigurationError, match="holds no fine-tune run"):
        get_model(f"tuned:{uuid.uuid4()}")
