"""Distillery's service: the REST API, the Celery workers and the host of the dashboard."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("distillery")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.0.0"
