"""Fixtures shared by every library test folder."""

from __future__ import annotations

import pytest


@pytest.fixture
def hub_online(monkeypatch: pytest.MonkeyPatch) -> None:
    """Lets ``huggingface_hub`` reach the fake Hub on 127.0.0.1.

    The fine-tune tests' conftest sets ``HF_HUB_OFFLINE`` for its whole process (nothing of theirs may
    reach a Hub), and ``huggingface_hub`` reads it once, at import: in a run that collected them, a push
    would be refused as offline.
    """
    import huggingface_hub.constants

    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", False)
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.delenv("TRANSFORMERS_OFFLINE", raising=False)
