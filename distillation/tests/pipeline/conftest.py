"""Fixtures of the pipeline tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from distillation.testing import FakeProviderServer
from distillation.testing.answers import varied_answer


@pytest.fixture
def fake() -> Iterator[FakeProviderServer]:
    with FakeProviderServer(varied_answer) as server:
        yield server


@pytest.fixture
def cache_path(tmp_path: Path) -> Path:
    return tmp_path / "cache.jsonl"
