"""``--delivery`` and ``--deadline``: how a run sends the requests of the stages that can wait.

``online`` sends every request at once; ``batch`` (also ``--batch``) sends the seed, bulk, judge and
fix requests through the providers' batch APIs; ``auto`` does so while the ``--deadline`` leaves the
providers' 24-hour batch window, and online after (see :mod:`distillation.pipeline.batching`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from distillation.commands.options import OptionsError
from distillation.pipeline import BATCH_WINDOW, Delivery, batch_in_time

DELIVERIES: tuple[Delivery, ...] = ("online", "batch", "auto")
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([mhd])\s*$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days"}


@dataclass(frozen=True, slots=True)
class DeliveryPlan:
    """What a run does with the requests that can wait.

    Attributes:
        delivery: As asked.
        batched: Whether they go through batch APIs (False: online, as asked or the deadline near).
        deadline: When the rows are due (``auto`` only).
    """

    delivery: Delivery
    batched: bool
    deadline: datetime | None = None

    def note(self) -> str | None:
        """Why an ``auto`` run goes online from the start, if it does."""
        if self.delivery == "auto" and not self.batched:
            return (
                f"the deadline is less than the {_hours(BATCH_WINDOW)}-hour batch window away: "
                "every request goes online"
            )
        return None


def plan_delivery(delivery: str, deadline: str | None, *, batch: bool, now: datetime) -> DeliveryPlan:
    """Check ``--delivery``, ``--batch`` and ``--deadline`` together.

    Raises:
        OptionsError: An unknown delivery, ``--batch`` with another delivery, ``auto`` without a
            deadline, a deadline without ``auto``, or a deadline that cannot be read or has passed.
    """
    if delivery not in DELIVERIES:
        raise OptionsError(f"--delivery must be one of {', '.join(DELIVERIES)}, not {delivery!r}")
    if batch and delivery not in ("online", "batch"):
        raise OptionsError(f"--batch is --delivery batch; it cannot go with --delivery {delivery}")
    chosen: Delivery = "batch" if batch else delivery  # checked above
    if chosen != "auto":
        if deadline is not None:
            raise OptionsError("--deadline goes with --delivery auto")
        return DeliveryPlan(chosen, chosen == "batch")
    if deadline is None:
        raise OptionsError("--delivery auto needs a --deadline (e.g. 36h, 2d or 2026-12-24T09:00)")
    due = parse_deadline(deadline, now)
    return DeliveryPlan("auto", batch_in_time(due, now), due)


def parse_deadline(text: str, now: datetime) -> datetime:
    """A duration from now (``90m``, ``36h``, ``2d``) or an ISO date and time (UTC unless it says).

    Raises:
        OptionsError: Neither, or a time that has passed.
    """
    found = _DURATION.match(text)
    if found is not None:
        due = now + timedelta(**{_UNITS[found.group(2)]: float(found.group(1))})
    else:
        try:
            due = datetime.fromisoformat(text.strip())
        except ValueError:
            raise OptionsError(
                f"--deadline {text!r} is neither a duration (90m, 36h, 2d) nor an ISO date and time"
            ) from None
        if due.tzinfo is None:
            due = due.replace(tzinfo=UTC)
    if due <= now:
        raise OptionsError(f"--deadline {text!r} has passed")
    return due


def _hours(window: timedelta) -> int:
    return round(window.total_seconds() / 3600)
