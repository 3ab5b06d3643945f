"""``python cli_child.py BASE_URL ARGS...``: the commands in their own process, pointed at a fake server.

The interruption tests kill or interrupt this process mid-run, as a user (or a crash) would.
"""

from __future__ import annotations

import sys

import typer

from distillation.cli import register
from distillation.providers import Credentials

if __name__ == "__main__":
    base_url, args = sys.argv[1], sys.argv[2:]
    app = typer.Typer()
    register(
        app, credentials=lambda provider: Credentials(api_key="sk-test", base_url=base_url), config_dir=None
    )
    app(args)
