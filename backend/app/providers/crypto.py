"""Provider API keys at rest: Fernet (AES-128-CBC + HMAC-SHA256) with a key derived by HKDF.

The Fernet key is derived from ``ENCRYPTION_KEY`` when set, else from ``SECRET_KEY``, so a stolen
database alone reveals no provider key.
"""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from pydantic import SecretStr

# Fixed salt and context: the input secret already is high-entropy, and distinct info strings keep
# keys derived for other purposes from the same secret independent of this one.
_SALT = b"distillery"
_INFO = b"provider-credentials/v1"


class UnreadableSecret(Exception):
    """A stored key cannot be decrypted: the encryption secret changed since it was saved."""


def _fernet(secret: SecretStr) -> Fernet:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=_SALT, info=_INFO)
    key = hkdf.derive(secret.get_secret_value().encode())
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt(secret: SecretStr, plaintext: str) -> str:
    """The Fernet token of ``plaintext`` (ASCII, safe to store in a text column)."""
    return _fernet(secret).encrypt(plaintext.encode()).decode("ascii")


def decrypt(secret: SecretStr, token: str) -> str:
    """The plaintext of a token made by :func:`encrypt` with the same secret.

    Raises:
        UnreadableSecret: The token was made with another secret, or was altered.
    """
    try:
        return _fernet(secret).decrypt(token.encode("ascii")).decode()
    except (InvalidToken, ValueError) as exc:
        raise UnreadableSecret("the stored key was encrypted with another ENCRYPTION_KEY/SECRET_KEY") from exc
