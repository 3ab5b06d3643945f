"""The CLI's answer cache: answers survive a restart, and a line cut by a crash costs nothing else."""

from __future__ import annotations

from pathlib import Path

import pytest

from distillation.pipeline import Answer, JsonlCache
from distillation.pipeline import cache as cache_module


def answer(number: int) -> Answer:
    return Answer(model_id="openai:gpt-4o", fingerprint=f"{number:064x}", text=f"answer {number}")


async def test_answers_survive_a_restart_and_a_line_cut_by_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "cache.jsonl"
    cache = JsonlCache(path)
    for number in range(50):
        await cache.put(answer(number))
    await cache.put(answer(7))  # already there: not appended again
    cache.close()
    with path.open("ab") as handle:
        handle.write(b'{"fingerprint": "cut short by a cra')  # the process died mid-write

    reopened = JsonlCache(path)
    await reopened.put(answer(50))
    reopened.close()
    again = JsonlCache(path)

    assert len(again) == 51
    assert await again.get(answer(50).fingerprint) == answer(50)
    assert await again.get(answer(7).fingerprint) == answer(7)
    assert await again.get(answer(99).fingerprint) is None
    assert len(path.read_text().splitlines()) == 52  # 51 answers and the cut line
    again.close()


async def test_a_large_cache_answers_every_lookup_after_reopening(tmp_path: Path) -> None:
    path = tmp_path / "cache.jsonl"
    cache = JsonlCache(path)
    for number in range(0, 20_000, 2):  # even numbers stored, odd ones never
        await cache.put(answer(number))
    cache.close()

    reopened = JsonlCache(path)
    assert len(reopened) == 10_000
    for number in (0, 2, 4_096, 4_098, 9_998, 19_998):
        assert await reopened.get(answer(number).fingerprint) == answer(number)
    for number in (1, 4_097, 19_999, 20_000):
        assert await reopened.get(answer(number).fingerprint) is None
    found = [await reopened.get(answer(number).fingerprint) for number in range(20_000)]
    assert [a.text for a in found if a is not None] == [f"answer {n}" for n in range(0, 20_000, 2)]
    reopened.close()


async def test_fingerprints_whose_hashes_collide_keep_their_own_answers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cache_module, "_hash", lambda fingerprint: 42)  # every fingerprint collides
    path = tmp_path / "cache.jsonl"
    cache = JsonlCache(path)
    for number in range(5):
        await cache.put(answer(number))
    await cache.put(answer(3))  # already there, behind a collision: not appended again
    cache.close()

    reopened = JsonlCache(path)
    assert len(reopened) == 5
    assert [await reopened.get(answer(n).fingerprint) for n in range(6)] == [*map(answer, range(5)), None]
    assert len(path.read_text().splitlines()) == 5
    reopened.close()
