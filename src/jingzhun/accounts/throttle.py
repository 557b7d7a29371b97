"""Failed-login throttling, kept in the cache (Redis in production).

Two counters. Per (username, address): after ``LOGIN_FAILURE_LIMIT`` failures the account is refused from that
address for ``LOGIN_LOCK_SECONDS`` — guessing one account's password. Per address: a whole township may sit
behind one address, so failures across usernames never lock anyone out; past
``LOGIN_ADDRESS_FREE_FAILURES`` each further attempt from the address waits a little longer (1, 2, 4 … up to
``LOGIN_ADDRESS_MAX_DELAY`` seconds) — password spraying over many usernames is slowed to a crawl while a
colleague who mistypes once waits a few seconds at most.
"""

import time

from django.conf import settings
from django.core.cache import cache

from jingzhun.core.counters import bump


def _key(username: str, ip: str | None) -> str:
    return f"login-fail:{(username or '').lower()}:{ip or '-'}"


def _address_key(ip: str | None) -> str:
    return f"login-fail-address:{ip or '-'}"


def is_locked(username: str, ip: str | None) -> bool:
    return cache.get(_key(username, ip), 0) >= settings.LOGIN_FAILURE_LIMIT


def address_wait(ip: str | None) -> int:
    """Seconds the address must still wait before its next attempt (0: go ahead)."""
    failures, last = cache.get(_address_key(ip), (0, 0.0))
    excess = failures - settings.LOGIN_ADDRESS_FREE_FAILURES
    if excess < 0:
        return 0
    delay = min(settings.LOGIN_ADDRESS_MAX_DELAY, 2**excess)
    return max(0, int(last + delay - time.time() + 0.999))


def record_failure(username: str, ip: str | None) -> None:
    bump(_key(username, ip), settings.LOGIN_LOCK_SECONDS)
    failures, _last = cache.get(_address_key(ip), (0, 0.0))
    cache.set(_address_key(ip), (failures + 1, time.time()), settings.LOGIN_LOCK_SECONDS)


def clear(username: str, ip: str | None) -> None:
    """A success clears the account's counter; the address's stays (a sprayer may know one password)."""
    cache.delete(_key(username, ip))
