"""The CLI's answer cache: answers survive a restart, and a line cut by a crash costs nothing else."""

from __future__ import annotations

from pathlib import Path

from distillation.pipeline import Answer, JsonlCache


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
