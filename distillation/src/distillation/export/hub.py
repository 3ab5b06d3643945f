"""Push an export to a Hugging Face Hub dataset repo: Parquet or JSONL files under ``data/`` plus a card.

The files are written by ``export()`` into a temporary folder laid out as the Hub expects
(``data/<split>-00000-of-00001.<ext>`` and ``README.md``, whose ``configs`` name exactly those
files), then sent in one commit with ``huggingface_hub``'s ``HfApi`` at ``endpoint`` (the real Hub
by default; tests give a local fake). The token is never logged, printed or put in an error message:
every failure becomes a ``HubPushError`` that says what went wrong (bad token, no access, repo not
found, Hub unreachable) in words a user can act on.
"""

from __future__ import annotations

import dataclasses
import shutil
import tempfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Literal

from distillation.export.api import export
from distillation.export.card import DatasetCardInfo, render_dataset_card
from distillation.export.hf import HubTarget

__all__ = [
    "DEFAULT_HUB_ENDPOINT",
    "HUB_FORMATS",
    "HubPushError",
    "HubPushResult",
    "push_dataset",
    "upload_folder",
]

DEFAULT_HUB_ENDPOINT: Final = "https://huggingface.co"
HUB_FORMATS: Final = ("parquet", "jsonl")
HubErrorKind = Literal["unauthorized", "forbidden", "not_found", "unreachable", "rejected"]
Progress = Callable[[str], None]


class HubPushError(Exception):
    """A push that failed, with the kind of failure and a message that never holds the token."""

    def __init__(self, kind: HubErrorKind, message: str) -> None:
        super().__init__(message)
        self.kind = kind


@dataclass(frozen=True, slots=True)
class HubPushResult:
    """What was pushed: the repo, its URL, the commit, rows per split and the files sent."""

    repo_id: str
    url: str
    commit_url: str
    counts: dict[str, int]
    files: tuple[str, ...]
    warnings: tuple[str, ...] = ()

    @property
    def total(self) -> int:
        """Rows pushed across all splits."""
        return sum(self.counts.values())


def push_dataset(
    records: Iterable[Mapping[str, Any]],
    target: HubTarget,
    *,
    fmt: str = "parquet",
    splits: Mapping[str, float] | None = None,
    seed: int = 0,
    card: DatasetCardInfo | None = None,
    endpoint: str | None = None,
    progress: Progress | None = None,
) -> HubPushResult:
    """Export ``records`` as Parquet or JSONL and push them with a dataset card to ``target``.

    Args:
        records: The records (any view ``export()`` takes), streamed to temporary files.
        target: Repo id, token and visibility.
        fmt: ``parquet`` or ``jsonl``.
        splits: Split name -> ratio; one ``train`` split when omitted.
        seed: Split seed.
        card: What the card says; the files' layout is filled in here.
        endpoint: The Hub's address (``https://huggingface.co`` by default).
        progress: Called with a short line at each step.

    Returns:
        The repo, its URL, the commit and the rows per split.

    Raises:
        ValueError: ``fmt`` is not a Hub format, or the splits are invalid.
        HubPushError: The Hub refused the push or could not be reached.
    """
    if fmt not in HUB_FORMATS:
        raise ValueError(f"the Hub push writes {' or '.join(HUB_FORMATS)}, not {fmt!r}")
    note = progress or (lambda _line: None)
    staging = Path(tempfile.mkdtemp(prefix="hub-push-"))
    try:
        note("writing the files")
        written = export(records, fmt, staging / "export", splits=splits, seed=seed)
        folder = staging / "repo"
        (folder / "data").mkdir(parents=True)
        counts: dict[str, int] = {}
        for split, path in written.paths.items():
            name = "train" if split == "all" else split
            counts[name] = written.counts[split]
            shutil.move(path, folder / "data" / f"{name}-00000-of-00001.{fmt}")
        info = card or DatasetCardInfo(pretty_name=target.repo_id.split("/", 1)[1])
        info = dataclasses.replace(info, file_extension=fmt, data_dir="data")
        (folder / "README.md").write_text(render_dataset_card(info, counts), encoding="utf-8")
        files = tuple(sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()))
        commit_url = upload_folder(folder, target, endpoint=endpoint, progress=note)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    base = (endpoint or DEFAULT_HUB_ENDPOINT).rstrip("/")
    return HubPushResult(
        target.repo_id, f"{base}/datasets/{target.repo_id}", commit_url, counts, files, written.warnings
    )


def upload_folder(
    folder: Path,
    target: HubTarget,
    *,
    endpoint: str | None = None,
    progress: Progress | None = None,
    message: str = "Upload dataset from Distillery",
    repo_type: Literal["dataset", "model"] = "dataset",
) -> str:
    """Check the token, create the repo (a dataset repo unless told) if needed and commit ``folder`` to it.

    Returns:
        The commit's URL.

    Raises:
        HubPushError: The Hub refused the push or could not be reached.
    """
    from huggingface_hub import HfApi

    note = progress or (lambda _line: None)
    address = (endpoint or DEFAULT_HUB_ENDPOINT).rstrip("/")
    api = HfApi(endpoint=address, token=target.token)
    try:
        note("checking the token")
        api.whoami()
        note(f"creating {target.repo_id}")
        api.create_repo(target.repo_id, repo_type=repo_type, private=target.private, exist_ok=True)
        count = sum(1 for p in folder.rglob("*") if p.is_file())
        note(f"uploading {count} file(s)")
        info = api.upload_folder(
            folder_path=str(folder), repo_id=target.repo_id, repo_type=repo_type, commit_message=message
        )
    except HubPushError:
        raise
    except Exception as exc:
        raise _explain(exc, target.repo_id, address) from None
    note("pushed")
    return str(info.commit_url)


def _explain(exc: Exception, repo_id: str, address: str) -> HubPushError:
    """A failure of ``huggingface_hub`` (or below it) in words, without the token or a traceback."""
    import httpx
    from huggingface_hub.errors import HfHubHTTPError, OfflineModeIsEnabled

    if isinstance(exc, OfflineModeIsEnabled):
        return HubPushError("unreachable", "the Hub cannot be reached: HF_HUB_OFFLINE is set")
    if isinstance(exc, HfHubHTTPError) and exc.response is not None:
        status = exc.response.status_code
        if status == 401:
            return HubPushError(
                "unauthorized", "the Hub rejected the token (401): store a valid write token for Hugging Face"
            )
        if status == 403:
            return HubPushError(
                "forbidden",
                f"the token may not write to {repo_id} (403): check the owner and the token's rights",
            )
        if status == 404:
            return HubPushError("not_found", f"the Hub has no repo {repo_id} this token can see (404)")
        if status >= 500:
            return HubPushError("unreachable", f"the Hub at {address} failed ({status}); try again later")
        return HubPushError("rejected", f"the Hub refused the push ({status}): {_server_message(exc)}")
    if any(isinstance(e, httpx.TransportError | OSError) for e in _chain(exc)):
        return HubPushError("unreachable", f"the Hub at {address} cannot be reached ({type(exc).__name__})")
    if isinstance(exc, ValueError):
        return HubPushError("rejected", f"the Hub refused the push: {exc}")
    return HubPushError("rejected", f"the push failed ({type(exc).__name__})")


def _chain(exc: BaseException) -> list[BaseException]:
    found: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in found:
        found.append(current)
        current = current.__cause__ or current.__context__
    return found


def _server_message(exc: Any) -> str:
    server = getattr(exc, "server_message", None)
    return str(server or "no reason given")[:300]
