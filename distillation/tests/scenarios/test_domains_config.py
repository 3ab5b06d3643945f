"""The shipped domain configuration, the merge rules and the errors a bad configuration produces."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
import yaml

from distillation.scenarios import (
    DomainConfigError,
    ScenarioSampler,
    builtin_domains_text,
    dump_domains_config,
    load_domains_config,
)

REPO_CONFIG = Path(__file__).resolve().parents[3] / "config" / "domains.yaml"
EXPECTED_DOMAINS = {
    "customer_support",
    "medical_information",
    "legal_documentation",
    "educational_content",
    "business_communication",
    "technical_documentation",
    "sales_negotiation",
    "financial_analysis",
    "research_summaries",
    "coaching_mentoring",
    "creative_writing",
    "meeting_summaries",
}
COMMON = {
    "conversation_type",
    "complexity",
    "question_structure",
    "emotional_tone",
    "communication_style",
    "language",
}


def _error(*sources: Any) -> DomainConfigError:
    with pytest.raises(DomainConfigError) as caught:
        load_domains_config(*sources)
    return caught.value


def test_builtin_config_has_the_twelve_domains_with_five_subdomains_each() -> None:
    config = load_domains_config()
    assert set(config.domains) == EXPECTED_DOMAINS
    for domain_id, domain in config.domains.items():
        assert len(domain.subdomains) == 5, domain_id
        assert len(domain.parameters) >= 2, domain_id


def test_builtin_weights_are_valid_and_sum_to_one() -> None:
    config = load_domains_config()
    assert set(config.common) == COMMON
    specs = list(config.common.values())
    for domain in config.domains.values():
        assert math.isclose(sum(sub.weight for sub in domain.subdomains.values()), 1.0)
        specs.extend(domain.parameters.values())
    for spec in specs:
        assert all(weight >= 0 for weight in spec.values.values())
        assert math.isclose(sum(spec.values.values()), 1.0), spec


def test_customer_support_has_the_documented_issue_split_and_english_is_the_default_language() -> None:
    config = load_domains_config()
    support = config.domains["customer_support"].parameters
    assert support["issue_scope"].shares() == {"single-issue": 0.6, "multi-issue": 0.4}
    assert {"customer_knowledge", "channel"} <= set(support)
    assert config.common["language"].shares()["English"] == 1.0


def test_repo_config_file_is_an_override_that_loads_on_top_of_the_builtin() -> None:
    assert REPO_CONFIG.is_file()
    assert yaml.safe_load(REPO_CONFIG.read_text()) is not None
    merged = load_domains_config(REPO_CONFIG)
    assert merged.fingerprint() == load_domains_config().fingerprint()


def test_override_replaces_a_values_mapping_whole_and_merges_everything_else() -> None:
    config = load_domains_config(
        {"domains": {"customer_support": {"parameters": {"channel": {"values": {"email": 1}}}}}}
    )
    channel = config.domains["customer_support"].parameters["channel"]
    assert channel.values == {"email": 1.0}
    assert channel.description  # kept from the built-in file
    assert len(config.domains["customer_support"].subdomains) == 5


def test_null_removes_a_domain_and_later_sources_win() -> None:
    config = load_domains_config(
        {"domains": {"creative_writing": None}},
        {"common": {"language": {"values": {"French": 1}}}},
        {"common": {"language": {"values": {"German": 1}}}},
    )
    assert "creative_writing" not in config.domains
    assert config.common["language"].values == {"German": 1.0}


def test_user_domain_from_a_file_is_loaded_and_sampled(tmp_path: Path) -> None:
    custom = tmp_path / "hr.yaml"
    custom.write_text(
        "domains:\n"
        "  hr_policies:\n"
        "    name: HR Policies\n"
        "    subdomains:\n"
        "      leave: {name: Leave}\n"
        "      benefits: {name: Benefits, weight: 3}\n"
        "    parameters:\n"
        "      tenure: {values: {new hire: 1, veteran: 1}}\n"
    )
    config = load_domains_config(custom)
    assert len(config.domains) == 13
    scenario = ScenarioSampler(config, seed=1, domains=["hr_policies"]).draw(0)
    assert scenario.domain == "hr_policies"
    assert scenario.subdomain in {"leave", "benefits"}
    assert scenario.parameters["tenure"] in {"new hire", "veteran"}
    assert "emotional_tone" in scenario.parameters  # common parameters apply to user domains too


def test_user_domain_alone_without_builtin() -> None:
    config = load_domains_config(
        {"domains": {"mine": {"name": "Mine", "subdomains": {"a": {"name": "A"}}}}}, builtin=False
    )
    assert list(config.domains) == ["mine"]
    assert config.common == {}


@pytest.mark.parametrize(
    ("override", "path", "fragment"),
    [
        (
            {"domains": {"customer_support": {"parameters": {"channel": {"values": {"email": -1}}}}}},
            "domains.customer_support.parameters.channel.values.email",
            "greater than or equal to 0",
        ),
        ({"domains": {"billing": {"name": "Billing"}}}, "domains.billing.subdomains", "required"),
        ({"domains": {"customer_support": {"paramters": {}}}}, "domains.customer_support.paramters", "Extra"),
        (
            {"common": {"complexity": {"values": {"easy": 0, "hard": 0}}}},
            "common.complexity",
            "all weights are 0",
        ),
        ({"common": {"tone": {"values": {}}}}, "common.tone.values", "at least 1"),
        ({"common": {"domain": {"values": {"x": 1}}}}, "common", "reserved"),
        (
            {"domains": {"Bad Id": {"name": "B", "subdomains": {"a": {"name": "A"}}}}},
            "domains.Bad Id",
            "pattern",
        ),
        ({"common": {"complexity": {"values": {"easy": "lots"}}}}, "common.complexity.values.easy", "number"),
        (
            {"domains": {"legal_documentation": {"subdomains": {"contracts": {"weight": math.inf}}}}},
            "domains.legal_documentation.subdomains.contracts.weight",
            "finite",
        ),
    ],
)
def test_bad_config_errors_name_the_key(override: dict[str, Any], path: str, fragment: str) -> None:
    error = _error(override)
    matching = [issue for issue in error.issues if issue.path.startswith(path)]
    assert matching, str(error)
    assert fragment.lower() in " ".join(issue.message for issue in matching).lower()
    assert path in str(error)


def test_error_names_the_file_that_introduced_the_bad_key(tmp_path: Path) -> None:
    bad = tmp_path / "domains.yaml"
    bad.write_text(
        "domains:\n  customer_support:\n    parameters:\n      channel:\n        values: {email: -2}\n"
    )
    error = _error(bad)
    assert error.issues[0].source == str(bad)
    assert str(bad) in str(error)


def test_unreadable_and_malformed_files_are_config_errors(tmp_path: Path) -> None:
    assert "cannot read" in str(_error(tmp_path / "missing.yaml"))
    broken = tmp_path / "broken.yaml"
    broken.write_text("domains: [unclosed\n")
    assert "not valid YAML" in str(_error(broken))
    listing = tmp_path / "list.yaml"
    listing.write_text("- a\n- b\n")
    assert "expected a mapping" in str(_error(listing))


def test_dump_round_trips_and_builtin_text_is_package_data() -> None:
    config = load_domains_config()
    reloaded = load_domains_config(yaml.safe_load(dump_domains_config(config)), builtin=False)
    assert reloaded.fingerprint() == config.fingerprint()
    assert "customer_support" in builtin_domains_text()


def test_fingerprint_changes_with_a_weight() -> None:
    base = load_domains_config()
    changed = load_domains_config({"common": {"complexity": {"values": {"basic": 1, "advanced": 2}}}})
    assert base.fingerprint() != changed.fingerprint()
