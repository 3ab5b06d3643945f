"""Achieved vs target distribution of drawn scenarios."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping

from pydantic import BaseModel

from distillation.scenarios.sampler import Scenario


class ParameterDistribution(BaseModel):
    """Achieved vs target distribution of one scenario key.

    Attributes:
        total: Scenarios that carry this key.
        counts: Value → number of scenarios with it.
        shares: Value → achieved share (counts / total).
        target_shares: Value → share the configuration aims for.
        total_variation: Total variation distance between achieved and target shares: 0 is a perfect
            match, 1 is disjoint. Half the sum of absolute share differences.
    """

    total: int
    counts: dict[str, int]
    shares: dict[str, float]
    target_shares: dict[str, float]
    total_variation: float


class DistributionReport(BaseModel):
    """Per-key distribution report over a set of scenarios.

    Attributes:
        scenarios: Number of scenarios counted.
        parameters: Key (``domain``, ``subdomain``, each parameter) → distribution.
        max_total_variation: The worst key's total variation distance.
    """

    scenarios: int
    parameters: dict[str, ParameterDistribution]
    max_total_variation: float


class ScenarioTally:
    """Counts scenarios as they come, so a long run can report its distribution without keeping them.

    Memory depends on the number of distinct values (bounded by the configuration), not on the
    number of scenarios counted.

    Example:
        >>> tally = ScenarioTally()
        >>> tally.add({"domain": "customer_support", "subdomain": "billing", "tone": "calm"})
        >>> tally.report({"tone": {"calm": 1.0}}).parameters["tone"].counts
        {'calm': 1}
    """

    def __init__(self) -> None:
        self.total = 0
        self._counts: dict[str, Counter[str]] = {}

    def add(self, scenario: Scenario | Mapping[str, str]) -> None:
        """Count one scenario (a :class:`Scenario` or the flat dict stored in provenance)."""
        self.total += 1
        for key, value in _flat(scenario).items():
            counter = self._counts.get(key)
            if counter is None:
                counter = self._counts[key] = Counter()
            counter[value] += 1

    def report(self, targets: Mapping[str, Mapping[str, float]]) -> DistributionReport:
        """The achieved distribution so far against ``targets`` (see :func:`distribution_report`)."""
        parameters = {
            key: _distribution(self._counts.get(key, Counter()), dict(targets[key])) for key in targets
        }
        worst = max((p.total_variation for p in parameters.values()), default=0.0)
        return DistributionReport(scenarios=self.total, parameters=parameters, max_total_variation=worst)


def distribution_report(
    scenarios: Iterable[Scenario | Mapping[str, str]],
    targets: Mapping[str, Mapping[str, float]],
) -> DistributionReport:
    """Compare drawn scenarios with target shares.

    Args:
        scenarios: Scenarios, or flat scenario dicts as stored in provenance (streamed: only counts
            are kept).
        targets: Key → value → target share, e.g. from ``ScenarioSampler.target_shares()``.
            ``subdomain`` targets are keyed ``"domain/subdomain"``.

    Returns:
        Counts, shares, target shares and the total variation distance for every key in ``targets``.
    """
    tally = ScenarioTally()
    for scenario in scenarios:
        tally.add(scenario)
    return tally.report(targets)


def _flat(scenario: Scenario | Mapping[str, str]) -> dict[str, str]:
    flat = dict(scenario.as_dict() if isinstance(scenario, Scenario) else scenario)
    if "domain" in flat and "subdomain" in flat:
        flat["subdomain"] = f"{flat['domain']}/{flat['subdomain']}"
    return flat


def _distribution(counts: Counter[str], target: dict[str, float]) -> ParameterDistribution:
    total = sum(counts.values())
    shares = {value: count / total for value, count in counts.items()} if total else {}
    values = set(shares) | set(target)
    distance = 0.5 * sum(abs(shares.get(v, 0.0) - target.get(v, 0.0)) for v in values) if total else 0.0
    return ParameterDistribution(
        total=total,
        counts=dict(sorted(counts.items())),
        shares=dict(sorted(shares.items())),
        target_shares=dict(sorted(target.items())),
        total_variation=distance,
    )
