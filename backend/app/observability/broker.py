"""Messages waiting in each Celery queue, read from the broker itself.

Kombu's ``queue_declare`` answers with the queue's message count on every transport we
run: Redis sums ``LLEN`` over the queue's priority lists, the SQLAlchemy transport of the embedded
default counts the visible rows of its ``kombu_message`` table. Messages a worker has taken but not yet
acknowledged are not counted: they are being worked on, not waiting.
"""

from __future__ import annotations

from typing import Any

from kombu import Connection

from app.worker.app import QUEUES

CONNECT_TIMEOUT_S = 3.0


def queue_depths(broker_url: str, transport_options: dict[str, Any]) -> dict[str, int]:
    """Waiting messages per queue (blocking: run it in a thread)."""
    with Connection(
        broker_url, connect_timeout=CONNECT_TIMEOUT_S, transport_options=transport_options
    ) as conn:
        conn.ensure_connection(max_retries=1)
        channel: Any = conn.default_channel  # kombu's stubs lack the virtual channel's methods
        return {name: int(channel.queue_declare(name, durable=True).message_count) for name in QUEUES}
