"""A limit on guessing: failed attempts at a survey credential, counted per client address.

A failed attempt is an unknown invitation token, kiosk code, resume code or open-link key.
After ``ETHOS_GUESS_LIMIT`` failures from one address within ``ETHOS_GUESS_WINDOW_SECONDS``
(a fixed window that starts at the first failure), every attempt from that address is
refused with 429 until the window ends, without the credential being checked at all, so a
guesser learns nothing more even when they hit a real one. Successful attempts neither count
nor reset the count.

The address is the connection's ``REMOTE_ADDR`` (behind a reverse proxy, the proxy's
address, so the limit is shared by everyone behind it; Ethos does not trust
``X-Forwarded-For``). It is held only in Django's cache, under a keyed hash with its own
purpose, and expires with the window; it is never written to the database or a log.

The cache is Django's default, an in-memory cache in each worker process (nothing is
configured). That is deliberate: the hashed addresses never reach a disk, the database or its
backups, and they vanish on restart. With several workers each keeps its own count, so the
effective limit is the limit times the number of workers: harmless, because the credentials
are far too long to guess at any such rate (an invitation token has 192 random bits, a kiosk
code 60). Django's database cache is not used because it would write the hashed addresses
into the database and every dump of it.
"""

from __future__ import annotations

import math
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

from ethos.web.tokens import keyed_hash

PURPOSE = "guess-limit-address"
PREFIX = "ethos.guess."


def _keys(request: HttpRequest) -> tuple[str, str]:
    address = request.META.get("REMOTE_ADDR") or "unknown"
    digest = keyed_hash(PURPOSE, address)
    return f"{PREFIX}{digest}.count", f"{PREFIX}{digest}.since"


def retry_after(request: HttpRequest) -> int | None:
    """Seconds until this address may try again, or ``None`` when it is under the limit."""
    count_key, since_key = _keys(request)
    if (cache.get(count_key) or 0) < settings.ETHOS_GUESS_LIMIT:
        return None
    since = cache.get(since_key)
    window = settings.ETHOS_GUESS_WINDOW_SECONDS
    left = window if since is None else since + window - time.time()
    return max(1, math.ceil(left))


def record_failure(request: HttpRequest) -> None:
    """Count one failed attempt from this address; the count expires with its window."""
    count_key, since_key = _keys(request)
    window = settings.ETHOS_GUESS_WINDOW_SECONDS
    cache.add(since_key, time.time(), timeout=window)
    cache.add(count_key, 0, timeout=window)
    try:
        cache.incr(count_key)
    except ValueError:  # expired between add and incr: start a new window
        cache.set(count_key, 1, timeout=window)
