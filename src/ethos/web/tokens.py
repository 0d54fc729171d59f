"""Random tokens and the keyed hashes that are all Ethos stores of them.

A token (invitation link, kiosk code, resume code, API token) is shown once and never stored.
Ethos keeps ``HMAC-SHA256(key, token)`` where the key is derived from ``ETHOS_SECRET_KEY`` and
the token's purpose, so a copy of the database alone cannot test guesses, and a hash made for
one purpose is useless for another.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from django.conf import settings

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: codes are read aloud and typed


def keyed_hash(purpose: str, token: str) -> str:
    key = hmac.new(settings.SECRET_KEY.encode(), purpose.encode(), hashlib.sha256).digest()
    return hmac.new(key, token.strip().encode(), hashlib.sha256).hexdigest()


def new_token() -> str:
    """A URL-safe token with 192 bits of randomness."""
    return secrets.token_urlsafe(24)


def new_code(groups: int = 3, size: int = 4) -> str:
    """A code people can type, e.g. ``K7QM-3XTA-PRW9`` (60 bits for three groups)."""
    return "-".join("".join(secrets.choice(ALPHABET) for _ in range(size)) for _ in range(groups))


def normalise_code(code: str) -> str:
    """Accept a typed code in any case, with or without spaces and dashes."""
    letters = "".join(ch for ch in code.upper() if ch.isalnum())
    return "-".join(letters[i : i + 4] for i in range(0, len(letters), 4))
