"""Pydantic models of the scenario configuration (domains, subdomains, weighted parameters)."""

from __future__ import annotations

import hashlib
import json
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

Slug = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]
"""Identifier of a domain, subdomain or parameter: lowercase letters, digits and underscores."""

Weight = Annotated[float, Field(ge=0, allow_inf_nan=False)]
"""A relative weight: finite and non-negative; normalised by the sum of its siblings."""

RESERVED_PARAMETER_NAMES = frozenset({"domain", "subdomain", "index"})


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, coerce_numbers_to_str=True)


class ParameterSpec(_Frozen):
    """One scenario parameter and the weighted values it can take.

    Attributes:
        description: What the parameter controls; shown to people, not to the model.
        values: Value → relative weight. A weight of 0 keeps the value listed but never drawn.
    """

    description: str = ""
    values: dict[Annotated[str, StringConstraints(min_length=1)], Weight] = Field(min_length=1)

    @model_validator(mode="after")
    def _some_weight_positive(self) -> ParameterSpec:
        if sum(self.values.values()) <= 0:
            raise ValueError("all weights are 0; at least one value needs a weight above 0")
        return self

    def shares(self) -> dict[str, float]:
        """Return each value's normalised share (shares sum to 1)."""
        total = sum(self.values.values())
        return {value: weight / total for value, weight in self.values.items()}


class SubdomainSpec(_Frozen):
    """A subdomain of a domain.

    Attributes:
        name: Display name, also used in prompts.
        description: Optional longer description, used in prompts when present.
        weight: Relative weight among the domain's subdomains.
    """

    name: str = Field(min_length=1)
    description: str = ""
    weight: Weight = 1.0


class DomainSpec(_Frozen):
    """A domain: its subdomains and the parameters specific to it.

    Attributes:
        name: Display name, also used in prompts.
        description: What conversations in this domain are about.
        weight: Relative weight when a run draws across several domains.
        subdomains: Subdomain id → spec; at least one with a weight above 0.
        parameters: Domain-specific parameters; a name shared with a common parameter replaces it here.
    """

    name: str = Field(min_length=1)
    description: str = ""
    weight: Weight = 1.0
    subdomains: dict[Slug, SubdomainSpec] = Field(min_length=1)
    parameters: dict[Slug, ParameterSpec] = Field(default_factory=dict)

    @field_validator("subdomains")
    @classmethod
    def _some_subdomain_positive(cls, subdomains: dict[str, SubdomainSpec]) -> dict[str, SubdomainSpec]:
        if sum(sub.weight for sub in subdomains.values()) <= 0:
            raise ValueError("all subdomain weights are 0; at least one needs a weight above 0")
        return subdomains

    @field_validator("parameters")
    @classmethod
    def _no_reserved_names(cls, parameters: dict[str, ParameterSpec]) -> dict[str, ParameterSpec]:
        return _refuse_reserved(parameters)

    def subdomain_shares(self) -> dict[str, float]:
        """Return each subdomain's normalised share within this domain."""
        total = sum(sub.weight for sub in self.subdomains.values())
        return {key: sub.weight / total for key, sub in self.subdomains.items()}


class DomainsConfig(_Frozen):
    """The whole scenario configuration: common parameters plus domains.

    Attributes:
        version: Format version of the file; only 1 exists.
        common: Parameters drawn for every domain (conversation type, complexity, tone, language, ...).
        domains: Domain id → spec.
    """

    version: Literal[1] = 1
    common: dict[Slug, ParameterSpec] = Field(default_factory=dict)
    domains: dict[Slug, DomainSpec] = Field(min_length=1)

    @field_validator("common")
    @classmethod
    def _no_reserved_names(cls, parameters: dict[str, ParameterSpec]) -> dict[str, ParameterSpec]:
        return _refuse_reserved(parameters)

    def domain(self, domain_id: str) -> DomainSpec:
        """Return one domain.

        Raises:
            UnknownDomainError: No domain has this id; the message lists the known ids.
        """
        try:
            return self.domains[domain_id]
        except KeyError:
            raise UnknownDomainError(domain_id, sorted(self.domains)) from None

    def parameters_for(self, domain_id: str) -> dict[str, ParameterSpec]:
        """Return the parameters drawn for a domain: common ones overlaid with the domain's own."""
        return {**self.common, **self.domain(domain_id).parameters}

    def fingerprint(self) -> str:
        """Return a sha256 of the configuration; equal fingerprints draw identical scenarios."""
        canonical = json.dumps(self.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()


class UnknownDomainError(KeyError):
    """A domain id that the configuration does not define."""

    def __init__(self, domain_id: str, known: list[str]) -> None:
        super().__init__(domain_id)
        self.domain_id = domain_id
        self.known = known

    def __str__(self) -> str:
        return f"unknown domain {self.domain_id!r}; known domains: {', '.join(self.known)}"


def _refuse_reserved(parameters: dict[str, ParameterSpec]) -> dict[str, ParameterSpec]:
    clash = RESERVED_PARAMETER_NAMES.intersection(parameters)
    if clash:
        # Scenario dicts are flat, so these names would overwrite the scenario's own keys.
        raise ValueError(f"parameter names {sorted(clash)} are reserved")
    return parameters
