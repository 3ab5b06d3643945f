"""Reproducible weighted sampling and the achieved-vs-target distribution report."""

from __future__ import annotations

import math
from collections import Counter

import pytest

from distillation.scenarios import (
    DomainsConfig,
    Scenario,
    ScenarioSampler,
    UnknownDomainError,
    distribution_report,
    load_domains_config,
)

DRAWS = 10_000


@pytest.fixture(scope="module")
def config() -> DomainsConfig:
    return load_domains_config()


def test_same_seed_gives_the_same_scenarios_from_a_fresh_sampler(config: DomainsConfig) -> None:
    first = ScenarioSampler(config, seed=42).draw_many(200)
    second = ScenarioSampler(load_domains_config(), seed=42).draw_many(200)
    assert first == second


def test_the_ith_scenario_depends_only_on_seed_and_index(config: DomainsConfig) -> None:
    sampler = ScenarioSampler(config, seed="job-17")
    sequence = sampler.draw_many(100)
    # A resumed job starts in the middle and must re-draw the same scenarios.
    assert ScenarioSampler(config, seed="job-17").draw_many(30, start=70) == sequence[70:]
    assert sampler.draw(57) == sequence[57]
    assert [s.index for s in sequence] == list(range(100))


def test_different_seeds_give_different_sequences(config: DomainsConfig) -> None:
    left = [s.as_dict() for s in ScenarioSampler(config, seed=1).draw_many(50)]
    right = [s.as_dict() for s in ScenarioSampler(config, seed=2).draw_many(50)]
    assert left != right


def test_draws_match_the_configured_weights_over_ten_thousand_draws(config: DomainsConfig) -> None:
    sampler = ScenarioSampler(config, seed=2024, domains=["customer_support"])
    report = distribution_report(sampler.draw_many(DRAWS), sampler.target_shares())
    assert report.scenarios == DRAWS
    issue_scope = report.parameters["issue_scope"]
    assert issue_scope.target_shares == {"multi-issue": 0.4, "single-issue": 0.6}
    for key, distribution in report.parameters.items():
        assert distribution.total == DRAWS
        for value, target in distribution.target_shares.items():
            sigma = math.sqrt(target * (1 - target) / DRAWS)
            # 4.5 sigma: a correct sampler fails this about once in 10^5 values.
            assert abs(distribution.shares.get(value, 0.0) - target) <= 4.5 * sigma + 1e-12, (key, value)
        assert distribution.total_variation < 0.03, key


def test_parameters_are_drawn_independently(config: DomainsConfig) -> None:
    sampler = ScenarioSampler(config, seed=99, domains=["customer_support"])
    scenarios = sampler.draw_many(DRAWS)
    targets = sampler.target_shares()
    joint = Counter((s.parameters["issue_scope"], s.parameters["channel"]) for s in scenarios)
    distance = 0.5 * sum(
        abs(joint[(scope, channel)] / DRAWS - scope_share * channel_share)
        for scope, scope_share in targets["issue_scope"].items()
        for channel, channel_share in targets["channel"].items()
    )
    assert distance < 0.03


def test_zero_weight_values_are_never_drawn(config: DomainsConfig) -> None:
    scenarios = ScenarioSampler(config, seed=5).draw_many(2_000)
    assert {s.parameters["language"] for s in scenarios} == {"English"}


def test_domain_weights_apply_across_domains() -> None:
    config = load_domains_config(
        {"domains": {"customer_support": {"weight": 3}}},
    )
    sampler = ScenarioSampler(config, seed=9, domains=["customer_support", "creative_writing"])
    report = distribution_report(sampler.draw_many(4_000), sampler.target_shares())
    domain = report.parameters["domain"]
    assert domain.target_shares == {"creative_writing": 0.25, "customer_support": 0.75}
    assert abs(domain.shares["customer_support"] - 0.75) < 0.03
    # Parameters of one domain only are reported over the scenarios that carry them.
    assert report.parameters["issue_scope"].total == domain.counts["customer_support"]


def test_pinned_subdomain_and_fixed_parameters(config: DomainsConfig) -> None:
    sampler = ScenarioSampler(
        config, seed=3, domains=["customer_support"], subdomain="billing", fixed={"language": "French"}
    )
    scenarios = sampler.draw_many(300)
    assert {s.subdomain for s in scenarios} == {"billing"}
    assert {s.parameters["language"] for s in scenarios} == {"French"}
    assert {s.subdomain_name for s in scenarios} == {"Billing"}
    assert sampler.target_shares()["language"] == {"French": 1.0}


def test_selection_errors_are_explicit(config: DomainsConfig) -> None:
    with pytest.raises(UnknownDomainError, match="known domains"):
        ScenarioSampler(config, domains=["astrology"])
    with pytest.raises(ValueError, match="exactly one domain"):
        ScenarioSampler(config, subdomain="billing")
    with pytest.raises(ValueError, match="unknown subdomain"):
        ScenarioSampler(config, domains=["customer_support"], subdomain="poetry")
    with pytest.raises(ValueError, match="do not exist"):
        ScenarioSampler(config, fixed={"langauge": "French"})
    with pytest.raises(ValueError, match=">= 0"):
        ScenarioSampler(config).draw(-1)


def test_adding_a_parameter_leaves_the_other_draws_unchanged(config: DomainsConfig) -> None:
    extended = load_domains_config({"common": {"persona": {"values": {"student": 1, "retiree": 1}}}})
    before = ScenarioSampler(config, seed=11).draw_many(100)
    after = ScenarioSampler(extended, seed=11).draw_many(100)
    for old, new in zip(before, after, strict=True):
        assert {k: v for k, v in new.as_dict().items() if k != "persona"} == old.as_dict()


def test_reordering_values_does_not_change_draws() -> None:
    forward = {"common": {"complexity": {"values": {"basic": 1, "intermediate": 2, "advanced": 3}}}}
    backward = {"common": {"complexity": {"values": {"advanced": 3, "intermediate": 2, "basic": 1}}}}
    left = ScenarioSampler(load_domains_config(forward), seed=4).draw_many(100)
    right = ScenarioSampler(load_domains_config(backward), seed=4).draw_many(100)
    assert left == right


def test_scenario_dict_is_flat_and_carries_domain_and_subdomain(config: DomainsConfig) -> None:
    scenario = ScenarioSampler(config, seed=0, domains=["meeting_summaries"]).draw(0)
    flat = scenario.as_dict()
    assert flat["domain"] == "meeting_summaries"
    assert flat["subdomain"] in config.domains["meeting_summaries"].subdomains
    assert set(flat) == {"domain", "subdomain", *config.parameters_for("meeting_summaries")}


def test_report_detects_a_skewed_sample_and_accepts_stored_dicts(config: DomainsConfig) -> None:
    sampler = ScenarioSampler(config, seed=1, domains=["customer_support"])
    skewed = [{**s.as_dict(), "issue_scope": "single-issue"} for s in sampler.draw_many(500)]
    report = distribution_report(skewed, sampler.target_shares())
    issue_scope = report.parameters["issue_scope"]
    assert issue_scope.counts == {"single-issue": 500}
    assert issue_scope.shares == {"single-issue": 1.0}
    assert issue_scope.total_variation == pytest.approx(0.4)
    assert report.max_total_variation >= 0.4


def test_report_of_nothing_is_empty_not_an_error(config: DomainsConfig) -> None:
    sampler = ScenarioSampler(config, seed=1)
    empty: list[Scenario] = []
    report = distribution_report(empty, sampler.target_shares())
    assert report.scenarios == 0
    assert report.max_total_variation == 0.0
