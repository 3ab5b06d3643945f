"""Running promtool (Debian's prometheus package; scripts/ensure-promtool.sh installs it)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest


def promtool_path() -> str:
    """The promtool binary; skipped loudly where it is missing, a failure under ``CI=true``."""
    found = shutil.which(os.environ.get("PROMTOOL", "promtool"))
    if found:
        return found
    message = "promtool is not installed; run scripts/ensure-promtool.sh"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip("!!! SKIPPED FOR A MISSING TOOL: " + message)


def promtool(
    *args: str, stdin: str | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``promtool args...`` and return what it said (the caller checks the exit status)."""
    return subprocess.run(
        [promtool_path(), *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=60,
        check=False,
    )
