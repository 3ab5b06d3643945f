"""Password hashing (Argon2 through pwdlib) and session tokens (random, stored only as hashes)."""

from __future__ import annotations

import hashlib
import secrets
from functools import cache

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

# Argon2id as pwdlib recommends: three passes over 64 MiB, about 0.2 s of CPU per hash or check.
_RECOMMENDED = PasswordHash.recommended()
# The test suite's (ENVIRONMENT=test only): one pass over 1 MiB, well under a millisecond. Its suite signs
# in thousands of times; at 0.2 s each that was minutes of CPU spent on nothing it checks. A hash keeps
# its own parameters, so either hasher verifies what the other made.
_FOR_TESTS = PasswordHash((Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1),))
_hasher = _RECOMMENDED


def configure(environment: str) -> None:
    """Choose the hash parameters for new hashes: cheap under ENVIRONMENT=test, the recommended otherwise."""
    global _hasher
    _hasher = _FOR_TESTS if environment == "test" else _RECOMMENDED
    dummy_hash.cache_clear()


def hash_password(password: str) -> str:
    """An Argon2 hash of ``password``."""
    return _hasher.hash(password)


def verify_password(password: str, password_hash: str) -> bool:
    """Whether ``password`` matches the stored hash."""
    return _hasher.verify(password, password_hash)


@cache
def dummy_hash() -> str:
    """A hash of a random password, checked when no account matches so every login costs the same."""
    return _hasher.hash(secrets.token_urlsafe(16))


def new_token() -> str:
    """A fresh random token for a cookie or an API token."""
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """What the database keeps of a token: enough to look it up, useless if it leaks."""
    return hashlib.sha256(token.encode()).hexdigest()


def generate_password() -> str:
    """A random password for the first admin when none is configured."""
    return secrets.token_urlsafe(12)
