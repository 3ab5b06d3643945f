"""Reproducible, weighted scenario sampling: the i-th scenario depends only on (config, seed, i)."""

from __future__ import annotations

import hashlib
from bisect import bisect_right
from collections.abc import Mapping, Sequence
from itertools import accumulate

from pydantic import BaseModel, ConfigDict

from distillation.scenarios.models import DomainsConfig

_UNIT = float(2**53)


class Scenario(BaseModel):
    """One drawn scenario, recorded with the example it produces.

    Attributes:
        index: Position in the run's scenario sequence.
        domain: Domain id.
        subdomain: Subdomain id.
        domain_name: Display name of the domain (for prompts).
        subdomain_name: Display name of the subdomain (for prompts).
        parameters: Parameter name → drawn value.
    """

    model_config = ConfigDict(frozen=True)

    index: int
    domain: str
    subdomain: str
    domain_name: str
    subdomain_name: str
    parameters: dict[str, str]

    def as_dict(self) -> dict[str, str]:
        """Return the flat scenario dict ``{"domain", "subdomain", **parameters}`` stored as provenance."""
        return {"domain": self.domain, "subdomain": self.subdomain, **self.parameters}


class ScenarioSampler:
    """Draw weighted scenarios reproducibly.

    Each draw hashes ``(seed, index, key)`` into a uniform number per key, so a resumed run re-draws
    identical scenarios, and adding a parameter does not change the values drawn for the others.

    Args:
        config: The scenario configuration.
        seed: Run seed; the same seed and config give the same sequence.
        domains: Domain ids to draw from (by domain weight); None means every domain.
        subdomain: Pin one subdomain; needs exactly one domain.
        fixed: Parameter name → value to use instead of drawing.

    Raises:
        UnknownDomainError: A domain id is not in the configuration.
        ValueError: The subdomain or a fixed parameter does not exist for the chosen domains.

    Example:
        >>> from distillation.scenarios import load_domains_config
        >>> sampler = ScenarioSampler(load_domains_config(), seed=7, domains=["customer_support"])
        >>> sampler.draw(3) == sampler.draw(3)
        True
    """

    def __init__(
        self,
        config: DomainsConfig,
        *,
        seed: int | str = 0,
        domains: Sequence[str] | None = None,
        subdomain: str | None = None,
        fixed: Mapping[str, str] | None = None,
    ) -> None:
        self.config = config
        self.seed = str(seed)
        self.domains = sorted(domains) if domains is not None else sorted(config.domains)
        self.subdomain = subdomain
        self.fixed = dict(fixed or {})
        self._check_selection()

    def draw(self, index: int) -> Scenario:
        """Return the scenario at ``index`` (0-based); the same index always gives the same scenario."""
        if index < 0:
            raise ValueError(f"scenario index must be >= 0, got {index}")
        domain_id = self._choose(index, "domain", self._domain_weights())
        domain = self.config.domains[domain_id]
        subdomain_id = self.subdomain or self._choose(
            index, f"subdomain/{domain_id}", {key: sub.weight for key, sub in domain.subdomains.items()}
        )
        return Scenario(
            index=index,
            domain=domain_id,
            subdomain=subdomain_id,
            domain_name=domain.name,
            subdomain_name=domain.subdomains[subdomain_id].name,
            parameters=self._draw_parameters(index, domain_id),
        )

    def draw_many(self, count: int, *, start: int = 0) -> list[Scenario]:
        """Return ``count`` consecutive scenarios beginning at index ``start``."""
        return [self.draw(index) for index in range(start, start + count)]

    def target_shares(self) -> dict[str, dict[str, float]]:
        """Return the distribution the sampler aims for, per key of the scenario dict.

        ``subdomain`` shares are keyed ``"domain/subdomain"``. A parameter that only some domains have
        is conditioned on those domains.
        """
        domain_shares = _normalise(self._domain_weights())
        targets: dict[str, dict[str, float]] = {"domain": domain_shares, "subdomain": {}}
        for domain_id, share in domain_shares.items():
            for key, sub_share in self._subdomain_shares(domain_id).items():
                targets["subdomain"][f"{domain_id}/{key}"] = share * sub_share
        targets.update(self._parameter_targets(domain_shares))
        return targets

    def _draw_parameters(self, index: int, domain_id: str) -> dict[str, str]:
        drawn = {}
        for name, spec in sorted(self.config.parameters_for(domain_id).items()):
            if name in self.fixed:
                drawn[name] = self.fixed[name]
            else:
                drawn[name] = self._choose(index, f"param/{domain_id}/{name}", spec.values)
        return drawn

    def _domain_weights(self) -> dict[str, float]:
        weights = {d: self.config.domains[d].weight for d in self.domains}
        # Explicitly chosen domains are drawn even when their weight is 0 (weights only rank domains).
        if sum(weights.values()) <= 0:
            return dict.fromkeys(weights, 1.0)
        return weights

    def _parameter_targets(self, domain_shares: dict[str, float]) -> dict[str, dict[str, float]]:
        mixed: dict[str, dict[str, float]] = {}
        for domain_id, share in domain_shares.items():
            for name, spec in self.config.parameters_for(domain_id).items():
                shares = {self.fixed[name]: 1.0} if name in self.fixed else spec.shares()
                bucket = mixed.setdefault(name, {})
                for value, value_share in shares.items():
                    bucket[value] = bucket.get(value, 0.0) + share * value_share
        return {name: _normalise(bucket) for name, bucket in mixed.items()}

    def _subdomain_shares(self, domain_id: str) -> dict[str, float]:
        if self.subdomain is not None:
            return {self.subdomain: 1.0}
        return self.config.domains[domain_id].subdomain_shares()

    def _choose(self, index: int, key: str, weights: Mapping[str, float]) -> str:
        # Sorted so that reordering a YAML mapping does not change the draws (the fingerprint is sorted too).
        items = sorted(weights.items())
        cumulative = list(accumulate(weight for _, weight in items))
        position = bisect_right(cumulative, self._unit(index, key) * cumulative[-1])
        return items[min(position, len(items) - 1)][0]

    def _unit(self, index: int, key: str) -> float:
        digest = hashlib.sha256(f"{self.seed}\x1f{index}\x1f{key}".encode()).digest()
        return (int.from_bytes(digest[:8], "big") >> 11) / _UNIT

    def _check_selection(self) -> None:
        for domain_id in self.domains:
            self.config.domain(domain_id)
        if not self.domains:
            raise ValueError("no domains selected")
        if self.subdomain is not None:
            self._check_subdomain(self.subdomain)
        known = {name for d in self.domains for name in self.config.parameters_for(d)}
        unknown = sorted(set(self.fixed) - known)
        if unknown:
            raise ValueError(f"fixed parameters {unknown} do not exist; known parameters: {sorted(known)}")

    def _check_subdomain(self, subdomain: str) -> None:
        if len(self.domains) != 1:
            raise ValueError("a fixed subdomain needs exactly one domain")
        domain = self.config.domain(self.domains[0])
        if subdomain not in domain.subdomains:
            known = ", ".join(domain.subdomains)
            raise ValueError(f"unknown subdomain {subdomain!r} of {self.domains[0]!r}; known: {known}")


def _normalise(weights: Mapping[str, float]) -> dict[str, float]:
    total = sum(weights.values())
    return {key: weight / total for key, weight in weights.items()}
