"""Log format shared by the API and the workers."""

from __future__ import annotations

import logging

_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"


def configure_logging(level: str) -> None:
    """Plain, greppable lines on stderr at ``level``."""
    logging.basicConfig(level=level.upper(), format=_FORMAT)
    logging.getLogger("uvicorn.access").setLevel(logging.WARNING)
