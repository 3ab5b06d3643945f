"""A spending limit checked before each paid call."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

__all__ = ["Budget"]


@dataclass(frozen=True, slots=True)
class Budget:
    """A job's spending limit in US dollars; ``limit=None`` means unlimited.

    The caller reserves the worst-case cost of each call before sending it (``reserved`` covers calls in
    flight), so concurrent calls cannot overshoot the limit together.

    Example:
        >>> budget = Budget(Decimal("1.00"))
        >>> budget.would_exceed(Decimal("0.90"), Decimal("0.05"), Decimal("0.05"))
        False
        >>> budget.would_exceed(Decimal("0.90"), Decimal("0.05"), Decimal("0.06"))
        True
    """

    limit: Decimal | None = None

    def __post_init__(self) -> None:
        if self.limit is not None and (not self.limit.is_finite() or self.limit < 0):
            raise ValueError(f"budget limit must be a finite, non-negative amount, got {self.limit}")

    def would_exceed(self, spent: Decimal, reserved: Decimal, next: Decimal) -> bool:
        """Whether a call costing up to ``next`` would take the job past its limit.

        Args:
            spent: Settled cost so far.
            reserved: Reservations held by calls still in flight.
            next: Worst-case cost of the call about to start.

        Returns:
            ``True`` when ``spent + reserved + next`` is above the limit; reaching it exactly is allowed.
        """
        return self.limit is not None and spent + reserved + next > self.limit

    def remaining(self, spent: Decimal, reserved: Decimal) -> Decimal | None:
        """What is left to spend (never negative), or ``None`` when unlimited."""
        if self.limit is None:
            return None
        return max(self.limit - spent - reserved, Decimal(0))
