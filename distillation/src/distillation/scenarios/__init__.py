"""Scenario diversity: weighted domain configuration, reproducible sampling and distribution reports.

Example:
    >>> from distillation.scenarios import ScenarioSampler, load_domains_config
    >>> sampler = ScenarioSampler(load_domains_config(), seed=42, domains=["customer_support"])
    >>> sorted(sampler.draw(0).as_dict())[:3]
    ['channel', 'communication_style', 'complexity']
"""

from distillation.scenarios.loader import (
    BUILTIN_SOURCE,
    ConfigIssue,
    ConfigSource,
    DomainConfigError,
    builtin_domains_text,
    dump_domains_config,
    load_domains_config,
    merge_config,
)
from distillation.scenarios.models import (
    DomainsConfig,
    DomainSpec,
    ParameterSpec,
    SubdomainSpec,
    UnknownDomainError,
)
from distillation.scenarios.report import (
    DistributionReport,
    ParameterDistribution,
    ScenarioTally,
    distribution_report,
)
from distillation.scenarios.sampler import Scenario, ScenarioSampler

__all__ = [
    "BUILTIN_SOURCE",
    "ConfigIssue",
    "ConfigSource",
    "DistributionReport",
    "DomainConfigError",
    "DomainSpec",
    "DomainsConfig",
    "ParameterDistribution",
    "ParameterSpec",
    "Scenario",
    "ScenarioSampler",
    "ScenarioTally",
    "SubdomainSpec",
    "UnknownDomainError",
    "builtin_domains_text",
    "distribution_report",
    "dump_domains_config",
    "load_domains_config",
    "merge_config",
]
