"""A run's outputs to take away: the adapter and the merged model (each a .zip of its folder), the GGUF
exports, the Ollama ``Modelfile`` and the model card.

A file is named by the listing only (``adapter.zip``, ``q8_0.gguf`` ...); a download looks its name up
in the listing, so no name reaches a path outside the run's folder.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path

from app.finetune.schemas import RunFile
from distillation.finetune import RunPaths


@dataclass(frozen=True)
class Output:
    """One downloadable output: its name, kind, and the file or folder it is made from."""

    name: str
    kind: str
    path: Path

    @property
    def folder(self) -> bool:
        """A folder, sent as a .zip."""
        return self.path.is_dir()

    def read(self) -> RunFile:
        """The listing's row (a folder's size is the sum of its files)."""
        if self.folder:
            size = sum(f.stat().st_size for f in self.path.rglob("*") if f.is_file())
        else:
            size = self.path.stat().st_size
        return RunFile(name=self.name, kind=self.kind, bytes=size)


def outputs(run_dir: Path) -> list[Output]:
    """The outputs present in the run folder ``run_dir`` (the library's ``run/``)."""
    paths = RunPaths(run_dir)
    found = []
    if (paths.adapter / "adapter_config.json").is_file():
        found.append(Output("adapter.zip", "adapter", paths.adapter))
    if (paths.merged / "config.json").is_file():
        found.append(Output("merged.zip", "merged", paths.merged))
    if paths.gguf.is_dir():
        found += [Output(f.name, "gguf", f) for f in sorted(paths.gguf.glob("*.gguf")) if f.is_file()]
        if (paths.gguf / "Modelfile").is_file():
            found.append(Output("Modelfile", "modelfile", paths.gguf / "Modelfile"))
    if paths.card.is_file():
        found.append(Output("README.md", "card", paths.card))
    return found


def find(run_dir: Path, name: str) -> Output | None:
    """The output called ``name``, or None."""
    return next((output for output in outputs(run_dir) if output.name == name), None)


def zip_folder(folder: Path, target: Path) -> None:
    """Write ``folder``'s files into ``target`` under the folder's name (stored: weights do not shrink)."""
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, Path(folder.name) / path.relative_to(folder))
