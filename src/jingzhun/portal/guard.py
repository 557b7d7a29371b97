"""Abuse guards of the public objection form, without JavaScript and without login: a small arithmetic
challenge (signed, time-limited, single use) and a rate limit per client address kept in the cache."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core import signing
from django.core.cache import cache

SALT = "jingzhun.portal.challenge"
MAX_AGE = 30 * 60


def new_challenge() -> tuple[str, str]:
    """(question, token): the question is shown, the token travels in a hidden field and holds the answer."""
    a, b = secrets.randbelow(9) + 1, secrets.randbelow(9) + 1
    token = signing.dumps({"s": a + b, "n": secrets.token_hex(8)}, salt=SALT)
    return f"{a} + {b} = ?", token


def challenge_passed(token: str, answer: str) -> bool:
    """Right answer, token ours and fresh, and not used before (a replayed form fails)."""
    try:
        data = signing.loads(token or "", salt=SALT, max_age=MAX_AGE)
    except signing.BadSignature:
        return False
    if str(answer or "").strip() != str(data.get("s")):
        return False
    return cache.add(f"portal-challenge:{data.get('n')}", 1, MAX_AGE)


def over_limit(ip: str | None) -> bool:
    """Count one submission from ``ip``; True once it has sent more than the limit within the window."""
    key = f"portal-objection:{ip or '-'}"
    cache.add(key, 0, settings.PORTAL_OBJECTION_WINDOW_SECONDS)
    try:
        count = cache.incr(key)
    except ValueError:
        cache.set(key, 1, settings.PORTAL_OBJECTION_WINDOW_SECONDS)
        count = 1
    return count > settings.PORTAL_OBJECTION_LIMIT
