"""Password hashes: Argon2id at pwdlib's recommended cost, cheaper only for the test suite."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from app.auth import security


@pytest.fixture
def environment() -> Iterator[None]:
    """Puts back the test suite's hasher after a test chose another."""
    yield
    security.configure("test")


def parameters(password_hash: str) -> str:
    """The ``m=…,t=…,p=…`` part of an encoded Argon2 hash."""
    return password_hash.split("$")[3]


@pytest.mark.parametrize("environment_name", ["development", "production"])
def test_outside_the_test_suite_new_hashes_use_the_recommended_cost(
    environment: None, environment_name: str
) -> None:
    security.configure(environment_name)
    made = security.hash_password("correct horse")
    assert made.startswith("$argon2id$")
    assert parameters(made) == "m=65536,t=3,p=4"
    assert parameters(security.dummy_hash()) == "m=65536,t=3,p=4"


def test_the_test_suite_hashes_cheaply_and_either_cost_verifies_the_other(environment: None) -> None:
    security.configure("production")
    strong = security.hash_password("correct horse")
    security.configure("test")
    cheap = security.hash_password("correct horse")
    assert parameters(cheap) == "m=1024,t=1,p=1"
    # A hash carries its own parameters: each hasher checks what the other made, right and wrong.
    assert security.verify_password("correct horse", strong)
    assert not security.verify_password("battery staple", strong)
    security.configure("production")
    assert security.verify_password("correct horse", cheap)
    assert not security.verify_password("battery staple", cheap)
